/// Float samples in the XOR encoding of Prometheus's `tsdb/chunkenc/xor.go`, byte for byte.
///
/// Layout (docs/tsdb.md): a 2-byte big-endian sample count, then the first timestamp as a
/// signed varint and the first value's 64 raw bits, then the second timestamp's delta as an
/// unsigned varint and its value XOR, then for every further sample the timestamp's
/// delta-of-delta in one of five buckets (`0`, `10`+14 bits, `110`+17, `1110`+20, `1111`+64:
/// larger than Gorilla's because timestamps are milliseconds) and the value XOR with the
/// previous value, reusing the previous leading/trailing zero window when it fits.
package struct XORChunk: Sendable {
    private var writer: BitWriter
    private var lastTimestamp: Int64 = 0
    private var lastValueBits: UInt64 = 0
    private var lastDelta: UInt64 = 0
    /// 0xFF until a value window has been written, as upstream's appender.
    private var leading: UInt8 = 0xFF
    private var trailing: UInt8 = 0
    private var storedCount: UInt16 = 0

    /// The most samples a chunk can count in its 2-byte header.
    package static let maxSamples = Int(UInt16.max)

    /// An empty chunk.
    package init() {
        var bytes = [UInt8]()
        bytes.reserveCapacity(128)
        bytes.append(contentsOf: [0, 0])
        writer = BitWriter(bytes: bytes, freeBits: 0)
    }

    /// Continues appending to chunk bytes written before (by Pharos or Prometheus).
    ///
    /// - Throws: `TSDBError.corruptChunk` if the bytes do not decode.
    package init(bytes: [UInt8]) throws(TSDBError) {
        var iterator = XORIterator()
        iterator.reset(bytes: bytes, range: bytes.indices)
        while iterator.next() {}
        if let error = iterator.error { throw error }
        let usedBits = iterator.bitPosition
        let usedBytes = (usedBits + 7) / 8
        writer = BitWriter(bytes: Array(bytes[..<usedBytes]), freeBits: usedBytes * 8 - usedBits)
        storedCount = UInt16(iterator.count)
        let state = iterator.appendState
        lastTimestamp = iterator.timestamp
        lastValueBits = iterator.value.bitPattern
        lastDelta = state.delta
        if iterator.count == 0 {
            leading = 0xFF
        } else {
            leading = state.leading
            trailing = state.trailing
        }
    }

    /// The number of samples; the header bytes are set from it when `bytes` is read.
    package var count: Int { Int(storedCount) }

    /// The encoded chunk, header included: what a chunk file stores after the encoding byte.
    package var bytes: [UInt8] {
        var out = writer.bytes
        let high = UInt8(truncatingIfNeeded: count >> 8), low = UInt8(truncatingIfNeeded: count)
        if out[0] != high || out[1] != low {
            out[0] = high
            out[1] = low
        }
        return out
    }

    /// Appends a sample. The caller keeps timestamps increasing (the head checks this);
    /// the encoding itself round-trips any sequence, as upstream's does.
    ///
    /// - Precondition: `count < maxSamples`.
    package mutating func append(timestamp t: Int64, value v: Double) {
        let n = count
        precondition(n < XORChunk.maxSamples, "BUG: XOR chunk is full")
        var delta: UInt64 = 0
        switch n {
        case 0:
            writeUvarint(Varint.zigZag(t))
            writer.write(v.bitPattern, bits: 64)
        case 1:
            delta = UInt64(bitPattern: t &- lastTimestamp)  // wraps as Go's uint64(t - a.t)
            writeUvarint(delta)
            writeValue(v)
        default:
            delta = UInt64(bitPattern: t &- lastTimestamp)
            let dod = Int64(bitPattern: delta &- lastDelta)
            // Control bits and delta-of-delta in one write where they fit a word.
            if dod == 0 {
                writer.writeBit(false)
            } else if XORChunk.fits(dod, bits: 14) {
                writer.write(0b10 << 14 | UInt64(bitPattern: dod) & 0x3FFF, bits: 16, lastField: 14)
            } else if XORChunk.fits(dod, bits: 17) {
                writer.write(0b110 << 17 | UInt64(bitPattern: dod) & 0x1_FFFF, bits: 20, lastField: 17)
            } else if XORChunk.fits(dod, bits: 20) {
                writer.write(0b1110 << 20 | UInt64(bitPattern: dod) & 0xF_FFFF, bits: 24, lastField: 20)
            } else {
                writer.write(0b1111, bits: 4)
                writer.write(UInt64(bitPattern: dod), bits: 64)
            }
            writeValue(v)
        }
        lastTimestamp = t
        lastValueBits = v.bitPattern
        lastDelta = delta
        storedCount = UInt16(truncatingIfNeeded: n + 1)
    }

    /// Drops spare capacity once the chunk is complete, and settles its bytes so that
    /// `bytes` hands out the buffer itself rather than a copy.
    package mutating func compact() {
        writer.materialize()
        writer.setByte(UInt8(truncatingIfNeeded: count >> 8), at: 0)
        writer.setByte(UInt8(truncatingIfNeeded: count), at: 1)
    }

    /// Whether `x` fits the `bits`-bit bucket. The range is asymmetric, as upstream's
    /// `bitRange`: `-(2^(n-1) - 1) ... 2^(n-1)`, because the reader maps only patterns
    /// above `2^(n-1)` to negative numbers.
    static func fits(_ x: Int64, bits: Int) -> Bool {
        let half = Int64(1) << Int64(bits - 1)
        return -(half - 1) <= x && x <= half
    }

    /// Writes a Go uvarint byte by byte (no buffer: this runs for every new chunk).
    private mutating func writeUvarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writer.writeByte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        writer.writeByte(UInt8(truncatingIfNeeded: v))
    }

    private mutating func writeValue(_ v: Double) {
        let xor = v.bitPattern ^ lastValueBits
        if xor == 0 {
            writer.writeBit(false)
            return
        }
        // At most 31 leading zeros, so the count fits the 5-bit field.
        let newLeading = UInt8(min(xor.leadingZeroBitCount, 31))
        let newTrailing = UInt8(xor.trailingZeroBitCount)
        if leading != 0xFF && newLeading >= leading && newTrailing >= trailing {
            // `10` and the bits inside the previous window, in one write when they fit.
            let significant = 64 - Int(leading) - Int(trailing)
            if significant <= 62 {
                writer.write(0b10 << UInt64(significant) | xor >> UInt64(trailing), bits: significant + 2, lastField: significant)
            } else {
                writer.write(0b10, bits: 2)
                writer.write(xor >> UInt64(trailing), bits: significant)
            }
            return
        }
        leading = newLeading
        trailing = newTrailing
        // 64 significant bits do not fit 6 bits; they are written as 0 (0 never occurs,
        // since a zero XOR takes the branch above) and read back as 64.
        let significant = 64 - Int(newLeading) - Int(newTrailing)
        // `11`, 5 bits of leading zeros and 6 of significant-bit count: 13 bits.
        writer.write(0b11 << 11 | UInt64(newLeading) << 6 | UInt64(significant & 63), bits: 13, lastField: 6)
        writer.write(xor >> UInt64(newTrailing), bits: significant)
    }
}
