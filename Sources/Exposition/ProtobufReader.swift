/// The protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure).
enum WireType: UInt8 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// A bounds-checked reader of the protobuf wire format over borrowed bytes.
///
/// The only type in the remote-write codecs that touches raw memory: every read checks the
/// remaining length first and throws `malformedProtobuf` with the absolute byte offset of the
/// problem, so callers never index the buffer themselves. Offsets are relative to `body`, which
/// is always the whole request, so errors point into what the sender sent.
package struct ProtobufReader {
    private let body: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    package private(set) var offset: Int
    /// The end of the message being read (exclusive).
    let end: Int

    /// Swift-protobuf's and Go's default nesting limit, so a hostile run of start-group tags
    /// cannot exhaust memory while being skipped.
    static let maxGroupDepth = 100

    /// A reader of the whole `body`.
    package init(_ body: UnsafeRawBufferPointer) {
        self.body = body
        offset = 0
        end = body.count
    }

    private init(body: UnsafeRawBufferPointer, range: Range<Int>) {
        self.body = body
        offset = range.lowerBound
        end = range.upperBound
    }

    /// A reader of an embedded message at `range` (from `lengthDelimited()`).
    func reader(for range: Range<Int>) -> ProtobufReader {
        ProtobufReader(body: body, range: range)
    }

    /// Whether the message has more fields.
    package var hasMore: Bool { offset < end }

    /// Reads a field key; returns the field number and wire type.
    mutating func tag() throws(ExpositionError) -> (field: UInt32, wireType: WireType) {
        let start = offset
        let key = try varint()
        guard let wireType = WireType(rawValue: UInt8(truncatingIfNeeded: key & 7)) else {
            throw .malformedProtobuf("invalid wire type \(key & 7)", offset: start)
        }
        let field = key >> 3
        guard field > 0, field <= 0x1FFF_FFFF else {
            throw .malformedProtobuf("invalid field number \(field)", offset: start)
        }
        return (UInt32(truncatingIfNeeded: field), wireType)
    }

    /// Reads a base-128 varint of at most 10 bytes. As gogo/protobuf and swift-protobuf do, bits
    /// beyond the 64th in the tenth byte are dropped rather than refused.
    @inline(__always)
    package mutating func varint() throws(ExpositionError) -> UInt64 {
        // Tags and short lengths take one byte.
        if offset < end, body[offset] < 0x80 {
            defer { offset &+= 1 }
            return UInt64(body[offset])
        }
        return try multiByteVarint()
    }

    private mutating func multiByteVarint() throws(ExpositionError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while offset < end {
            let byte = body[offset]
            offset &+= 1  // offset < end <= body.count
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift &+= 7
            if shift >= 70 { throw .malformedProtobuf("varint longer than 10 bytes", offset: start) }
        }
        throw .malformedProtobuf("truncated varint", offset: start)
    }

    /// Reads one byte.
    package mutating func byte() throws(ExpositionError) -> UInt8 {
        guard offset < end else { throw .malformedProtobuf("truncated byte", offset: offset) }
        defer { offset &+= 1 }
        return body[offset]
    }

    /// Reads eight little-endian bytes.
    package mutating func fixed64() throws(ExpositionError) -> UInt64 {
        guard end - offset >= 8 else { throw .malformedProtobuf("truncated fixed64", offset: offset) }
        let value = body.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset &+= 8
        return UInt64(littleEndian: value)
    }

    /// Reads four little-endian bytes.
    mutating func fixed32() throws(ExpositionError) -> UInt32 {
        guard end - offset >= 4 else { throw .malformedProtobuf("truncated fixed32", offset: offset) }
        let value = body.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset &+= 4
        return UInt32(littleEndian: value)
    }

    /// Reads a double (wire type fixed64), bit for bit.
    mutating func double() throws(ExpositionError) -> Double {
        Double(bitPattern: try fixed64())
    }

    /// Reads a length prefix and returns the absolute range of the bytes it covers.
    package mutating func lengthDelimited() throws(ExpositionError) -> Range<Int> {
        let start = offset
        let length = try varint()
        guard length <= UInt64(end - offset) else {
            throw .malformedProtobuf("length \(length) runs past the end of the message", offset: start)
        }
        let range = offset..<(offset + Int(length))
        offset = range.upperBound
        return range
    }

    /// The bytes at `range` as a buffer (for strings, which the caller validates).
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: body[range])
    }

    /// The bytes at `range` as a `String` if they are valid UTF-8.
    package func string(_ range: Range<Int>) -> String? {
        let bytes = UnsafeRawBufferPointer(rebasing: body[range])
        // `String(validating:as:)` is generic and looks up metadata on every call (a third of
        // the decoder's time in a profile); decoding is specialised, and repairs are detected by
        // comparing the result with the input, which only non-ASCII input needs.
        let string = String(decoding: bytes, as: UTF8.self)
        if bytes.allSatisfy({ $0 < 0x80 }) { return string }
        return string.utf8.elementsEqual(bytes) ? string : nil
    }

    /// Skips the value of a field of `wireType` whose tag was just read. Groups (deprecated, but
    /// legal in unknown fields) are skipped up to their matching end tag.
    mutating func skip(_ wireType: WireType, field: UInt32) throws(ExpositionError) {
        switch wireType {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited()
        case .endGroup: throw .malformedProtobuf("end-group tag without a start", offset: offset)
        case .startGroup: try skipGroup(field: field, depth: 1)
        }
    }

    private mutating func skipGroup(field: UInt32, depth: Int) throws(ExpositionError) {
        guard depth <= ProtobufReader.maxGroupDepth else {
            throw .malformedProtobuf("groups nested deeper than \(ProtobufReader.maxGroupDepth)", offset: offset)
        }
        while hasMore {
            let start = offset
            let (inner, wireType) = try tag()
            switch wireType {
            case .endGroup:
                guard inner == field else {
                    throw .malformedProtobuf("end-group tag \(inner) does not close group \(field)", offset: start)
                }
                return
            case .startGroup:
                try skipGroup(field: inner, depth: depth + 1)
            default:
                try skip(wireType, field: inner)
            }
        }
        throw .malformedProtobuf("unterminated group \(field)", offset: offset)
    }

    /// Reads a `repeated` scalar field that may be packed or not: calls `element` once per value.
    /// `wireType` is the one of the tag just read; `scalar` is the element's own wire type.
    /// Returns `false` (having skipped the field) when the wire type fits neither encoding, which
    /// protobuf treats as an unknown field.
    mutating func repeated(
        _ wireType: WireType, field: UInt32, scalar: WireType,
        _ element: (inout ProtobufReader) throws(ExpositionError) -> Void
    ) throws(ExpositionError) -> Bool {
        if wireType == scalar {
            try element(&self)
            return true
        }
        guard wireType == .lengthDelimited else {
            try skip(wireType, field: field)
            return false
        }
        var packed = reader(for: try lengthDelimited())
        while packed.hasMore { try element(&packed) }
        return true
    }
}

extension Int64 {
    /// Decodes a zigzag-encoded `sint64`.
    init(zigzag value: UInt64) {
        self = Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }
}

extension Int32 {
    /// Decodes a zigzag-encoded `sint32` from a varint, as protobuf does: the low 32 bits only.
    init(zigzag value: UInt64) {
        let low = UInt32(truncatingIfNeeded: value)
        self = Int32(bitPattern: (low >> 1) ^ (0 &- (low & 1)))
    }
}
