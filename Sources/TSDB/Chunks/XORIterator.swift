/// Decodes an `XORChunk`'s samples one at a time without allocating.
///
/// Use as Prometheus's iterators: `while it.next() { use(it.timestamp, it.value) }`, then check
/// `error` once: it is sticky, and after it is set `next()` keeps returning `false`. Reuse one
/// iterator across chunks with `reset(bytes:range:)`. Corrupt bytes end iteration with
/// `TSDBError.corruptChunk`; they never trap.
package struct XORIterator: Sendable {
    private var reader = BitReader()
    private var total = 0
    private var read = 0
    private var delta: UInt64 = 0
    private var leading: UInt8 = 0
    private var trailing: UInt8 = 0

    /// The current sample's timestamp (valid after `next()` returned `true`).
    package private(set) var timestamp: Int64 = .min
    /// The current sample's value (valid after `next()` returned `true`).
    package private(set) var value: Double = 0
    /// Why iteration stopped early, if it did.
    package private(set) var error: TSDBError?

    /// An iterator over nothing; call `reset(bytes:range:)`.
    package init() {}

    /// An iterator over `chunk`'s samples.
    package init(_ chunk: XORChunk) {
        let bytes = chunk.bytes
        reset(bytes: bytes, range: bytes.indices)
    }

    /// Starts over on the chunk stored in `bytes[range]` (header included). The array is
    /// shared, not copied: a chunk file's buffer can be iterated in place.
    package mutating func reset(bytes: [UInt8], range: Range<Int>) {
        read = 0
        delta = 0
        leading = 0
        trailing = 0
        timestamp = .min
        value = 0
        error = nil
        guard range.count >= 2, range.lowerBound >= 0, range.upperBound <= bytes.count else {
            reader = BitReader()
            total = 0
            error = .corruptChunk(reason: "chunk of \(range.count) bytes has no 2-byte header")
            return
        }
        total = Int(bytes[range.lowerBound]) << 8 | Int(bytes[range.lowerBound + 1])
        reader = BitReader(bytes: bytes, range: (range.lowerBound + 2)..<range.upperBound)
    }

    /// The number of samples the chunk header announces.
    package var count: Int { total }

    var bitPosition: Int { reader.bitPosition }

    var appendState: (delta: UInt64, leading: UInt8, trailing: UInt8) { (delta, leading, trailing) }

    /// Advances to the next sample; `false` at the end or on error (see `error`).
    @inline(__always)
    package mutating func next() -> Bool {
        guard error == nil, read < total else { return false }
        if read == 0 {
            guard let t = Varint.readSigned({ reader.readByte() }) else {
                return fail("first timestamp")
            }
            guard let bits = reader.read(bits: 64) else { return fail("first value") }
            timestamp = t
            value = Double(bitPattern: bits)
            read = 1
            return true
        }
        if read == 1 {
            guard let d = Varint.readUnsigned({ reader.readByte() }) else {
                return fail("second timestamp delta")
            }
            delta = d
            timestamp = timestamp &+ Int64(bitPattern: d)  // wraps as Go's int64 addition
            return readValue()
        }
        if reader.remainingBits >= 64 {
            // Fast path: bucket prefix and delta-of-delta (at most 24 bits) from one word.
            let word = reader.peekWord()
            let ones = (~word).leadingZeroBitCount
            if ones < 4 {
                let size = ones == 0 ? 0 : ones == 1 ? 14 : ones == 2 ? 17 : 20
                var dod: Int64 = 0
                if size > 0 {
                    var bits = (word << UInt64(ones &+ 1)) >> UInt64(64 &- size)
                    if bits > 1 << UInt64(size &- 1) { bits = bits &- (1 << UInt64(size)) }
                    dod = Int64(bitPattern: bits)
                }
                reader.skip(ones &+ 1 &+ size)
                delta = delta &+ UInt64(bitPattern: dod)
                timestamp = timestamp &+ Int64(bitPattern: delta)
                return readValue()
            }
        }
        var prefix = 0
        for _ in 0..<4 {
            guard let bit = reader.readBit() else { return fail("timestamp bucket") }
            if !bit { break }
            prefix += 1
        }
        var dod: Int64 = 0
        let size: Int
        switch prefix {
        case 0: size = 0
        case 1: size = 14
        case 2: size = 17
        case 3: size = 20
        default: size = 64
        }
        if size == 64 {
            guard let bits = reader.read(bits: 64) else { return fail("64-bit timestamp delta-of-delta") }
            dod = Int64(bitPattern: bits)
        } else if size > 0 {
            guard var bits = reader.read(bits: size) else { return fail("timestamp delta-of-delta") }
            // Negative values come back as large unsigned ones (see XORChunk.fits).
            if bits > 1 << UInt64(size - 1) { bits = bits &- (1 << UInt64(size)) }
            dod = Int64(bitPattern: bits)
        }
        delta = delta &+ UInt64(bitPattern: dod)
        timestamp = timestamp &+ Int64(bitPattern: delta)
        return readValue()
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

    @inline(__always)
    private mutating func readValue() -> Bool {
        if reader.remainingBits >= 64 {
            // Fast paths from one word: an unchanged value, or one in the previous window.
            let word = reader.peekWord()
            if word >> 63 == 0 {
                reader.skip(1)
                read &+= 1
                return true
            }
            let significant = 64 &- Int(leading) &- Int(trailing)
            if (word << 1) >> 63 == 0 && significant <= 55 {
                let bits = (word << 2) >> UInt64(64 &- significant)
                reader.skip(2 &+ significant)
                value = Double(bitPattern: value.bitPattern ^ (bits << UInt64(trailing)))
                read &+= 1
                return true
            }
        }
        return readValueSlowly()
    }

    private mutating func readValueSlowly() -> Bool {
        guard let changed = reader.readBit() else { return fail("value control bit") }
        if changed {
            guard let newWindow = reader.readBit() else { return fail("value window bit") }
            if newWindow {
                guard let l = reader.read(bits: 5), let m = reader.read(bits: 6) else {
                    return fail("value window")
                }
                let significant = m == 0 ? 64 : Int(m)
                guard Int(l) + significant <= 64 else {
                    return fail("value window of \(l) leading zeros and \(significant) significant bits")
                }
                leading = UInt8(l)
                trailing = UInt8(64 - Int(l) - significant)
            }
            let significant = 64 - Int(leading) - Int(trailing)
            guard let bits = reader.read(bits: significant) else { return fail("value bits") }
            value = Double(bitPattern: value.bitPattern ^ (bits << UInt64(trailing)))
        }
        read += 1
        return true
    }

    private mutating func fail(_ what: String) -> Bool {
        error = .corruptChunk(reason: "\(what) of sample \(read + 1) of \(total) runs past the end")
        return false
    }
}
