package import Model
import Exposition

/// Builds a JSON document straight into bytes, the way the Prometheus API writes its answers
/// (`jsoniter` streams): no intermediate objects per sample.
///
/// The writer tracks nothing: callers emit `,` through `comma(_:)`-style helpers in order.
/// Keys and strings are escaped as Go's `encoding/json` does (`GoJSONString`).
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

    private mutating func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        GoJSONString.append(utf8, to: &bytes)
    }
}
