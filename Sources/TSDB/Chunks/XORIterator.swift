/// Decodes an `XORChunk`'s samples one at a time without allocating.
///
/// Use as Prometheus's iterators: `while it.next() { use(it.timestamp, it.value) }`, then check
/// `error` once: it is sticky, and after it is set `next()` keeps returning `false`. Reuse one
/// iterator across chunks with `reset(bytes:range:)`. Corrupt bytes end iteration with
/// `TSDBError.corruptChunk`; they never trap.
package struct XORIterator: Sendable {
    private var reader = BitReader()
    private var total = 0
    /// `total`, or 0 once `error` is set: `next()` checks only this.
    private var end = 0
    private var read = 0
    private var delta: UInt64 = 0
    private var leading: UInt8 = 0
    private var trailing: UInt8 = 0
    /// `64 - leading - trailing`: the width of the value window.
    private var significant = 64

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
        significant = 64
        timestamp = .min
        value = 0
        error = nil
        guard range.count >= 2, range.lowerBound >= 0, range.upperBound <= bytes.count else {
            reader = BitReader()
            total = 0
            end = 0
            error = .corruptChunk(reason: "chunk of \(range.count) bytes has no 2-byte header")
            return
        }
        total = Int(bytes[range.lowerBound]) << 8 | Int(bytes[range.lowerBound + 1])
        end = total
        reader = BitReader(bytes: bytes, range: (range.lowerBound + 2)..<range.upperBound)
    }

    /// The number of samples the chunk header announces.
    package var count: Int { total }

    var bitPosition: Int { reader.bitPosition }

    var appendState: (delta: UInt64, leading: UInt8, trailing: UInt8) { (delta, leading, trailing) }

    /// Advances to the next sample; `false` at the end or on error (see `error`).
    @inline(__always)
    package mutating func next() -> Bool {
        guard read < end else { return false }
        if read >= 2, reader.remainingBits >= 64 {
            // Fast path: the timestamp's bucket and delta-of-delta (at most 24 bits) and
            // usually the value from one word. A delta-of-delta of 0 (regular scrapes) is
            // one bit.
            let word = reader.peekWord()
            // One case per bucket, so every shift is by a constant (variable shifts cost
            // several micro-ops on x86 without BMI2); the bucket rarely changes from one
            // sample to the next, so the branches predict well.
            let used: Int, rest: UInt64
            if word >> 63 == 0 {
                (used, rest) = (1, word &<< 1)
            } else if word >> 62 == 0b10 {
                delta = delta &+ XORIterator.deltaOfDelta(atTopOf: word &<< 2, bits: 14)
                (used, rest) = (16, word &<< 16)
            } else if word >> 61 == 0b110 {
                delta = delta &+ XORIterator.deltaOfDelta(atTopOf: word &<< 3, bits: 17)
                (used, rest) = (20, word &<< 20)
            } else if word >> 60 == 0b1110 {
                delta = delta &+ XORIterator.deltaOfDelta(atTopOf: word &<< 4, bits: 20)
                (used, rest) = (24, word &<< 24)
            } else {
                return nextSlowly()
            }
            timestamp = timestamp &+ Int64(bitPattern: delta)
            let valueBits = valueFromWord(rest, available: 57 &- used)
            if valueBits > 0 {
                reader.skip(used &+ valueBits)
                read &+= 1
                return true
            }
            reader.skip(used)
            return readValueSlowly()
        }
        return nextSlowly()
    }

    /// The delta-of-delta in the top `bits` bits of `top`. Those bits v stand for
    /// 1...2^(bits-1) as such and for negatives above that (see XORChunk.fits): that is
    /// v - 1 sign-extended, plus 1, which a subtraction at the top and an arithmetic shift do.
    @inline(__always)
    private static func deltaOfDelta(atTopOf top: UInt64, bits: UInt64) -> UInt64 {
        UInt64(bitPattern: Int64(bitPattern: top &- (1 &<< (64 &- bits))) &>> Int64(bitPattern: 64 &- bits) &+ 1)
    }

    /// The first two samples, 64-bit delta-of-deltas, and the end of the chunk, bit by bit.
    private mutating func nextSlowly() -> Bool {
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
            let used = valueFromWord(reader.peekWord(), available: 57)
            if used > 0 {
                reader.skip(used)
                read &+= 1
                return true
            }
        }
        return readValueSlowly()
    }

    /// Decodes a value from the top bits of `word`, the first `available` of which are the
    /// stream's: an unchanged value, one in the previous window, or one with a new window.
    /// Returns the bits used, or 0 (nothing changed) when they are not enough or the window
    /// is invalid, for `readValueSlowly()`.
    @inline(__always)
    private mutating func valueFromWord(_ word: UInt64, available: Int) -> Int {
        if word >> 63 == 0 { return 1 }
        if (word &<< 1) >> 63 == 0 {
            guard 2 &+ significant <= available else { return 0 }
            let bits = (word &<< 2) &>> UInt64(truncatingIfNeeded: 64 &- significant)
            value = Double(bitPattern: value.bitPattern ^ (bits &<< UInt64(trailing)))
            return 2 &+ significant
        }
        // `11`, 5 bits of leading zeros, 6 of significant-bit count (0 stands for 64).
        let newLeading = Int(truncatingIfNeeded: (word &<< 2) &>> 59)
        let count = Int(truncatingIfNeeded: (word &<< 7) &>> 58)
        guard count > 0, 13 &+ count <= available, newLeading &+ count <= 64 else { return 0 }
        leading = UInt8(truncatingIfNeeded: newLeading)
        trailing = UInt8(truncatingIfNeeded: 64 &- newLeading &- count)
        significant = count
        let bits = (word &<< 13) &>> UInt64(truncatingIfNeeded: 64 &- count)
        value = Double(bitPattern: value.bitPattern ^ (bits &<< UInt64(trailing)))
        return 13 &+ count
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
                self.significant = significant
            }
            guard let bits = reader.read(bits: significant) else { return fail("value bits") }
            value = Double(bitPattern: value.bitPattern ^ (bits << UInt64(trailing)))
        }
        read += 1
        return true
    }

    private mutating func fail(_ what: String) -> Bool {
        end = 0
        error = .corruptChunk(reason: "\(what) of sample \(read + 1) of \(total) runs past the end")
        return false
    }
}
