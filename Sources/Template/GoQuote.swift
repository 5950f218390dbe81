/// Go's `strconv.Quote`, `QuoteRune` and `Unquote`, as `%q` and template string literals use them.
enum GoQuote {
    /// Whether Go's `strconv.IsPrint` holds: letters, marks, numbers, punctuation, symbols and
    /// the ASCII space.
    static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x20 && scalar.value < 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    static func quote(_ s: String, asciiOnly: Bool = false) -> String {
        var out = "\""
        appendEscaped(s, quote: "\"", asciiOnly: asciiOnly, to: &out)
        return out + "\""
    }

    static func quoteRune(_ scalar: Unicode.Scalar) -> String {
        var out = "'"
        appendEscaped(String(Character(scalar)), quote: "'", asciiOnly: false, to: &out)
        return out + "'"
    }

    private static func appendEscaped(_ s: String, quote: Unicode.Scalar, asciiOnly: Bool, to out: inout String) {
        for scalar in s.unicodeScalars {
            if scalar == quote || scalar == "\\" {
                out += "\\" + String(Character(scalar))
                continue
            }
            if isPrint(scalar), !asciiOnly || scalar.isASCII {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F {
                    out += "\\x" + hex(v, digits: 2)
                } else if v == 0xFFFD {
                    // Swift strings hold no invalid UTF-8; U+FFFD is printable in Go.
                    out.unicodeScalars.append(scalar)
                } else if v < 0x10000 {
                    out += "\\u" + hex(v, digits: 4)
                } else {
                    out += "\\U" + hex(v, digits: 8)
                }
            }
        }
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - h.count)) + h
    }

    /// Go's `strconv.Unquote` for a double-quoted, back-quoted or single-quoted literal.
    /// Returns the text (for a char literal, the one scalar) or a message in Go's wording.
    static func unquote(_ literal: String) -> Result<String, TemplateFunctionError> {
        let scalars = Array(literal.unicodeScalars)
        guard scalars.count >= 2, let first = scalars.first, first == scalars[scalars.count - 1] else {
            return .failure(TemplateFunctionError("invalid syntax"))
        }
        let body = scalars[1..<(scalars.count - 1)]
        if first == "`" {
            guard !body.contains("`") else { return .failure(TemplateFunctionError("invalid syntax")) }
            var out = String.UnicodeScalarView()
            for scalar in body where scalar != "\r" { out.append(scalar) }
            return .success(String(out))
        }
        guard first == "\"" || first == "'" else { return .failure(TemplateFunctionError("invalid syntax")) }
        var out = String.UnicodeScalarView()
        var bytesOut: [UInt8] = []   // \x and octal escapes produce bytes
        func flushBytes() {
            if !bytesOut.isEmpty {
                out.append(contentsOf: String(decoding: bytesOut, as: UTF8.self).unicodeScalars)
                bytesOut.removeAll()
            }
        }
        var i = body.startIndex
        func hexValue(_ count: Int) -> UInt32? {
            guard i + count <= body.endIndex else { return nil }
            var v: UInt32 = 0
            for k in 0..<count {
                guard body[i + k].isASCII, let d = UInt32(String(body[i + k]), radix: 16) else { return nil }
                v = v * 16 + d
            }
            i += count
            return v
        }
        while i < body.endIndex {
            let c = body[i]
            i += 1
            if c == first || c == "\n" { return .failure(TemplateFunctionError("invalid syntax")) }
            guard c == "\\" else {
                flushBytes()
                out.append(c)
                continue
            }
            guard i < body.endIndex else { return .failure(TemplateFunctionError("invalid syntax")) }
            let e = body[i]
            i += 1
            switch e {
            case "a": flushBytes(); out.append("\u{07}")
            case "b": flushBytes(); out.append("\u{08}")
            case "f": flushBytes(); out.append("\u{0C}")
            case "n": flushBytes(); out.append("\n")
            case "r": flushBytes(); out.append("\r")
            case "t": flushBytes(); out.append("\t")
            case "v": flushBytes(); out.append("\u{0B}")
            case "\\": flushBytes(); out.append("\\")
            case "'", "\"":
                guard e == first else { return .failure(TemplateFunctionError("invalid syntax")) }
                flushBytes(); out.append(e)
            case "x":
                guard let v = hexValue(2) else { return .failure(TemplateFunctionError("invalid syntax")) }
                bytesOut.append(UInt8(v))
            case "u", "U":
                guard let v = hexValue(e == "u" ? 4 : 8), let scalar = Unicode.Scalar(v) else {
                    return .failure(TemplateFunctionError("invalid syntax"))
                }
                flushBytes(); out.append(scalar)
            case "0"..."7":
                guard i + 2 <= body.endIndex,
                    let v = UInt32(String(e) + String(body[i]) + String(body[i + 1]), radix: 8), v <= 255
                else { return .failure(TemplateFunctionError("invalid syntax")) }
                i += 2
                bytesOut.append(UInt8(v))
            default:
                return .failure(TemplateFunctionError("invalid syntax"))
            }
        }
        flushBytes()
        let text = String(out)
        if first == "'", text.unicodeScalars.count != 1 { return .failure(TemplateFunctionError("invalid syntax")) }
        return .success(text)
    }
}

/// `%q` of a Go string, for messages.
func goQuote(_ s: String) -> String { GoQuote.quote(s) }

/// The escapers behind the `html`, `js` and `urlquery` builtins and `urlQueryEscape`.
package enum GoEscape {
    /// `template.HTMLEscapeString`.
    package static func html(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "'": out += "&#39;"
            case "\"": out += "&#34;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `template.JSEscapeString`.
    static func js(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if scalar.value < 0x20 || (!scalar.isASCII && !GoQuote.isPrint(scalar)) {
                    let h = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `url.QueryEscape`: unreserved bytes stay, space becomes `+`, the rest `%XX`.
    package static func queryEscape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                let h = String(byte, radix: 16, uppercase: true)
                out += "%" + (byte < 16 ? "0" : "") + h
            }
        }
        return out
    }
}
