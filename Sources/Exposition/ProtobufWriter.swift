/// Appends protobuf wire format to a caller-owned byte array.
///
/// Writes fields in the order it is told (the encoders write them in field-number order, as
/// swift-protobuf and gogo/protobuf do) and omits nothing on its own: proto3's "skip default
/// values" rule is the encoder's call.
package struct ProtobufWriter {
    /// The bytes written so far.
    package var bytes: [UInt8]

    /// Creates a writer that appends to `bytes`.
    package init(_ bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    package mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func tag(_ field: UInt32, _ wireType: WireType) {
        varint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// A varint field (`int64`, `uint32`, `bool`, enums...), omitted when zero.
    mutating func varintField(_ field: UInt32, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, .varint)
        varint(value)
    }

    /// An `int64` field, omitted when zero.
    mutating func int64Field(_ field: UInt32, _ value: Int64) {
        varintField(field, UInt64(bitPattern: value))
    }

    /// A `sint32`/`sint64` (zigzag) field, omitted when zero.
    mutating func sintField(_ field: UInt32, _ value: Int64) {
        varintField(field, UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    package mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `double` field, omitted when its bit pattern is zero (+0.0), as proto3 does; `-0.0`
    /// and NaNs (the stale marker among them) are written bit for bit.
    mutating func doubleField(_ field: UInt32, _ value: Double) {
        guard value.bitPattern != 0 else { return }
        tag(field, .fixed64)
        fixed64(value.bitPattern)
    }

    /// A `double` field written even when zero (proto2 fields with explicit presence).
    mutating func presentDoubleField(_ field: UInt32, _ value: Double) {
        tag(field, .fixed64)
        fixed64(value.bitPattern)
    }

    /// A `string` field, omitted when empty.
    mutating func stringField(_ field: UInt32, _ value: String) {
        guard !value.isEmpty else { return }
        var value = value
        value.withUTF8 { utf8 in
            tag(field, .lengthDelimited)
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `bytes` field, omitted when empty.
    mutating func bytesField(_ field: UInt32, _ value: some Collection<UInt8>) {
        guard !value.isEmpty else { return }
        tag(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A packed repeated varint field of `count` values, omitted when empty.
    mutating func packedVarints(_ field: UInt32, count: Int, _ value: (Int) -> UInt64) {
        guard count > 0 else { return }
        message(field) { writer in
            for i in 0..<count { writer.varint(value(i)) }
        }
    }

    /// A packed repeated `double` field, omitted when empty.
    mutating func packedDoubles(_ field: UInt32, _ values: ArraySlice<Double>) {
        guard !values.isEmpty else { return }
        tag(field, .lengthDelimited)
        varint(UInt64(values.count * 8))
        for value in values { fixed64(value.bitPattern) }
    }

    /// An embedded message (always written, even when empty). `body` appends its fields; the
    /// length prefix is fixed up afterwards, moving the body only when it is 128 bytes or more.
    mutating func message(_ field: UInt32, _ body: (inout ProtobufWriter) -> Void) {
        tag(field, .lengthDelimited)
        let lengthAt = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - lengthAt - 1
        if length < 0x80 {
            bytes[lengthAt] = UInt8(truncatingIfNeeded: length)
            return
        }
        // Widen the one reserved byte to the varint's size in place (no temporary buffer).
        var width = 1
        while length >> (7 * width) != 0 { width += 1 }
        bytes.insert(contentsOf: repeatElement(0, count: width - 1), at: lengthAt + 1)
        var value = length
        for index in lengthAt..<(lengthAt + width) {
            bytes[index] = UInt8(truncatingIfNeeded: value & 0x7F) | (value >= 0x80 ? 0x80 : 0)
            value >>= 7
        }
    }
}
