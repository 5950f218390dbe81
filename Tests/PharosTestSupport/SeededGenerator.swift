/// SplitMix64: a fixed-seed generator, so fuzz-style and randomized tests repeat exactly.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is fully determined by `seed`.
    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15  // wrapping by design: SplitMix64's Weyl sequence
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// `bytes` with one to four random edits (replace, remove or insert a byte of `alphabet`),
    /// for fuzz-style tests of parsers.
    package mutating func mutate(_ bytes: [UInt8], alphabet: [UInt8]) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<(1 + next() % 4) {
            if bytes.isEmpty { break }
            let index = Int(next() % UInt64(bytes.count))
            switch next() % 3 {
            case 0: bytes[index] = alphabet[Int(next() % UInt64(alphabet.count))]
            case 1: bytes.remove(at: index)
            default: bytes.insert(alphabet[Int(next() % UInt64(alphabet.count))], at: index)
            }
        }
        return bytes
    }
}
