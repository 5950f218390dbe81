import Model

/// Decodes an `XOR2Chunk`'s samples and start timestamps one at a time without allocating.
///
/// Used as `XORIterator`: `while it.next() { use(it.startTimestamp, it.timestamp, it.value) }`,
/// then check the sticky `error`. Corrupt bytes end iteration with `TSDBError.corruptChunk`;
/// they never trap.
package struct XOR2Iterator: Sendable {
    private var reader = BitReader()
    private var total = 0
    /// `total`, or 0 once `error` is set.
    private var end = 0
    private var read = 0
    private var delta: Int64 = 0
    private var leading: UInt8 = 0
    private var trailing: UInt8 = 0
    private var baselineBits: UInt64 = 0
    private var firstKnown = false
    private var deltasFrom = 0
    private var startDifference: Int64 = 0

    /// The current sample's start timestamp, 0 when unknown (valid after `next()` returned `true`).
    package private(set) var startTimestamp: Int64 = 0
    /// The current sample's timestamp.
    package private(set) var timestamp: Int64 = .min
    /// The current sample's value.
    package private(set) var value: Double = 0
    /// Why iteration stopped early, if it did.
    package private(set) var error: TSDBError?

    /// An iterator over nothing; call `reset(bytes:range:)`.
    package init() {}

    /// An iterator over `chunk`'s samples.
    package init(_ chunk: XOR2Chunk) {
        let bytes = chunk.bytes
        reset(bytes: bytes, range: bytes.indices)
    }

    /// Starts over on the chunk stored in `bytes[range]` (headers included); the array is shared.
    package mutating func reset(bytes: [UInt8], range: Range<Int>) {
        read = 0
        delta = 0
        leading = 0
        trailing = 0
        baselineBits = 0
        startDifference = 0
        startTimestamp = 0
        timestamp = .min
        value = 0
        error = nil
        guard range.count >= 3, range.lowerBound >= 0, range.upperBound <= bytes.count else {
            reader = BitReader()
            total = 0
            end = 0
            firstKnown = false
            deltasFrom = 0
            error = .corruptChunk(reason: "XOR2 chunk of \(range.count) bytes has no 3-byte header")
            return
        }
        total = Int(bytes[range.lowerBound]) << 8 | Int(bytes[range.lowerBound + 1])
        end = total
        let header = bytes[range.lowerBound + 2]
        firstKnown = header & 0x80 != 0
        deltasFrom = Int(header & 0x7F)
        reader = BitReader(bytes: bytes, range: (range.lowerBound + 3)..<range.upperBound)
    }

    /// The number of samples the chunk header announces.
    package var count: Int { total }

    /// Advances to the next sample; `false` at the end or on error (see `error`).
    package mutating func next() -> Bool {
        guard read < end else { return false }
        let previousTimestamp = timestamp
        switch read {
        case 0:
            guard let t = Varint.readSigned({ reader.readByte() }) else { return fail("first timestamp") }
            guard let bits = reader.read(bits: 64) else { return fail("first value") }
            timestamp = t
            value = Double(bitPattern: bits)
            if !value.isStaleMarker { baselineBits = bits }
            if firstKnown {
                guard let difference = Varint.readSigned({ reader.readByte() }) else {
                    return fail("first start timestamp")
                }
                startTimestamp = t &- difference
            }
        case 1:
            guard let d = Varint.readUnsigned({ reader.readByte() }) else { return fail("second timestamp delta") }
            delta = Int64(bitPattern: d)
            timestamp = timestamp &+ delta
            guard readValue() else { return fail("second value") }
        default:
            guard readJoint() else { return fail("timestamp and value") }
        }
        if deltasFrom > 0, read >= deltasFrom {
            guard let change = reader.readVarbitInt() else { return fail("start timestamp delta") }
            startDifference = read == deltasFrom ? change : startDifference &+ change
            startTimestamp = previousTimestamp &- startDifference
        }
        read += 1
        return true
    }

    /// Advances to the first sample at or after `t` (staying put if the current one is);
    /// `false` if there is none.
    package mutating func seek(to t: Int64) -> Bool {
        guard error == nil else { return false }
        while read == 0 || timestamp < t {
            if !next() { return false }
        }
        return true
    }

    /// The joint prefix of the third and later samples and what follows it.
    private mutating func readJoint() -> Bool {
        if reader.remainingBits >= 64, let used = jointFromWord(reader.peekWord()) {
            reader.skip(used)
            return true
        }
        var ones = 0
        while ones < 5 {
            guard let bit = reader.readBit() else { return false }
            if !bit { break }
            ones += 1
        }
        switch ones {
        case 0:
            timestamp = timestamp &+ delta
            value = Double(bitPattern: baselineBits)
            return true
        case 1:
            timestamp = timestamp &+ delta
            guard let newWindow = reader.readBit() else { return false }
            return readWindow(new: newWindow)
        case 2, 3, 4:
            let width = ones == 2 ? 13 : ones == 3 ? 20 : 64
            guard var bits = reader.read(bits: width) else { return false }
            if width < 64, bits >= 1 << UInt64(width - 1) { bits = bits &- (1 << UInt64(width)) }
            delta = delta &+ Int64(bitPattern: bits)
            timestamp = timestamp &+ delta
            return readValue()
        default:
            timestamp = timestamp &+ delta
            value = Double(bitPattern: Double.staleMarkerBitPattern)
            return true
        }
    }

    /// The common joint cases (`0`, `10`, `110` with a 13-bit delta-of-delta) decoded from the
    /// top of `word` (57 bits of it the stream's), changing nothing unless they fit: the bits
    /// used, or `nil` for the bit-by-bit path.
    @inline(__always)
    private mutating func jointFromWord(_ word: UInt64) -> Int? {
        if word >> 63 == 0 {
            timestamp = timestamp &+ delta
            value = Double(bitPattern: baselineBits)
            return 1
        }
        if word >> 62 == 0b10 {
            guard let used = windowFromWord(word &<< 3, new: (word >> 61) & 1 == 1, available: 54) else { return nil }
            timestamp = timestamp &+ delta
            return 3 &+ used
        }
        if word >> 61 == 0b110 {
            // The 13-bit two's complement delta-of-delta, sign-extended by an arithmetic shift.
            let dod = Int64(bitPattern: word &<< 3) &>> 51
            guard let used = valueFromWord(word &<< 16, available: 41) else { return nil }
            delta = delta &+ dod
            timestamp = timestamp &+ delta
            return 16 &+ used
        }
        return nil
    }

    /// `readValue()` from the top of `word`, of which `available` bits are the stream's.
    @inline(__always)
    private mutating func valueFromWord(_ word: UInt64, available: Int) -> Int? {
        if word >> 63 == 0 {
            value = Double(bitPattern: baselineBits)
            return 1
        }
        if word >> 62 == 0b10 { return windowFromWord(word &<< 2, new: false, available: available &- 2).map { $0 &+ 2 } }
        if word >> 61 == 0b110 { return windowFromWord(word &<< 3, new: true, available: available &- 3).map { $0 &+ 3 } }
        value = Double(bitPattern: Double.staleMarkerBitPattern)
        return 3
    }

    /// `readWindow(new:)` from the top of `word`, of which `available` bits are the stream's.
    @inline(__always)
    private mutating func windowFromWord(_ word: UInt64, new: Bool, available: Int) -> Int? {
        var (newLeading, newTrailing, used, rest) = (leading, trailing, 0, word)
        if new {
            guard available >= 11 else { return nil }
            let l = Int(truncatingIfNeeded: rest >> 59), m = Int(truncatingIfNeeded: (rest &<< 5) >> 58)
            let significant = m == 0 ? 64 : m
            guard l &+ significant <= 64 else { return nil }
            newLeading = UInt8(truncatingIfNeeded: l)
            newTrailing = UInt8(truncatingIfNeeded: 64 &- l &- significant)
            rest &<<= 11
            used = 11
        }
        let significant = 64 &- Int(newLeading) &- Int(newTrailing)
        guard significant > 0, used &+ significant <= available else { return nil }
        let bits = rest >> UInt64(truncatingIfNeeded: 64 &- significant)
        leading = newLeading
        trailing = newTrailing
        baselineBits ^= bits &<< UInt64(truncatingIfNeeded: newTrailing)
        value = Double(bitPattern: baselineBits)
        return used &+ significant
    }

    /// A value after a changed timestamp: `0` unchanged, `10` previous window, `110` new
    /// window, `111` stale marker.
    private mutating func readValue() -> Bool {
        guard let changed = reader.readBit() else { return false }
        if !changed {
            value = Double(bitPattern: baselineBits)
            return true
        }
        guard let second = reader.readBit() else { return false }
        if !second { return readWindow(new: false) }
        guard let third = reader.readBit() else { return false }
        if !third { return readWindow(new: true) }
        value = Double(bitPattern: Double.staleMarkerBitPattern)
        return true
    }

    /// The XOR bits in the previous window, or in a new one read first.
    private mutating func readWindow(new: Bool) -> Bool {
        if new {
            guard let l = reader.read(bits: 5), let m = reader.read(bits: 6) else { return false }
            let significant = m == 0 ? 64 : Int(m)
            guard Int(l) + significant <= 64 else { return false }
            leading = UInt8(l)
            trailing = UInt8(64 - Int(l) - significant)
        }
        let significant = 64 - Int(leading) - Int(trailing)
        guard significant > 0, let bits = reader.read(bits: significant) else { return false }
        baselineBits ^= bits << UInt64(trailing)
        value = Double(bitPattern: baselineBits)
        return true
    }

    private mutating func fail(_ what: String) -> Bool {
        end = 0
        error = .corruptChunk(reason: "\(what) of sample \(read + 1) of \(total) in XOR2 chunk runs past the end or is invalid")
        return false
    }
}
