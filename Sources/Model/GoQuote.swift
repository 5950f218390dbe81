/// Go's string quoting as Prometheus's output and messages show it: `strconv.Quote`,
/// `QuoteToASCII`, `QuoteRune`, `%#U`, and the unquoting of string literals shared by PromQL
/// (Prometheus's `strutil.Unquote`) and Go templates (`strconv.Unquote`).
package enum GoQuote {
    /// `strconv.Quote` (or `QuoteToASCII` with `asciiOnly`): double-quoted, printable
    /// characters kept, the others escaped.
    package static func quote(_ string: String, asciiOnly: Bool = false) -> String {
        if string.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"" + string + "\""
        }
        var out = "\""
        appendQuoted(string.unicodeScalars, quote: "\"", asciiOnly: asciiOnly, to: &out)
        return out + "\""
    }

    /// `strconv.QuoteRune`: `'x'`.
    package static func quoteRune(_ scalar: Unicode.Scalar) -> String {
        var out = "'"
        appendQuoted(CollectionOfOne(scalar), quote: "'", asciiOnly: false, to: &out)
        return out + "'"
    }

    /// Go's `%#U`: `U+0063 'c'` (the quoted form only for printable runes).
    package static func unicodeDescription(_ scalar: Unicode.Scalar) -> String {
        let code = "U+" + hex(scalar.value, width: 4, uppercase: true)
        return isPrint(scalar) ? code + " '" + String(Character(scalar)) + "'" : code
    }

    /// Go's `strconv.IsPrint`, approximated by Unicode general category: letters, marks,
    /// numbers, punctuation, symbols and the ASCII space.
    package static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x20 && scalar.value < 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator,
             .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    private static func appendQuoted(_ scalars: some Sequence<Unicode.Scalar>, quote: Unicode.Scalar,
                                     asciiOnly: Bool, to out: inout String) {
        for scalar in scalars {
            switch scalar {
            case quote, "\\": out += "\\"; out.unicodeScalars.append(scalar)
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if isPrint(scalar), !asciiOnly || scalar.isASCII {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
    }

    /// `value` in hexadecimal, zero-padded to `width` digits (Go's `%0*x`/`%0*X`).
    package static func hex(_ value: UInt32, width: Int, uppercase: Bool = false) -> String {
        let digits = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The text of a quoted literal (quotes included): back-quoted raw text (carriage returns
    /// dropped), or a double- or single-quoted string with Go's escapes, where the literal's
    /// own quote is the only quote that may be escaped. Single quotes are treated like double
    /// ones, as Prometheus's `strutil.Unquote` does; `strconv.Unquote` also requires a
    /// single-quoted literal to hold one character, which is the caller's check.
    /// Returns `nil` for a malformed literal.
    package static func unquote(_ literal: some Collection<UInt8>) -> String? {
        let bytes = Array(literal)
        guard bytes.count >= 2, let quote = bytes.first, bytes.last == quote else { return nil }
        let body = bytes[1..<(bytes.count - 1)]
        if quote == UInt8(ascii: "`") {
            guard !body.contains(quote) else { return nil }
            return String(decoding: body.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        }
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        if !body.contains(UInt8(ascii: "\\")) && !body.contains(quote) && !body.contains(UInt8(ascii: "\n")) {
            return String(validating: body, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            if byte == quote || byte == UInt8(ascii: "\n") { return nil }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < body.endIndex else { return nil }
            let escape = body[index]
            index += 1
            switch escape {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "\\"), quote: out.append(escape)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard index + 1 < body.endIndex else { return nil }
                var value = UInt32(escape - UInt8(ascii: "0"))
                for digit in body[index...(index + 1)] {
                    guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
                    value = value * 8 + UInt32(digit - UInt8(ascii: "0"))
                }
                guard value <= 255 else { return nil }
                out.append(UInt8(value))
                index += 2
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = escape == UInt8(ascii: "x") ? 2 : (escape == UInt8(ascii: "u") ? 4 : 8)
                guard index + count <= body.endIndex else { return nil }
                var value: UInt32 = 0
                for digit in body[index..<(index + count)] {
                    guard let digitValue = hexDigitValue(digit) else { return nil }
                    value = value &* 16 &+ digitValue   // at most 8 hex digits: fits in UInt32
                }
                index += count
                if escape == UInt8(ascii: "x") {
                    out.append(UInt8(value))
                } else {
                    guard let scalar = Unicode.Scalar(value) else { return nil }
                    out.append(contentsOf: String(scalar).utf8)
                }
            default:
                return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexDigitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
