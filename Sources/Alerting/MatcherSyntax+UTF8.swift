package import Model

extension MatcherSyntax {
    /// The UTF-8 parser of Alertmanager 0.27+ (`matchers/parse`): optional braces, comma-separated
    /// `name op value` where names and values are either double-quoted Go strings (any UTF-8) or
    /// unquoted runs without whitespace and `{}!=~,\"'` and backquote; a trailing comma is allowed.
    package static func parseUTF8(_ text: String) throws(AlertingError) -> [Matcher] {
        var lexer = MatcherLexer(text)
        func fail(_ reason: String) -> AlertingError { .invalidMatcher(text, reason: reason) }
        var matchers: [Matcher] = []
        var token = try lexer.next()
        let braced = token == .openBrace
        if braced { token = try lexer.next() }
        while true {
            switch token {
            case .end:
                if braced { throw fail("missing closing '}'") }
                return matchers
            case .closeBrace:
                guard braced else { throw fail("unexpected '}'") }
                guard try lexer.next() == .end else { throw fail("unexpected input after '}'") }
                return matchers
            case .quoted(let name), .unquoted(let name):
                guard !name.isEmpty else { throw fail("label name cannot be empty") }
                guard case .op(let type) = try lexer.next() else { throw fail("expected an operator after \(name)") }
                let value: String
                switch try lexer.next() {
                case .quoted(let text), .unquoted(let text): value = text
                default: throw fail("expected a label value after \(name)\(type.rawValue)")
                }
                matchers.append(try makeMatcher(type, name, value, text: text))
                token = try lexer.next()
                switch token {
                case .comma: token = try lexer.next()
                case .end, .closeBrace: break
                default: throw fail("expected a comma or closing '}' after \(name)\(type.rawValue)\(value)")
                }
            default:
                throw fail("expected a label name")
            }
        }
    }
}

/// Tokens of the UTF-8 matcher syntax.
enum MatcherToken: Equatable {
    case openBrace, closeBrace, comma, end
    case op(MatchType)
    case quoted(String)
    case unquoted(String)
}

/// Splits a matchers string into tokens, skipping whitespace.
struct MatcherLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private let text: String

    init(_ text: String) {
        self.text = text
        scalars = Array(text.unicodeScalars)
    }

    private func fail(_ reason: String) -> AlertingError { .invalidMatcher(text, reason: reason) }

    static func isReserved(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || "{}!=~,\\\"'`".unicodeScalars.contains(scalar)
    }

    mutating func next() throws(AlertingError) -> MatcherToken {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
        guard index < scalars.count else { return .end }
        let scalar = scalars[index]
        let following: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
        switch scalar {
        case "{": index += 1; return .openBrace
        case "}": index += 1; return .closeBrace
        case ",": index += 1; return .comma
        case "=":
            if following == "~" { index += 2; return .op(.regexMatch) }
            index += 1
            return .op(.equal)
        case "!":
            if following == "=" { index += 2; return .op(.notEqual) }
            if following == "~" { index += 2; return .op(.regexNoMatch) }
            throw fail("expected one of '=~' or '!~' or '!=' at offset \(index)")
        case "\"":
            return .quoted(try quoted())
        default:
            guard !MatcherLexer.isReserved(scalar) else { throw fail("unexpected \(scalar) at offset \(index)") }
            var result = String.UnicodeScalarView()
            while index < scalars.count, !MatcherLexer.isReserved(scalars[index]) {
                result.append(scalars[index])
                index += 1
            }
            return .unquoted(String(result))
        }
    }

    /// A double-quoted string with Go's escapes (`strconv.Unquote`).
    private mutating func quoted() throws(AlertingError) -> String {
        index += 1
        var result = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\"":
                return String(result)
            case "\n":
                throw fail("newline in quoted string")
            case "\\":
                guard index < scalars.count else { break }
                let escape = scalars[index]
                index += 1
                switch escape {
                case "a": result.append("\u{07}")
                case "b": result.append("\u{08}")
                case "f": result.append("\u{0C}")
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                case "v": result.append("\u{0B}")
                case "\\", "\"": result.append(escape)
                case "x": result.append(try hexScalar(digits: 2))
                case "u": result.append(try hexScalar(digits: 4))
                case "U": result.append(try hexScalar(digits: 8))
                case "0"..."7":
                    var value = escape.value - 48
                    for _ in 0..<2 {
                        guard index < scalars.count, ("0"..."7").contains(scalars[index]) else { throw fail("invalid octal escape") }
                        value = value * 8 + scalars[index].value - 48
                        index += 1
                    }
                    guard value <= 255, let octal = Unicode.Scalar(value) else { throw fail("invalid octal escape") }
                    result.append(octal)
                default:
                    throw fail("invalid escape \\\(escape) in quoted string")
                }
            default:
                result.append(scalar)
            }
        }
        throw fail("unterminated quoted string")
    }

    private mutating func hexScalar(digits: Int) throws(AlertingError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard index < scalars.count, let digit = scalars[index].properties.numericType != nil || scalars[index].isASCII
                ? UInt32(String(scalars[index]), radix: 16) : nil
            else { throw fail("invalid hexadecimal escape") }
            value = value * 16 + digit
            index += 1
        }
        guard let scalar = Unicode.Scalar(value) else { throw fail("escape is not a valid code point") }
        return scalar
    }
}
