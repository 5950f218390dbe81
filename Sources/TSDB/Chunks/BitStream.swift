/// Appends bits, most significant first, to a byte buffer: the `bstream` of Prometheus's
/// `tsdb/chunkenc/bstream.go`, so chunk bytes are interchangeable (see docs/tsdb.md).
///
/// Bits collect in a 64-bit accumulator that goes to the buffer eight bytes at a time;
/// `bytes` adds what is still in it. `materialize()` moves it into the buffer, after which
/// `bytes` is the buffer itself (shared, not copied).
struct BitWriter: Sendable {
    /// Bytes written; the last may be partially filled (`storedFreeBits`), and bits in the
    /// accumulator follow it.
    private var storage: [UInt8]
    /// Pending bits at the top of the word, `pendingBits` (0...63) of them.
    private var pending: UInt64 = 0
    private var pendingBits: UInt8 = 0
    /// Free low bits of the buffer's last byte; 0 whenever the accumulator holds bits.
    private var storedFreeBits: UInt8
    /// Whether an empty byte follows the pending bits: upstream's `writeByte` always appends
    /// one, so a write of a multiple of 8 bits that ends byte-aligned leaves an empty last
    /// byte. Chunk bytes, and their length, depend on it.
    private var emptyByteFollows = false

    /// Continues writing after `bytes`, whose last byte has `freeBits` unused low bits.
    init(bytes: [UInt8], freeBits: Int) {
        precondition((0...8).contains(freeBits), "BUG: freeBits \(freeBits)")
        storage = bytes
        storedFreeBits = UInt8(freeBits)
    }

    /// The written bytes; the last byte may be partially filled.
    var bytes: [UInt8] {
        guard pendingBits > 0 || emptyByteFollows else { return storage }
        var out = storage
        out.reserveCapacity(storage.count + 9)
        appendPending(to: &out)
        return out
    }

    /// How many low bits of the last byte are still free (0: the next bit starts a new byte;
    /// 8: the last byte is empty, as after an aligned `writeByte`).
    var freeBits: Int {
        if emptyByteFollows { return 8 }
        return pendingBits > 0 ? (8 &- Int(pendingBits) & 7) & 7 : Int(storedFreeBits)
    }

    /// Writes one bit.
    @inline(__always)
    mutating func writeBit(_ bit: Bool) {
        write(bit ? 1 : 0, bits: 1)
    }

    /// Writes a whole byte.
    mutating func writeByte(_ byte: UInt8) {
        write(UInt64(byte), bits: 8)
    }

    /// Writes the low `count` bits of `value` (1...64), most significant first, as upstream's
    /// `bstream.writeBits` (also in the length: see `emptyByteFollows`).
    @inline(__always)
    mutating func write(_ value: UInt64, bits count: Int) {
        write(value, bits: count, lastField: count)
    }

    /// Writes the low `count` bits of `value` (1...64) holding several fields at once, the
    /// last of them `lastField` bits wide: the bytes are those of writing the fields one by one.
    @inline(__always)
    mutating func write(_ value: UInt64, bits count: Int, lastField: Int) {
        precondition(count >= 1 && count <= 64, "BUG: bit count \(count)")
        var bits = count == 64 ? value : value & ((1 &<< UInt64(count)) &- 1)
        var remaining = count
        emptyByteFollows = false
        if storedFreeBits > 0 {
            // Only with an empty accumulator: fill the buffer's partial last byte first.
            let free = Int(storedFreeBits)
            let take = min(free, remaining)
            let part = UInt8(truncatingIfNeeded: bits &>> UInt64(remaining &- take))
            storage[storage.count &- 1] |= part &<< UInt8(free &- take)
            storedFreeBits = UInt8(free &- take)
            remaining &-= take
            if remaining == 0 {
                if lastField & 7 == 0 && storedFreeBits == 0 { emptyByteFollows = true }
                return
            }
            bits &= (1 &<< UInt64(remaining)) &- 1
        }
        let free = 64 &- Int(pendingBits)
        if remaining < free {
            pending |= bits &<< UInt64(free &- remaining)
            pendingBits &+= UInt8(truncatingIfNeeded: remaining)
        } else {
            let rest = remaining &- free
            pending |= bits &>> UInt64(rest)
            if storage.count &+ 8 > storage.capacity {
                // Grow by a quarter rather than doubling: a head keeps one open chunk per
                // series, and doubling would leave up to half of each buffer unused.
                storage.reserveCapacity(storage.count &+ max(64, storage.count &>> 2))
            }
            withUnsafeBytes(of: pending.bigEndian) { storage.append(contentsOf: $0) }
            pending = rest == 0 ? 0 : bits &<< UInt64(64 &- rest)
            pendingBits = UInt8(truncatingIfNeeded: rest)
        }
        if lastField & 7 == 0 && pendingBits & 7 == 0 { emptyByteFollows = true }
    }

    /// Writes the low `count` bits of `value` (1...64) as upstream's `writeBitsFast` and its
    /// current `writeByte` do: unlike `write(_:bits:)`, a write ending on a byte boundary
    /// leaves no empty byte after it (the XOR2 encoding's bytes depend on it).
    @inline(__always)
    mutating func writeFast(_ value: UInt64, bits count: Int) {
        write(value, bits: count, lastField: 1)
    }

    /// Overwrites a byte already in the buffer (chunk headers; `index` below its length).
    mutating func setByte(_ byte: UInt8, at index: Int) {
        storage[index] = byte
    }

    /// Moves the accumulator into the buffer and shrinks its capacity to its size, once
    /// nothing more is likely to be written (writing afterwards still works).
    mutating func materialize() {
        if pendingBits > 0 || emptyByteFollows {
            appendPending(to: &storage)
            storedFreeBits = emptyByteFollows ? 8 : (8 &- pendingBits & 7) & 7
            pending = 0
            pendingBits = 0
            emptyByteFollows = false
        }
        if storage.capacity > storage.count + 32 { storage = Array(storage) }
    }

    /// The accumulator's bytes (the last one partial) and the empty byte if one follows.
    private func appendPending(to out: inout [UInt8]) {
        var word = pending
        for _ in 0..<((Int(pendingBits) &+ 7) &>> 3) {
            out.append(UInt8(truncatingIfNeeded: word &>> 56))
            word &<<= 8
        }
        if emptyByteFollows { out.append(0) }
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
