/// Appends bits, most significant first, to a byte buffer: the `bstream` of Prometheus's
/// `tsdb/chunkenc/bstream.go`, so chunk bytes are interchangeable (see docs/tsdb.md).
struct BitWriter: Sendable {
    /// The written bytes; the last byte may be partially filled.
    private(set) var bytes: [UInt8]
    /// How many low bits of the last byte are still free (0: the next bit starts a new byte;
    /// 8: the last byte is empty, as after an aligned `writeByte`).
    private(set) var freeBits: Int

    /// Continues writing after `bytes`, whose last byte has `freeBits` unused low bits.
    init(bytes: [UInt8], freeBits: Int) {
        precondition((0...8).contains(freeBits), "BUG: freeBits \(freeBits)")
        self.bytes = bytes
        self.freeBits = freeBits
    }

    /// Writes one bit.
    mutating func writeBit(_ bit: Bool) {
        if freeBits == 0 {
            bytes.append(0)
            freeBits = 8
        }
        if bit { bytes[bytes.count - 1] |= 1 << UInt8(freeBits - 1) }
        freeBits -= 1
    }

    /// Writes a whole byte. As upstream's `bstream.writeByte`, this always appends a byte, so
    /// a byte-aligned stream ends in an empty byte with 8 free bits; chunk bytes (and their
    /// length) depend on it.
    mutating func writeByte(_ byte: UInt8) {
        if freeBits == 0 {
            bytes.append(0)
            freeBits = 8
        }
        bytes[bytes.count - 1] |= byte >> UInt8(8 - freeBits)
        bytes.append(UInt8(truncatingIfNeeded: UInt16(byte) << UInt16(freeBits)))
    }

    /// Writes the low `count` bits of `value` (1...64), most significant first: whole bytes
    /// first, then single bits, as upstream's `bstream.writeBits`.
    mutating func write(_ value: UInt64, bits count: Int) {
        precondition((1...64).contains(count), "BUG: bit count \(count)")
        var v = value << UInt64(64 - count)
        var remaining = count
        while remaining >= 8 {
            writeByte(UInt8(truncatingIfNeeded: v >> 56))
            v <<= 8
            remaining -= 8
        }
        while remaining > 0 {
            writeBit(v >> 63 == 1)
            v <<= 1
            remaining -= 1
        }
    }

    /// Overwrites a byte already written (chunk headers).
    mutating func setByte(_ byte: UInt8, at index: Int) {
        bytes[index] = byte
    }

    /// Shrinks the buffer's capacity to its size once nothing more will be written.
    mutating func compact() {
        if bytes.capacity > bytes.count + 32 { bytes = Array(bytes) }
    }
}

/// Reads bits, most significant first, from a byte range. Reads past the end return `nil`
/// instead of trapping, so corrupt input becomes an error.
struct BitReader: Sendable {
    private var bytes: [UInt8]
    /// Position of the next bit, counted from the start of `bytes`.
    private var position: Int
    private var endBit: Int

    init() {
        bytes = []
        position = 0
        endBit = 0
    }

    /// Reads the bits of `bytes[range]`. The array is shared, not copied.
    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound &* 8  // a valid array index times 8 cannot overflow
        endBit = range.upperBound &* 8
    }

    /// Position of the next bit from the start of the array.
    var bitPosition: Int { position }

    /// Bits left to read.
    var remainingBits: Int { endBit &- position }

    /// Reads one bit, or `nil` at the end.
    @inline(__always)
    mutating func readBit() -> Bool? {
        guard position < endBit else { return nil }
        let byte = bytes[position >> 3]
        let bit = (byte >> UInt8(7 &- (position & 7))) & 1
        position &+= 1
        return bit == 1
    }

    /// Reads `count` bits (1...64) as the low bits of the result, or `nil` if fewer are left.
    mutating func read(bits count: Int) -> UInt64? {
        guard count <= endBit &- position else { return nil }
        var result: UInt64 = 0
        var need = count
        while need > 0 {
            let byte = UInt64(bytes[position >> 3])
            let available = 8 &- (position & 7)
            let take = min(available, need)
            let part = (byte >> UInt64(available &- take)) & ((1 << UInt64(take)) &- 1)
            result = (result << UInt64(take)) | part
            need &-= take
            position &+= take
        }
        return result
    }

    /// Reads one 8-bit byte (which need not be byte aligned).
    mutating func readByte() -> UInt8? {
        read(bits: 8).map { UInt8(truncatingIfNeeded: $0) }
    }
}
