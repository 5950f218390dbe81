/// Go's `encoding/binary` varints (LEB128; signed ones zig-zag encoded), as every Prometheus
/// format uses them.
enum Varint {
    /// The longest encoding of a 64-bit value.
    static let maxLength = 10

    /// Appends `value` as an unsigned varint.
    static func appendUnsigned(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `value` as a zig-zag signed varint (Go's `binary.PutVarint`).
    static func appendSigned(_ value: Int64, to bytes: inout [UInt8]) {
        appendUnsigned(zigZag(value), to: &bytes)
    }

    static func zigZag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: value << 1) ^ UInt64(bitPattern: value >> 63)
    }

    static func unZigZag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    /// Decodes an unsigned varint from successive bytes returned by `next`; `nil` when the
    /// input ends early or the value overflows 64 bits (Go's `binary.ReadUvarint` errors).
    @inline(__always)
    static func readUnsigned(_ next: () -> UInt8?) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<maxLength {
            guard let byte = next() else { return nil }
            if byte < 0x80 {
                if index == maxLength - 1 && byte > 1 { return nil }  // overflows 64 bits
                return result | UInt64(byte) << shift
            }
            result |= UInt64(byte & 0x7F) << shift
            shift += 7
        }
        return nil
    }

    /// Decodes a zig-zag signed varint; see `readUnsigned`.
    @inline(__always)
    static func readSigned(_ next: () -> UInt8?) -> Int64? {
        readUnsigned(next).map(unZigZag)
    }
}

/// A bounds-checked cursor over bytes with a sticky error, as Prometheus's
/// `tsdb/encoding.Decbuf`: after the first short read every read returns 0 and `failed` is set,
/// so a decoder checks once at the end. Reads an array or a mapped file (`MappedBytes`).
struct ByteCursor<Bytes: RandomAccessCollection<UInt8>> where Bytes.Index == Int {
    let bytes: Bytes
    private(set) var offset: Int
    let end: Int
    private(set) var failed = false

    /// A cursor over `range` of `bytes` (all of them by default); the part of `range` outside
    /// `bytes` reads as missing (`failed`), never out of bounds.
    init(_ bytes: Bytes, range: Range<Int>? = nil) {
        self.bytes = bytes
        offset = max(range?.lowerBound ?? bytes.startIndex, bytes.startIndex)
        end = max(offset, min(range?.upperBound ?? bytes.endIndex, bytes.endIndex))
    }

    var remaining: Int { failed ? 0 : end - offset }

    mutating func byte() -> UInt8 {
        guard !failed, offset < end else { failed = true; return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bigEndian64() -> UInt64 {
        guard !failed, end - offset >= 8 else { failed = true; return 0 }
        var v: UInt64 = 0
        for i in offset..<offset + 8 { v = v << 8 | UInt64(bytes[i]) }
        offset += 8
        return v
    }

    mutating func uvarint() -> UInt64 {
        guard !failed else { return 0 }
        if let v = Varint.readUnsigned({ offset < end ? { defer { offset += 1 }; return bytes[offset] }() : nil }) {
            return v
        }
        failed = true
        return 0
    }

    mutating func varint() -> Int64 { Varint.unZigZag(uvarint()) }

    /// A uvarint length followed by that many bytes as a string (`Decbuf.UvarintStr`).
    mutating func uvarintString() -> String {
        let length = uvarint()
        guard !failed, length <= UInt64(end - offset) else { failed = true; return "" }
        let range = offset..<offset + Int(length)
        offset += Int(length)
        return String(decoding: bytes[range], as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func appendBigEndian(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendUvarintString(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            Varint.appendUnsigned(UInt64(utf8.count), to: &self)
            append(contentsOf: utf8)
        }
    }
}
