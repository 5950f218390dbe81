import Model

/// The PromQL lexer: a hand-written port of the state machine in upstream's
/// `promql/parser/lex.go` (expression mode only; series descriptions are not lexed here).
///
/// It works over the query's UTF-8 bytes and reports byte offsets. Errors come back as an
/// `.error` token whose text is upstream's message; after an error the lexer only returns `.eof`.
package struct Lexer {
    private let input: [UInt8]
    private var pos = 0
    private var start = 0
    private var width = 0
    private var parenDepth = 0
    private var braceOpen = false
    private var bracketOpen = false
    private var gotColon = false
    private var gotDuration = false
    private var inDurationExpr = false
    private var finished = false

    /// Creates a lexer over `query`.
    package init(_ query: String) {
        input = Array(query.utf8)
    }

    /// Creates a lexer over UTF-8 bytes.
    package init(bytes: [UInt8]) {
        input = bytes
    }

    /// Returns every token up to and including the final `.eof` or `.error`.
    package static func tokens(_ query: String) -> [Token] {
        var lexer = Lexer(query)
        var out: [Token] = []
        while true {
            let token = lexer.next()
            out.append(token)
            if token.kind == .eof || token.kind == .error { return out }
        }
    }

    /// The next token. Comments are returned as `.comment` tokens.
    package mutating func next() -> Token {
        if finished { return Token(kind: .eof, position: input.count, text: "") }
        while true {
            let token: Token?
            if inDurationExpr {
                token = lexDurationExpr()
            } else if braceOpen {
                token = lexInsideBraces()
            } else {
                token = lexStatement()
            }
            if let token {
                if token.kind == .error || token.kind == .eof { finished = true }
                return token
            }
        }
    }

    // MARK: - Character access

    private static let eof: UInt32 = 0xFFFF_FFFF

    /// Reads one rune; invalid UTF-8 reads as U+FFFD with width 1, as Go's decoder does.
    private mutating func nextRune() -> UInt32 {
        guard pos < input.count else {
            width = 0
            return Lexer.eof
        }
        let byte = input[pos]
        if byte < 0x80 {
            width = 1
            pos += 1
            return UInt32(byte)
        }
        let (scalar, length) = decode(at: pos)
        width = length
        pos += length
        return scalar
    }

    private func decode(at index: Int) -> (UInt32, Int) {
        let byte = input[index]
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        guard length > 1, index + length <= input.count else { return (0xFFFD, 1) }
        var decoder = UTF8()
        var iterator = input[index..<(index + length)].makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return (scalar.value, length) }
        return (0xFFFD, 1)
    }

    private mutating func backup() { pos -= width }

    private mutating func peek() -> UInt32 {
        let rune = nextRune()
        backup()
        return rune
    }

    private mutating func accept(_ valid: ByteSet) -> Bool {
        let rune = nextRune()
        if valid.contains(rune) { return true }
        backup()
        return false
    }

    private mutating func isNext(_ valid: ByteSet) -> Bool {
        valid.contains(peek())
    }

    private mutating func emit(_ kind: TokenKind) -> Token {
        let token = Token(kind: kind, position: start, text: String(decoding: input[start..<pos], as: UTF8.self))
        start = pos
        return token
    }

    private func error(_ message: String) -> Token {
        Token(kind: .error, position: start, text: message)
    }

    private func quoted(_ rune: UInt32) -> String {
        GoQuote.quoteRune(Unicode.Scalar(rune) ?? "\u{FFFD}")
    }

    private func describe(_ rune: UInt32) -> String {
        GoQuote.unicodeDescription(Unicode.Scalar(rune) ?? "\u{FFFD}")
    }

    private static func isSpace(_ rune: UInt32) -> Bool { rune == 0x20 || rune == 0x09 || rune == 0x0A || rune == 0x0D }
    private static func isDigit(_ rune: UInt32) -> Bool { rune >= 0x30 && rune <= 0x39 }
    private static func isAlpha(_ rune: UInt32) -> Bool {
        rune == 0x5F || (rune >= 0x61 && rune <= 0x7A) || (rune >= 0x41 && rune <= 0x5A)
    }
    private static func isAlphaNumeric(_ rune: UInt32) -> Bool { isAlpha(rune) || isDigit(rune) }
    private static func char(_ c: Unicode.Scalar) -> UInt32 { c.value }

    private mutating func skipSpaces() {
        while Lexer.isSpace(peek()) { _ = nextRune() }
        start = pos
    }

    private mutating func lexComment() -> Token {
        pos += 1
        while pos < input.count, input[pos] != 0x0A, input[pos] != 0x0D { pos += 1 }
        return emit(.comment)
    }

    // MARK: - States

    private mutating func lexStatement() -> Token? {
        if pos < input.count, input[pos] == UInt8(ascii: "#") { return lexComment() }
        let rune = nextRune()
        switch rune {
        case Lexer.eof:
            if parenDepth != 0 { return error("unclosed left parenthesis") }
            if bracketOpen { return error("unclosed left bracket") }
            return emit(.eof)
        case Lexer.char(","): return emit(.comma)
        case _ where Lexer.isSpace(rune):
            skipSpaces()
            return nil
        case Lexer.char("*"): return emit(.mul)
        case Lexer.char("/"): return emit(.div)
        case Lexer.char("%"): return emit(.mod)
        case Lexer.char("+"): return emit(.add)
        case Lexer.char("-"): return emit(.sub)
        case Lexer.char("^"): return emit(.pow)
        case Lexer.char("="):
            let following = peek()
            if following == Lexer.char("=") {
                _ = nextRune()
                return emit(.eqlc)
            }
            if following == Lexer.char("~") { return error("unexpected character after '=': '~'") }
            return emit(.assign)
        case Lexer.char("!"):
            let following = nextRune()
            guard following == Lexer.char("=") else {
                return error("unexpected character after '!': \(quoted(following))")
            }
            return emit(.neq)
        case Lexer.char("<"), Lexer.char(">"):
            let less = rune == Lexer.char("<")
            if accept(.equals) { return emit(less ? .lte : .gte) }
            if accept(.slash) { return emit(less ? .trimUpper : .trimLower) }
            return emit(less ? .lss : .gtr)
        case _ where Lexer.isDigit(rune) || (rune == Lexer.char(".") && Lexer.isDigit(peek())):
            backup()
            return lexNumberOrDuration()
        case Lexer.char("\""), Lexer.char("'"):
            return lexString(quote: rune)
        case Lexer.char("`"):
            return lexRawString()
        case _ where Lexer.isAlpha(rune) || rune == Lexer.char(":"):
            if !bracketOpen {
                backup()
                return lexKeywordOrIdentifier()
            }
            if rune == Lexer.char(":") {
                if gotColon { return error("unexpected colon ':'") }
                gotColon = true
                return emit(.colon)
            }
            if isDurationKeywordStart(rune), let token = scanDurationKeyword() { return token }
            return error("unexpected character: \(quoted(rune)), expected ':'")
        case Lexer.char("("):
            parenDepth += 1
            return emit(.leftParen)
        case Lexer.char(")"):
            let token = emit(.rightParen)
            parenDepth -= 1
            if parenDepth < 0 { return error("unexpected right parenthesis ')'") }
            return token
        case Lexer.char("{"):
            braceOpen = true
            return emit(.leftBrace)
        case Lexer.char("["):
            if bracketOpen { return error("unexpected left bracket '['") }
            gotColon = false
            let token = emit(.leftBracket)
            skipSpaces()
            bracketOpen = true
            inDurationExpr = true
            return token
        case Lexer.char("]"):
            if !bracketOpen { return error("unexpected right bracket ']'") }
            bracketOpen = false
            return emit(.rightBracket)
        case Lexer.char("@"):
            return emit(.at)
        default:
            return error("unexpected character: \(quoted(rune))")
        }
    }

    private mutating func lexInsideBraces() -> Token? {
        if pos < input.count, input[pos] == UInt8(ascii: "#") { return lexComment() }
        let rune = nextRune()
        switch rune {
        case Lexer.eof: return error("unexpected end of input inside braces")
        case _ where Lexer.isSpace(rune):
            skipSpaces()
            return nil
        case _ where Lexer.isAlpha(rune):
            while Lexer.isAlphaNumeric(nextRune()) {}
            backup()
            return emit(.identifier)
        case Lexer.char(","): return emit(.comma)
        case Lexer.char("\""), Lexer.char("'"): return lexString(quote: rune)
        case Lexer.char("`"): return lexRawString()
        case Lexer.char("="):
            if accept(.tilde) { return emit(.eqlRegex) }
            return emit(.assign)
        case Lexer.char("!"):
            let following = nextRune()
            if following == Lexer.char("~") { return emit(.neqRegex) }
            if following == Lexer.char("=") { return emit(.neq) }
            return error("unexpected character after '!' inside braces: \(quoted(following))")
        case Lexer.char("{"): return error("unexpected left brace '{'")
        case Lexer.char("}"):
            braceOpen = false
            return emit(.rightBrace)
        default:
            return error("unexpected character inside braces: \(quoted(rune))")
        }
    }

    private mutating func lexDurationExpr() -> Token? {
        let rune = nextRune()
        switch rune {
        case Lexer.eof: return error("unexpected end of input in duration expression")
        case Lexer.char("]"):
            bracketOpen = false
            gotColon = false
            inDurationExpr = false
            return emit(.rightBracket)
        case Lexer.char(":"):
            let token = emit(.colon)
            if !gotDuration { return error("unexpected colon before duration in duration expression") }
            if gotColon { return error("unexpected repeated colon in duration expression") }
            gotColon = true
            return token
        case Lexer.char("("):
            parenDepth += 1
            return emit(.leftParen)
        case Lexer.char(")"):
            let token = emit(.rightParen)
            parenDepth -= 1
            if parenDepth < 0 { return error("unexpected right parenthesis ')'") }
            return token
        case _ where Lexer.isSpace(rune):
            skipSpaces()
            return nil
        case Lexer.char("+"): return emit(.add)
        case Lexer.char("-"): return emit(.sub)
        case Lexer.char("*"): return emit(.mul)
        case Lexer.char("/"): return emit(.div)
        case Lexer.char("%"): return emit(.mod)
        case Lexer.char("^"): return emit(.pow)
        case Lexer.char(","): return emit(.comma)
        case _ where isDurationKeywordStart(rune):
            if let token = scanDurationKeyword() { return token }
            return error("unexpected character in duration expression: \(quoted(rune))")
        case _ where Lexer.isDigit(rune) || (rune == Lexer.char(".") && Lexer.isDigit(peek())):
            backup()
            gotDuration = true
            inDurationExpr = false
            return lexNumberOrDuration()
        default:
            return error("unexpected character in duration expression: \(quoted(rune))")
        }
    }

    // MARK: - Words

    private func isDurationKeywordStart(_ rune: UInt32) -> Bool {
        let lower = rune | 0x20
        return Lexer.isAlpha(rune) && (lower == Lexer.char("s") || lower == Lexer.char("r") || lower == Lexer.char("m"))
    }

    private mutating func scanDurationKeyword() -> Token? {
        while Lexer.isAlpha(nextRune()) {}
        backup()
        switch String(decoding: input[start..<pos], as: UTF8.self).lowercased() {
        case "step": return emit(.step)
        case "range": return emit(.range)
        case "max_of": return emit(.maxOf)
        case "min_of": return emit(.minOf)
        default: return nil
        }
    }

    private mutating func lexKeywordOrIdentifier() -> Token {
        while true {
            let rune = nextRune()
            if Lexer.isAlphaNumeric(rune) || rune == Lexer.char(":") { continue }
            backup()
            break
        }
        let word = String(decoding: input[start..<pos], as: UTF8.self)
        let hasUpper = input[start..<pos].contains { $0 >= 0x41 && $0 <= 0x5A }
        let lower = hasUpper ? word.lowercased() : word
        if lower == "inf" || lower == "nan" { return emit(.number) }
        if let keyword = TokenKind.keywords[lower] {
            if keyword == .fill || keyword == .fillLeft || keyword == .fillRight, !followedByLeftParen() {
                return emit(.identifier)
            }
            return emit(keyword)
        }
        return emit(word.utf8.contains(UInt8(ascii: ":")) ? .metricIdentifier : .identifier)
    }

    private func followedByLeftParen() -> Bool {
        var index = pos
        while index < input.count {
            let byte = input[index]
            if !Lexer.isSpace(UInt32(byte)) { return byte == UInt8(ascii: "(") }
            index += 1
        }
        return false
    }

    // MARK: - Strings

    private mutating func lexString(quote: UInt32) -> Token {
        while true {
            let rune = nextRune()
            switch rune {
            case Lexer.char("\\"):
                if let message = lexEscape(quote: quote) { return error(message) }
            case 0xFFFD: return error("invalid UTF-8 rune")
            case Lexer.eof, Lexer.char("\n"): return error("unterminated quoted string")
            case quote: return emit(.string)
            default: continue
            }
        }
    }

    private mutating func lexEscape(quote: UInt32) -> String? {
        var rune = nextRune()
        var count: Int
        var base: UInt32
        var maxValue: UInt32
        switch rune {
        case Lexer.char("a"), Lexer.char("b"), Lexer.char("f"), Lexer.char("n"), Lexer.char("r"),
             Lexer.char("t"), Lexer.char("v"), Lexer.char("\\"), quote:
            return nil
        case Lexer.char("0")...Lexer.char("7"):
            (count, base, maxValue) = (3, 8, 255)
        case Lexer.char("x"):
            rune = nextRune()
            (count, base, maxValue) = (2, 16, 255)
        case Lexer.char("u"):
            rune = nextRune()
            (count, base, maxValue) = (4, 16, 0x10FFFF)
        case Lexer.char("U"):
            rune = nextRune()
            (count, base, maxValue) = (8, 16, 0x10FFFF)
        case Lexer.eof:
            return "escape sequence not terminated"
        default:
            return "unknown escape sequence \(describe(rune))"
        }
        var value: UInt32 = 0
        while count > 0 {
            let digit: UInt32 = switch rune {
            case Lexer.char("0")...Lexer.char("9"): rune - Lexer.char("0")
            case Lexer.char("a")...Lexer.char("f"): rune - Lexer.char("a") + 10
            case Lexer.char("A")...Lexer.char("F"): rune - Lexer.char("A") + 10
            default: 16
            }
            if digit >= base {
                if rune == Lexer.eof { return "escape sequence not terminated" }
                return "illegal character \(describe(rune)) in escape sequence"
            }
            value = value &* base &+ digit   // at most 8 hex digits: fits in UInt32
            count -= 1
            if count > 0 { rune = nextRune() }
        }
        if value > maxValue || (value >= 0xD800 && value < 0xE000) {
            return "escape sequence is an invalid Unicode code point"
        }
        return nil
    }

    private mutating func lexRawString() -> Token {
        while true {
            switch nextRune() {
            case 0xFFFD: return error("invalid UTF-8 rune")
            case Lexer.eof: return error("unterminated raw string")
            case Lexer.char("`"): return emit(.string)
            default: continue
            }
        }
    }

    // MARK: - Numbers and durations

    private mutating func lexNumberOrDuration() -> Token {
        if scanNumber() { return emit(.number) }
        if acceptRemainingDuration() {
            backup()
            return emit(.duration)
        }
        return error("bad number or duration syntax: \(GoQuote.quote(String(decoding: input[start..<pos], as: UTF8.self)))")
    }

    private mutating func acceptRemainingDuration() -> Bool {
        guard accept(.durationUnits) else { return false }
        _ = accept(.letterS)
        while accept(.decimalDigits) {
            while accept(.decimalDigits) {}
            guard accept(.durationUnitsAfterFirst) else { return false }
            _ = accept(.letterS)
        }
        return !Lexer.isAlphaNumeric(nextRune())
    }

    /// Upstream's `scanNumber` for expressions: decimal or hex digits, one dot, one exponent,
    /// `_` separators between digits; the number must not run into a letter or digit.
    private mutating func scanNumber() -> Bool {
        let initial = pos
        var digits = ByteSet.decimalDigits
        var hex = false
        if accept(.zero), accept(.hexMarker) {
            _ = accept(.underscore)
            digits = .hexDigits
            hex = true
        }
        let digitsOrPunctuation = digits.union(.afterExponentOrSeparator)
        _ = accept(.dot)
        _ = accept(digits)
        var dotConsumed = false
        var exponentConsumed = false
        while isNext(digitsOrPunctuation) {
            if isNext(.dot), dotConsumed {
                _ = accept(.dot)
                return false
            }
            if isNext(.exponent), exponentConsumed {
                _ = accept(.exponent)
                return false
            }
            if accept(.dot) {
                dotConsumed = true
                if accept(.underscoreOrDot) { return false }
                if hex { return false }
                continue
            }
            if accept(.exponent) {
                exponentConsumed = true
                _ = accept(.sign)
                if accept(.afterExponentOrSeparator) || peek() == Lexer.eof { return false }
                continue
            }
            if accept(.underscore) {
                if accept(.afterExponentOrSeparator) || peek() == Lexer.eof { return false }
                continue
            }
            while accept(digits) {}
        }
        if pos == initial { return false }
        return !Lexer.isAlphaNumeric(peek())
    }
}
