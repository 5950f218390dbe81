package import Model

/// Alertmanager's two matcher syntaxes, as used by `matchers:`, `source_matchers:`,
/// `target_matchers:` and amtool's label arguments.
///
/// Alertmanager 0.27+ runs in "fallback" mode by default (`matcher/compat`): the UTF-8 parser
/// (`matchers/parse`) is tried first, and input only the classic parser (`pkg/labels/parse.go`)
/// accepts is still taken. `parse` does the same, so every file either version loads, loads here.
package enum MatcherSyntax {
    /// Parses one matchers string: `a="b"`, `{a="b", c=~"d.*"}`, `foo=bar`, `"utf 8"="x"`.
    /// - Throws: `AlertingError.invalidMatcher` with the UTF-8 parser's reason when neither accepts it.
    package static func parse(_ text: String) throws(AlertingError) -> [Matcher] {
        do {
            return try parseUTF8(text)
        } catch {
            if let classic = try? parseClassic(text) { return classic }
            throw error
        }
    }

    /// The classic parser: commas outside quotes split matchers, each `name op value` where the name
    /// is a legacy label name and the value may be quoted.
    package static func parseClassic(_ text: String) throws(AlertingError) -> [Matcher] {
        var body = Substring(text)
        if body.hasPrefix("{") { body = body.dropFirst() }
        if body.hasSuffix("}") { body = body.dropLast() }
        var tokens: [String] = []
        var token = ""
        var insideQuotes = false
        var escaped = false
        for character in body {
            switch character {
            case ",":
                if !insideQuotes {
                    tokens.append(token)
                    token = ""
                    continue
                }
            case "\"":
                if !escaped { insideQuotes.toggle() } else { escaped = false }
            case "\\":
                escaped.toggle()
            default:
                escaped = false
            }
            token.append(character)
        }
        let last = token.trimmingGoSpace()
        if !last.isEmpty { tokens.append(last) }
        var matchers: [Matcher] = []
        for token in tokens { matchers.append(try parseClassicMatcher(token)) }
        return matchers
    }

    /// One classic matcher: `^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$`, then the value's
    /// quotes and escapes (`\"`, `\\`, `\n`) are resolved.
    static func parseClassicMatcher(_ text: String) throws(AlertingError) -> Matcher {
        let bytes = Array(text.utf8)
        var index = 0
        func bad() -> AlertingError { .invalidMatcher(text, reason: "not name, operator and value") }
        while index < bytes.count, bytes[index].isGoSpace { index += 1 }
        let nameStart = index
        while index < bytes.count, bytes[index].isLegacyNameByte(first: index == nameStart) { index += 1 }
        guard index > nameStart else { throw bad() }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
        while index < bytes.count, bytes[index].isGoSpace { index += 1 }
        let type: MatchType
        let rest = bytes[index...]
        if rest.starts(with: "=~".utf8) {
            type = .regexMatch
        } else if rest.starts(with: "=".utf8) {
            type = .equal
        } else if rest.starts(with: "!=".utf8) {
            type = .notEqual
        } else if rest.starts(with: "!~".utf8) {
            type = .regexNoMatch
        } else {
            throw bad()
        }
        index += type.rawValue.utf8.count
        while index < bytes.count, bytes[index].isGoSpace { index += 1 }
        var end = bytes.count
        while end > index, bytes[end - 1].isGoSpace { end -= 1 }
        var raw = Array(bytes[index..<end])
        let rawText = String(decoding: raw, as: UTF8.self)
        var expectTrailingQuote = false
        if raw.first == UInt8(ascii: "\"") {
            raw.removeFirst()
            expectTrailingQuote = true
        }
        var value: [UInt8] = []
        value.reserveCapacity(raw.count)
        var escaped = false
        for (position, byte) in raw.enumerated() {
            if escaped {
                escaped = false
                switch byte {
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): value.append(byte)
                default: value.append(contentsOf: [UInt8(ascii: "\\"), byte])
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"):
                if position < raw.count - 1 {
                    escaped = true
                } else {
                    value.append(byte)  // a trailing backslash is kept as written
                }
            case UInt8(ascii: "\""):
                guard expectTrailingQuote, position == raw.count - 1 else {
                    throw .invalidMatcher(text, reason: "matcher value contains unescaped double quote: \(rawText)")
                }
                expectTrailingQuote = false
            default:
                value.append(byte)
            }
        }
        if expectTrailingQuote {
            throw .invalidMatcher(text, reason: "matcher value contains unescaped double quote: \(rawText)")
        }
        return try makeMatcher(type, name, String(decoding: value, as: UTF8.self), text: text)
    }

    static func makeMatcher(_ type: MatchType, _ name: String, _ value: String, text: String) throws(AlertingError) -> Matcher {
        do {
            return try Matcher(type, name, value)
        } catch {
            throw .invalidMatcher(text, reason: error.description)
        }
    }
}

extension UInt8 {
    /// Go's `\s` in regexps: `[\t\n\f\r ]`.
    var isGoSpace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0C || self == 0x0D }

    /// `[a-zA-Z_:]` first, `[a-zA-Z0-9_:]` after.
    func isLegacyNameByte(first: Bool) -> Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), UInt8(ascii: ":"):
            true
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            !first
        default:
            false
        }
    }
}

extension StringProtocol {
    /// Trims Go's `strings.TrimSpace` ASCII whitespace from both ends.
    func trimmingGoSpace() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start].isGoSpace || bytes[start] == 0x0B { start += 1 }
        while end > start, bytes[end - 1].isGoSpace || bytes[end - 1] == 0x0B { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
