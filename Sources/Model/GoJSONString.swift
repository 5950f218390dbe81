/// Strings as Go's `encoding/json` writes them: `"`, `\\`, `\n`, `\r`, `\t` escaped with a
/// backslash, other control characters and the HTML characters `<`, `>`, `&` as `\u00XX`,
/// U+2028 and U+2029 as `\u2028`/`\u2029`, and invalid UTF-8 replaced by U+FFFD. Shared by the
/// Prometheus API's writer and the Alertmanager's notification payloads.
package enum GoJSONString {
    /// `text` as a quoted JSON string.
    package static func quoted(_ text: String) -> String {
        var text = text
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        text.withUTF8 { append($0, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `utf8` to `bytes` as a quoted JSON string.
    package static func append(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var i = 0
        while i < utf8.count {
            let b = utf8[i]
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), 0x00..<0x20:
                unicodeEscape(UInt16(b), to: &bytes)
            case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                unicodeEscape(utf8[i + 2] == 0xA8 ? 0x2028 : 0x2029, to: &bytes)
                i += 3
                continue
            default:
                if b < 0x80 {
                    bytes.append(b)
                } else {
                    let length = validSequenceLength(utf8, at: i)
                    if length == 0 {
                        bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])  // U+FFFD, as Go does
                        i += 1
                        continue
                    }
                    bytes.append(contentsOf: utf8[i..<(i + length)])
                    i += length
                    continue
                }
            }
            i += 1
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func unicodeEscape(_ unit: UInt16, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(hex[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }

    /// The length of the well-formed UTF-8 sequence starting at `i`, or 0 if it is not one.
    private static func validSequenceLength(_ utf8: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let b = utf8[i]
        let length: Int
        switch b {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard i + length <= utf8.count else { return 0 }
        for k in 1..<length where utf8[i + k] & 0xC0 != 0x80 { return 0 }
        let second = utf8[i + 1]
        switch b {
        case 0xE0 where second < 0xA0, 0xED where second > 0x9F, 0xF0 where second < 0x90, 0xF4 where second > 0x8F:
            return 0
        default:
            return length
        }
    }
}
