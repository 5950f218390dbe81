import Model

/// A token of Go's template syntax, as `text/template/parse`'s lexer produces it.
struct TemplateToken: Sendable {
    enum Kind: Sendable, Equatable {
        case text, leftDelim, rightDelim, space, field, variable, identifier, dot, nilKeyword, bool
        case number, charConstant, string, rawString, pipe, leftParen, rightParen, declare, assign, char
        case keyword(Keyword), eof, error
    }

    enum Keyword: String, Sendable {
        case block, `break`, `continue`, define, `else`, end, `if`, range, template, with
    }

    var kind: Kind
    /// The token's text (for `.error`, the message).
    var text: String
    /// Byte offset in the template text.
    var pos: Int
    /// 1-based line where the token starts.
    var line: Int

    /// How Go's parser names the token in `unexpected …` messages.
    var described: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return text
        // Go lists `.` and `nil` among its keyword items, so they print as `<.>` and `<nil>`.
        case .keyword, .dot, .nilKeyword: return "<" + text + ">"
        default:
            if text.utf8.count > 10 {
                return GoQuote.quote(String(String.UnicodeScalarView(text.unicodeScalars.prefix(10)))) + "..."
            }
            return GoQuote.quote(text)
        }
    }
}

/// Splits a template into tokens with Go's rules: `{{`/`}}` delimiters, `{{- `/` -}}` trim
/// markers, `{{/* */}}` comments, and the action grammar of `text/template/parse/lex.go`.
/// Stops at the first error, which becomes an `.error` token.
struct TemplateLexer {
    private let input: [UInt8]
    private var pos = 0
    private var start = 0
    private var line = 1
    private var startLine = 1
    private var parenDepth = 0
    private(set) var tokens: [TemplateToken] = []

    init(_ text: String) { input = Array(text.utf8) }

    static func tokenize(_ text: String) -> [TemplateToken] {
        var lexer = TemplateLexer(text)
        lexer.run()
        return lexer.tokens
    }

    private func byte(at index: Int) -> UInt8? { index < input.count ? input[index] : nil }

    private func hasPrefix(_ prefix: String, at index: Int) -> Bool {
        var k = index
        for b in prefix.utf8 {
            guard k < input.count, input[k] == b else { return false }
            k += 1
        }
        return true
    }

