import Model

/// Float samples with optional start timestamps in the XOR2 encoding of Prometheus's
/// `tsdb/chunkenc/xor2.go` (chunk encoding 4), byte for byte.
///
/// Layout (docs/tsdb.md): a 2-byte big-endian sample count and a 1-byte start-timestamp
/// header (bit 7: the first sample's start timestamp is stored; bits 0–6: the index of the
/// sample from which every sample carries a start-timestamp delta, 0 for none). The first
/// sample is a signed varint timestamp, 64 value bits and, if known, a signed varint
/// `t - st`; the second an unsigned varint timestamp delta and a value. Later samples start
/// with a joint prefix:
///
/// ```
/// 0      delta-of-delta 0, value unchanged     110   + 13-bit delta-of-delta, value
/// 10     delta-of-delta 0, value changed       1110  + 20-bit delta-of-delta, value
/// 11111  delta-of-delta 0, stale marker        11110 + 64-bit delta-of-delta, value
/// ```
///
/// Values XOR the previous non-stale value (`0` unchanged, `10` previous window, `110` new
/// window, `111` stale marker; after `10` of the prefix only the window bit). Start
/// timestamps are stored as the previous sample's time minus the start timestamp: from the
/// sample the header names on, a varbit integer (`VarbitInt`) per sample, the first one that
/// difference, later ones its change.
package struct XOR2Chunk: Sendable {
    private var writer: BitWriter
    private var startTimestamp: Int64 = 0
    private var lastTimestamp: Int64 = 0
    /// The newest value that is not a stale marker: what values are XORed with.
    private var baselineBits: UInt64 = 0
    private var lastDelta: Int64 = 0
    /// The previous sample's time minus its start timestamp, once the deltas have begun.
    private var startDifference: Int64 = 0
    private var leading: UInt8 = 0xFF
    private var trailing: UInt8 = 0
    private var storedCount: UInt16 = 0
    private var deltasFrom: UInt16 = 0
    /// The start-timestamp header byte.
    private var header: UInt8 = 0

    /// The most samples a chunk can count in its 2-byte header.
    package static let maxSamples = Int(UInt16.max)
    /// The last sample index the header can name as the start of the deltas: upstream starts
    /// them there at the latest, so the header stays valid whatever comes later.
    static let latestDeltaStart: UInt16 = 0x7F

    /// An empty chunk.
    package init() {
        var bytes = [UInt8]()
        bytes.reserveCapacity(128)
        bytes.append(contentsOf: [0, 0, 0])
        writer = BitWriter(bytes: bytes, freeBits: 0)
    }

    /// The number of samples.
    package var count: Int { Int(storedCount) }

    /// The encoded chunk, header included: what a chunk file stores after the encoding byte.
    package var bytes: [UInt8] {
        var out = writer.bytes
        out[0] = UInt8(truncatingIfNeeded: storedCount >> 8)
        out[1] = UInt8(truncatingIfNeeded: storedCount)
        return out
    }

    /// Appends a sample with start timestamp `st` (0: unknown). The caller keeps timestamps
    /// increasing, as for `XORChunk`.
    ///
    /// - Precondition: `count < maxSamples`.
    package mutating func append(startTimestamp st: Int64, timestamp t: Int64, value v: Double) {
        let n = storedCount
        precondition(Int(n) < XOR2Chunk.maxSamples, "BUG: XOR2 chunk is full")
        var delta: Int64 = 0
        switch n {
        case 0:
            writeVarint(t)
            writer.writeFast(v.bitPattern, bits: 64)
            if st != 0 {
                writeVarint(t &- st)
                header = 0x80
                writer.setByte(header, at: 2)
            }
            startDifference = 0
        case 1:
            delta = t &- lastTimestamp
            writeUvarint(UInt64(bitPattern: delta))
            writeValue(v)
            startDifference = 0
            if st != startTimestamp {
                startDifference = lastTimestamp &- st
                beginDeltas(at: 1)
                writer.writeVarbitInt(startDifference)
            }
        default:
            delta = t &- lastTimestamp
            writeJoint(deltaOfDelta: delta &- lastDelta, v)
            if deltasFrom > 0 {
                let difference = lastTimestamp &- st
                writer.writeVarbitInt(difference &- startDifference)
                startDifference = difference
            } else if st != startTimestamp || n == XOR2Chunk.latestDeltaStart {
                startDifference = lastTimestamp &- st
                beginDeltas(at: n)
                writer.writeVarbitInt(startDifference)
            }
        }
        startTimestamp = st
        lastTimestamp = t
        if !v.isStaleMarker { baselineBits = v.bitPattern }
        lastDelta = delta
        storedCount = n &+ 1
    }

    /// Records in the header that start-timestamp deltas begin at sample `index`.
    private mutating func beginDeltas(at index: UInt16) {
        deltasFrom = index
        header |= UInt8(truncatingIfNeeded: index)
        writer.setByte(header, at: 2)
    }

    /// Drops spare capacity once the chunk is complete and settles the sample count.
    package mutating func compact() {
        writer.materialize()
        writer.setByte(UInt8(truncatingIfNeeded: storedCount >> 8), at: 0)
        writer.setByte(UInt8(truncatingIfNeeded: storedCount), at: 1)
    }

    /// The joint timestamp and value prefix of the third and later samples.
    private mutating func writeJoint(deltaOfDelta dod: Int64, _ v: Double) {
        if dod == 0 {
            if v.isStaleMarker {
                writer.writeFast(0b11111, bits: 5)
                return
            }
            let xor = v.bitPattern ^ baselineBits
            if xor == 0 {
                writer.writeFast(0, bits: 1)
                return
            }
            writer.writeFast(0b10, bits: 2)
            writeWindow(xor, reuse: (0b0, 1), new: (0b1, 1))
            return
        }
        let bits = UInt64(bitPattern: dod)
        if dod >= -(1 << 12) && dod < 1 << 12 {
            writer.writeFast(0b110 << 13 | bits & 0x1FFF, bits: 16)
        } else if dod >= -(1 << 19) && dod < 1 << 19 {
            writer.writeFast(0b1110 << 20 | bits & 0xF_FFFF, bits: 24)
        } else {
            writer.writeFast(0b11110, bits: 5)
            writer.writeFast(bits, bits: 64)
        }
        writeValue(v)
    }

    /// A value after a timestamp that changed: `0` unchanged, `111` stale marker, else its
    /// XOR in the previous window (`10`) or a new one (`110`).
    private mutating func writeValue(_ v: Double) {
        if v.isStaleMarker {
            writer.writeFast(0b111, bits: 3)
            return
        }
        let xor = v.bitPattern ^ baselineBits
        if xor == 0 {
            writer.writeFast(0, bits: 1)
            return
        }
        writeWindow(xor, reuse: (0b10, 2), new: (0b110, 3))
    }

    /// Writes a non-zero XOR in the previous leading/trailing-zero window when it fits
    /// (control code `reuse`), else in a new one (control code `new`, then 5 bits of leading
    /// zeros and 6 of significant-bit count, 64 written as 0).
    private mutating func writeWindow(_ xor: UInt64, reuse: (code: UInt64, bits: Int), new: (code: UInt64, bits: Int)) {
        let newLeading = UInt8(min(xor.leadingZeroBitCount, 31))
        let newTrailing = UInt8(xor.trailingZeroBitCount)
        if leading != 0xFF && newLeading >= leading && newTrailing >= trailing {
            writer.writeFast(reuse.code, bits: reuse.bits)
            writer.writeFast(xor >> UInt64(trailing), bits: 64 - Int(leading) - Int(trailing))
            return
        }
        leading = newLeading
        trailing = newTrailing
        let significant = 64 - Int(newLeading) - Int(newTrailing)
        writer.writeFast(new.code, bits: new.bits)
        writer.writeFast(UInt64(newLeading) << 6 | UInt64(significant & 63), bits: 11)
        writer.writeFast(xor >> UInt64(newTrailing), bits: significant)
    }

    /// Writes a Go zig-zag varint byte by byte.
    private mutating func writeVarint(_ value: Int64) {
        writeUvarint(Varint.zigZag(value))
    }

    private mutating func writeUvarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writer.writeFast(UInt64(UInt8(truncatingIfNeeded: v) | 0x80), bits: 8)
            v >>= 7
        }
        writer.writeFast(UInt64(v), bits: 8)
    }
}

extension XOR2Chunk {
    /// An XOR2 chunk held by reference (a head series' open chunk).
    final class Box {
        var chunk = XOR2Chunk()
    }
}
