package import Model
import Exposition

/// Builds a JSON document straight into bytes, the way the Prometheus API writes its answers
/// (`jsoniter` streams): no intermediate objects per sample.
///
/// The writer tracks nothing: callers emit `,` through `comma(_:)`-style helpers in order.
/// Keys and strings are escaped as Go's `encoding/json` does (`<`, `>`, `&` as `\u003c`…,
/// U+2028/2029 escaped, invalid UTF-8 replaced by U+FFFD).
package struct JSONWriter: Sendable {
    /// The document so far.
    package private(set) var bytes: [UInt8] = []

    /// An empty document with room for `capacity` bytes.
    package init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends raw, already valid JSON (punctuation, literals).
    package mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes that are already valid JSON (a number formatted elsewhere).
    package mutating func raw(bytes text: some Sequence<UInt8>) {
        bytes.append(contentsOf: text)
    }

    /// Appends one byte of punctuation.
    package mutating func byte(_ ascii: Unicode.Scalar) {
        bytes.append(UInt8(ascii: ascii))
    }

    /// Appends `"key":`.
    package mutating func key(_ key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends a quoted, escaped string.
    package mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { appendQuoted($0) }
    }

    /// Appends a quoted, escaped string of UTF-8 bytes.
    package mutating func string(bytes value: some Collection<UInt8>) {
        let copy = Array(value)
        copy.withUnsafeBufferPointer { appendQuoted($0) }
    }

    /// Appends an integer.
    package mutating func int(_ value: some BinaryInteger) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends `true` or `false`.
    package mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// Appends a JSON number for a float the way Go's `encoding/json` does for `float64`
    /// fields (used for durations in seconds); NaN and infinities, which JSON cannot hold,
    /// become `0`.
    package mutating func number(_ value: Double) {
        guard value.isFinite else { bytes.append(UInt8(ascii: "0")); return }
        FloatFormatting.appendJSONValue(value, to: &bytes)
    }

    /// Appends a sample value as a quoted string (`"1.5"`, `"NaN"`, `"+Inf"`), as the API does.
    package mutating func sampleValue(_ value: Double) {
        bytes.append(UInt8(ascii: "\""))
        FloatFormatting.appendJSONValue(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a millisecond timestamp as seconds with up to three decimals, unquoted
    /// (`1435781451.781`), as Prometheus's `jsonutil.MarshalTimestamp`.
    package mutating func timestamp(_ milliseconds: Int64) {
        var t = milliseconds
        if t < 0 {
            bytes.append(UInt8(ascii: "-"))
            t = -t  // Int64.min is not a timestamp the API can produce.
        }
        decimal(UInt64(t / 1000))
        let fraction = t % 1000
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        if fraction < 100 { bytes.append(UInt8(ascii: "0")) }
        if fraction < 10 { bytes.append(UInt8(ascii: "0")) }
        decimal(UInt64(fraction))
    }

    /// Appends the decimal digits of `value` without building a `String`.
    private mutating func decimal(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for UInt64.max's 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var v = value
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v != 0
            bytes.append(contentsOf: buffer[start...])
        }
    }

    /// Appends a label set as an object in label order.
    package mutating func labels(_ labels: some Sequence<Label>) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for label in labels {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            key(label.name)
            string(label.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Appends an array of strings.
    package mutating func strings(_ values: some Sequence<String>) {
        array(values) { $0.string($1) }
    }

    /// Appends an array whose elements `element` writes, commas between them.
    package mutating func array<S: Sequence>(_ items: S, _ element: (inout JSONWriter, S.Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            element(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>) {
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
                unicodeEscape(UInt16(b))
            case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                unicodeEscape(utf8[i + 2] == 0xA8 ? 0x2028 : 0x2029)
                i += 3
                continue
            default:
                if b < 0x80 {
                    bytes.append(b)
                } else {
                    let length = Self.validSequenceLength(utf8, at: i)
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

    private mutating func unicodeEscape(_ unit: UInt16) {
        bytes.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(Self.hex[Int((unit >> UInt16(shift)) & 0xF)])
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
