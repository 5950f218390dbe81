/// Upstream's `varbit` integers (`tsdb/chunkenc/varbit.go`): a prefix of up to eight 1-bits
/// ended by a 0 choosing the width, then the value in two's complement. The start-timestamp
/// deltas of `XOR2Chunk` use them.
///
/// ```
/// 0           value 0
/// 10   + 3    -3 ... 4            11110 + 12   -2047 ... 2048
/// 110  + 6    -31 ... 32          111110 + 18  -131071 ... 131072
/// 1110 + 9    -255 ... 256        1111110 + 25, 11111110 + 56, 11111111 + 64
/// ```
enum VarbitInt {
    /// Bit widths after the prefixes `10`, `110`, … `11111110`.
    static let widths = [3, 6, 9, 12, 18, 25, 56]
}

extension BitWriter {
    /// Writes `value` as a varbit integer, prefix and value in one write (upstream's
    /// `putVarbitIntFast`).
    mutating func writeVarbitInt(_ value: Int64) {
        if value == 0 {
            writeFast(0, bits: 1)
            return
        }
        let bits = UInt64(bitPattern: value)
        for (index, width) in VarbitInt.widths.enumerated() where XORChunk.fits(value, bits: width) {
            // `index + 1` ones and a zero, then the value's low `width` bits.
            let prefixLength = index + 2
            let prefix = (UInt64(1) << UInt64(prefixLength)) - 2
            writeFast(prefix << UInt64(width) | bits & ((1 << UInt64(width)) - 1), bits: prefixLength + width)
            return
        }
        writeFast(0xFF, bits: 8)
        writeFast(bits, bits: 64)
    }
}

extension BitReader {
    /// Reads a varbit integer; `nil` when the stream ends inside it.
    mutating func readVarbitInt() -> Int64? {
        if remainingBits >= 64 {
            // Prefix and value from one word for the widths up to 25 bits (32 bits in all).
            let word = peekWord()
            let ones = (~word).leadingZeroBitCount
            if ones == 0 {
                skip(1)
                return 0
            }
            if ones <= 6 {
                let width = VarbitInt.widths[ones &- 1], prefixLength = ones &+ 1
                var bits = (word &<< UInt64(prefixLength)) >> UInt64(64 &- width)
                if bits > 1 << UInt64(width &- 1) { bits = bits &- (1 << UInt64(width)) }
                skip(prefixLength &+ width)
                return Int64(bitPattern: bits)
            }
        }
        var ones = 0
        while ones < 8 {
            guard let bit = readBit() else { return nil }
            if !bit { break }
            ones += 1
        }
        if ones == 0 { return 0 }
        if ones == 8 { return read(bits: 64).map { Int64(bitPattern: $0) } }
        let width = VarbitInt.widths[ones - 1]
        guard var bits = read(bits: width) else { return nil }
        // Patterns above 2^(width-1) stand for negative numbers (see XORChunk.fits).
        if bits > 1 << UInt64(width - 1) { bits = bits &- (1 << UInt64(width)) }
        return Int64(bitPattern: bits)
    }
}
