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
    @inline(__always)
    mutating func writeBit(_ bit: Bool) {
        if freeBits == 0 {
            bytes.append(0)
            freeBits = 8
        }
        if bit { bytes[bytes.count &- 1] |= 1 << UInt8(freeBits &- 1) }
        freeBits &-= 1  // 1...8 before: cannot go below 0
    }

    /// Writes a whole byte.
    mutating func writeByte(_ byte: UInt8) {
        write(UInt64(byte), bits: 8)
    }

    /// Writes the low `count` bits of `value` (1...64), most significant first.
    ///
    /// The bits are as upstream's `bstream.writeBits`, and so is the length: upstream writes
    /// whole bytes with `writeByte`, which always appends a byte, so a write of a multiple of
    /// 8 bits that ends byte-aligned leaves an empty last byte (8 free bits). Chunk bytes,
    /// and their length, depend on it.
    mutating func write(_ value: UInt64, bits count: Int) {
        precondition((1...64).contains(count), "BUG: bit count \(count)")
        var remaining = count
        if freeBits > 0 {
            let take = min(freeBits, remaining)
            let part = UInt8(truncatingIfNeeded: value >> UInt64(remaining &- take)) & UInt8(truncatingIfNeeded: (1 << take) &- 1)
            bytes[bytes.count &- 1] |= part << UInt8(freeBits &- take)
            freeBits &-= take
            remaining &-= take
        }
        while remaining >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(remaining &- 8)))
            remaining &-= 8
        }
        if remaining > 0 {
            // The low `remaining` bits of `value`, at the top of a new byte.
            bytes.append(UInt8(truncatingIfNeeded: value << UInt64(8 &- remaining)))
            freeBits = 8 &- remaining
        }
        if count & 7 == 0 && freeBits == 0 {
            bytes.append(0)
            freeBits = 8
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
    @inline(__always)
    mutating func read(bits count: Int) -> UInt64? {
        guard count <= endBit &- position else { return nil }
        let byteIndex = position >> 3
        let offset = position & 7
        // Fast path: one unaligned 8-byte load covers the bits. It may read bytes past
        // `endBit` (but inside the array); they are shifted out.
        if offset &+ count <= 64, byteIndex &+ 8 <= bytes.count {
            let word = bytes.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: byteIndex, as: UInt64.self)) }
            position &+= count
            return (word << UInt64(offset)) >> UInt64(64 &- count)
        }
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

    /// The next bits at the top of a word, at least 57 of them the stream's (the rest are
    /// zeros or later bytes of the array). Only when `remainingBits >= 64`, which also keeps
    /// the 8-byte load inside the array.
    @inline(__always)
    func peekWord() -> UInt64 {
        let byteIndex = position >> 3
        let word = bytes.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: byteIndex, as: UInt64.self)) }
        return word << UInt64(position & 7)
    }

    /// Skips `count` bits already looked at with `peekWord()`.
    @inline(__always)
    mutating func skip(_ count: Int) { position &+= count }

    /// Reads one 8-bit byte (which need not be byte aligned).
    mutating func readByte() -> UInt8? {
        read(bits: 8).map { UInt8(truncatingIfNeeded: $0) }
    }
}
