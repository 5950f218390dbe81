internal import Foundation

/// The MIME encodings an email notification uses, byte for byte as Go's `mime/quotedprintable`
/// writer and `mime.QEncoding` produce them (what Alertmanager sends).
enum MIMEEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Quoted-printable (RFC 2045) as Go's `quotedprintable.Writer` in text mode: lines of at
    /// most 76 characters with `=` soft breaks, line ends as CRLF, trailing blanks encoded.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var line: [UInt8] = []
        var lastWasCR = false
        let maxLine = 76
        func flushLine(soft: Bool) {
            out += line
            if soft { out.append(UInt8(ascii: "=")) }
            out += [13, 10]
            line.removeAll(keepingCapacity: true)
        }
        func encode(_ byte: UInt8) {
            if maxLine - 1 - line.count < 3 { flushLine(soft: true) }
            line += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
        }
        func encodeTrailingBlank() {
            if let last = line.last, last == 32 || last == 9 {
                line.removeLast()
                encode(last)
            }
        }
        for byte in text.utf8 {
            switch byte {
            case 10, 13:
                if lastWasCR && byte == 10 {
                    lastWasCR = false
                    continue
                }
                lastWasCR = byte == 13
                encodeTrailingBlank()
                flushLine(soft: false)
            case UInt8(ascii: "!")...UInt8(ascii: "~") where byte != UInt8(ascii: "="), 32, 9:
                if line.count == maxLine - 1 { flushLine(soft: true) }
                line.append(byte)
                lastWasCR = false
            default:
                encode(byte)
                lastWasCR = false
            }
        }
        encodeTrailingBlank()
        out += line
        return out
    }

    /// A header value as `mime.QEncoding.Encode("utf-8", value)`: unchanged when it is printable
    /// ASCII, else `=?utf-8?q?...?=` words of at most 75 characters, split between characters.
    static func headerValue(_ value: String) -> String {
        guard value.utf8.contains(where: { ($0 < 32 || $0 > 126) && $0 != 9 }) else { return value }
        let prefix = "=?utf-8?q?", suffix = "?="
        var words: [String] = []
        var current = ""
        for character in value.unicodeScalars {
            var encoded = ""
            for byte in String(character).utf8 {
                switch byte {
                case 32: encoded += "_"
                case 33...126 where byte != UInt8(ascii: "=") && byte != UInt8(ascii: "?") && byte != UInt8(ascii: "_"):
                    encoded.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    encoded += "=" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
                }
            }
            if !current.isEmpty && prefix.count + current.count + encoded.count + suffix.count > 75 {
                words.append(prefix + current + suffix)
                current = ""
            }
            current += encoded
        }
        words.append(prefix + current + suffix)
        return words.joined(separator: " ")
    }

    /// The addresses of an address list (`a@b`, `Name <a@b>`, comma-separated, quoted names
    /// allowed), as `mail.ParseAddressList` finds them.
    /// - Returns: nil when an entry has no address.
    static func addresses(_ list: String) -> [String]? {
        var entries: [String] = []
        var current = "", quoted = false, angle = false
        for character in list {
            switch character {
            case "\"": quoted.toggle()
            case "<" where !quoted: angle = true
            case ">" where !quoted: angle = false
            case "," where !quoted && !angle:
                entries.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        entries.append(current)
        var result: [String] = []
        for entry in entries {
            var address = entry.trimmingCharacters(in: .whitespaces)
            if let open = address.lastIndex(of: "<"), let close = address.lastIndex(of: ">"), open < close {
                address = String(address[address.index(after: open)..<close])
            }
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !address.contains(where: { $0 == " " || $0 == "," }) else {
                return nil
            }
            result.append(address)
        }
        return result
    }
}