    private static func isSpace(_ b: UInt8?) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n")
    }

    private static func isAlphaNumeric(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return b == UInt8(ascii: "_") || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
            || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    /// The UTF-8 length of the letter or digit at `index` (Go's `unicode.IsLetter`/`IsDigit`),
    /// or 0 if there is none.
    private func alphaNumericWidth(at index: Int) -> Int {
        guard let b = byte(at: index) else { return 0 }
        if b < 0x80 { return Self.isAlphaNumeric(b) ? 1 : 0 }
        let width = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
        guard index + width <= input.count,
            let scalar = String(validating: input[index..<(index + width)], as: UTF8.self)?.unicodeScalars.first
        else { return 0 }
        let p = scalar.properties
        let isLetter = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter].contains(p.generalCategory)
        return isLetter || p.generalCategory == .decimalNumber ? width : 0
    }

    private mutating func skipAlphaNumerics() {
        while true {
            let width = alphaNumericWidth(at: pos)
            if width == 0 { return }
            pos += width
        }
    }

    private mutating func emit(_ kind: TemplateToken.Kind) {
        let text = String(decoding: input[start..<pos], as: UTF8.self)
        tokens.append(TemplateToken(kind: kind, text: text, pos: start, line: startLine))
        ignore()
    }

    private mutating func ignore() {
        line += input[start..<pos].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        start = pos
        startLine = line
    }

    private mutating func fail(_ message: String) {
        tokens.append(TemplateToken(kind: .error, text: message, pos: start, line: startLine))
    }

    /// `{{- ` : a left trim marker is a dash followed by one space character.
    private func hasLeftTrimMarker(at index: Int) -> Bool {
        byte(at: index) == UInt8(ascii: "-") && Self.isSpace(byte(at: index + 1))
    }

    /// ` -}}` at `index`.
    private func atRightDelim(_ index: Int) -> (delim: Bool, trim: Bool) {
        if Self.isSpace(byte(at: index)), byte(at: index + 1) == UInt8(ascii: "-"), hasPrefix("}}", at: index + 2) {
            return (true, true)
        }
        return (hasPrefix("}}", at: index), false)
    }

    private mutating func run() {
        while true {
            // Text up to the next left delimiter.
            var next = pos
            while next < input.count, !hasPrefix("{{", at: next) { next += 1 }
            if next >= input.count {
                pos = input.count
                if pos > start { emit(.text) }
                tokens.append(TemplateToken(kind: .eof, text: "", pos: pos, line: line))
                return
            }
            pos = next
            let trim = hasLeftTrimMarker(at: pos + 2)
            var textEnd = pos
            if trim {
                while textEnd > start, Self.isSpace(input[textEnd - 1]) { textEnd -= 1 }
            }
            if textEnd > start {
                let saved = pos
                pos = textEnd
                emit(.text)
                pos = saved
            }
            ignore()
            guard lexLeftDelim(trim: trim) else { return }
        }
    }

    /// Returns false after an error.
    private mutating func lexLeftDelim(trim: Bool) -> Bool {
        pos += 2
        let afterMarker = trim ? 2 : 0
        if hasPrefix("/*", at: pos + afterMarker) {
            pos += afterMarker
            ignore()
            return lexComment()
        }
        pos += afterMarker
        emit(.leftDelim)
        parenDepth = 0
        return lexInsideAction()
    }

    private mutating func lexComment() -> Bool {
        pos += 2
        var end = pos
        while end < input.count, !hasPrefix("*/", at: end) { end += 1 }
        guard end < input.count else {
            fail("unclosed comment")
            return false
        }
        pos = end + 2
        let (delim, trim) = atRightDelim(pos)
        guard delim else {
            fail("comment ends before closing delimiter")
            return false
        }
        if trim { pos += 2 }
        pos += 2
        if trim { while Self.isSpace(byte(at: pos)) { pos += 1 } }
        ignore()
        return true
    }

    private mutating func lexInsideAction() -> Bool {
        while true {
            let (delim, trim) = atRightDelim(pos)
            if delim {
                guard parenDepth == 0 else {
                    fail("unclosed left paren")
                    return false
                }
                if trim {
                    pos += 2
                    ignore()
                }
                pos += 2
                emit(.rightDelim)
                if trim {
                    while Self.isSpace(byte(at: pos)) { pos += 1 }
                    ignore()
                }
                return true
            }
            guard let b = byte(at: pos) else {
                fail("unclosed action")
                return false
            }
            switch b {
            case _ where Self.isSpace(b):
                var spaces = 0
                while Self.isSpace(byte(at: pos)) { pos += 1; spaces += 1 }
                // A space that belongs to ` -}}` is not a separate token.
                if atRightDelim(pos - 1).trim {
                    pos -= 1
                    if spaces == 1 { continue }
                }
                emit(.space)
            case UInt8(ascii: "="):
                pos += 1; emit(.assign)
            case UInt8(ascii: ":"):
                pos += 1
                guard byte(at: pos) == UInt8(ascii: "=") else {
                    fail("expected :=")
                    return false
                }
                pos += 1; emit(.declare)
            case UInt8(ascii: "|"):
                pos += 1; emit(.pipe)
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                guard lexQuote(b) else { return false }
            case UInt8(ascii: "`"):
                pos += 1
                while let c = byte(at: pos), c != UInt8(ascii: "`") { pos += 1 }
                guard pos < input.count else {
                    fail("unterminated raw quoted string")
                    return false
                }
                pos += 1; emit(.rawString)
            case UInt8(ascii: "$"):
                pos += 1
                guard lexWord(.variable) else { return false }
            case UInt8(ascii: "."):
                if let c = byte(at: pos + 1), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                    guard lexNumber() else { return false }
                } else {
                    pos += 1
                    guard lexWord(.field) else { return false }
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard lexNumber() else { return false }
            case UInt8(ascii: "("):
                pos += 1; emit(.leftParen); parenDepth += 1
            case UInt8(ascii: ")"):
                // Go emits the parenthesis before reporting the imbalance, so the parser
                // usually complains about the `)` first.
                pos += 1
                emit(.rightParen)
                parenDepth -= 1
                guard parenDepth >= 0 else {
                    fail("unexpected right paren U+0029 ')'")
                    return false
                }
            case _ where alphaNumericWidth(at: pos) > 0:
                guard lexIdentifier() else { return false }
            case 0x21...0x7E:
                pos += 1; emit(.char)
            default:
                fail("unrecognized character in action: " + Self.describe(scalarAt: pos, in: input))
                return false
            }
        }
    }

    private func atTerminator() -> Bool {
        let b = byte(at: pos)
        if b == nil || Self.isSpace(b) { return true }
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: ":"), UInt8(ascii: ")"), UInt8(ascii: "("):
            return true
        default:
            return hasPrefix("}}", at: pos)
        }
    }

    private mutating func badCharacter() {
        fail("bad character " + Self.describe(scalarAt: pos, in: input))
    }

    /// Go's `%#U`: `U+0041 'A'` (the quoted form only for printable characters).
    private static func describe(scalarAt index: Int, in input: [UInt8]) -> String {
        let scalar = String(decoding: input[index...].prefix(4), as: UTF8.self).unicodeScalars.first ?? "\u{FFFD}"
        return GoQuote.unicodeDescription(scalar)
    }

    /// A field (`.Name`, or `.` alone) or variable (`$name`, or `$` alone); `pos` is past the sigil.
    private mutating func lexWord(_ kind: TemplateToken.Kind) -> Bool {
        if atTerminator() {
            emit(kind == .variable ? .variable : .dot)
            return true
        }
        skipAlphaNumerics()
        guard atTerminator() else {
            badCharacter()
            return false
        }
        emit(kind)
        return true
    }

    private mutating func lexIdentifier() -> Bool {
        skipAlphaNumerics()
        guard atTerminator() else {
            badCharacter()
            return false
        }
        let word = String(decoding: input[start..<pos], as: UTF8.self)
        if let keyword = TemplateToken.Keyword(rawValue: word) {
            emit(.keyword(keyword))
        } else if word == "nil" {
            emit(.nilKeyword)
        } else if word == "true" || word == "false" {
            emit(.bool)
        } else {
            emit(.identifier)
        }
        return true
    }

    private mutating func lexQuote(_ quote: UInt8) -> Bool {
        pos += 1
        while true {
            guard let c = byte(at: pos), c != UInt8(ascii: "\n") else {
                fail(quote == UInt8(ascii: "'") ? "unterminated character constant" : "unterminated quoted string")
                return false
            }
            pos += 1
            if c == UInt8(ascii: "\\") {
                guard let e = byte(at: pos), e != UInt8(ascii: "\n") else {
                    fail(quote == UInt8(ascii: "'") ? "unterminated character constant" : "unterminated quoted string")
                    return false
                }
                pos += 1
            } else if c == quote {
                break
            }
        }
        emit(quote == UInt8(ascii: "'") ? .charConstant : .string)
        return true
    }

    private mutating func accept(_ set: String) -> Bool {
        guard let b = byte(at: pos), set.utf8.contains(b) else { return false }
        pos += 1
        return true
    }

    private mutating func acceptRun(_ set: String) {
        while let b = byte(at: pos), set.utf8.contains(b) { pos += 1 }
    }

    private mutating func lexNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") { digits = "0123456789abcdefABCDEF_" }
            else if accept("oO") { digits = "01234567_" }
            else if accept("bB") { digits = "01_" }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11, accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23, accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if alphaNumericWidth(at: pos) > 0 {
            pos += alphaNumericWidth(at: pos)
            fail("bad number syntax: " + GoQuote.quote(String(decoding: input[start..<pos], as: UTF8.self)))
            return false
        }
        // A sign right after a number starts the imaginary part of a complex constant
        // (`1+2i`); anything else there is a bad number, as in Go's lexNumber.
        if let sign = byte(at: pos), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            let before = pos
            _ = scanNumberTail()
            if pos == before + 1 || input[pos - 1] != UInt8(ascii: "i") {
                fail("bad number syntax: " + GoQuote.quote(String(decoding: input[start..<pos], as: UTF8.self)))
                return false
            }
        }
        emit(.number)
        return true
    }

    /// Go's `scanNumber` for the imaginary part: sign, digits, fraction, exponent, `i`.
    private mutating func scanNumberTail() -> Bool {
        _ = accept("+-")
        acceptRun("0123456789_")
        if accept(".") { acceptRun("0123456789_") }
        if accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if alphaNumericWidth(at: pos) > 0 {
            pos += alphaNumericWidth(at: pos)
            return false
        }
        return true
    }
}
