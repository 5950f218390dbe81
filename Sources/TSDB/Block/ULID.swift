/// A ULID: 48 bits of Unix milliseconds then 80 random bits, written as 26 Crockford base32
/// characters. Prometheus names each block directory by one (`oklog/ulid`), so names sort by
/// creation time.
package struct ULID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 128 bits, most significant first.
    package let high: UInt64, low: UInt64

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A ULID from a timestamp and 80 bits of randomness (only the low 16 bits of `randomHigh` count).
    package init(milliseconds: UInt64, randomHigh: UInt16, randomLow: UInt64) {
        high = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | UInt64(randomHigh)
        low = randomLow
    }

    /// A fresh ULID for `milliseconds` (Unix time) using `generator` for the random part.
    package static func make(milliseconds: UInt64, using generator: inout some RandomNumberGenerator) -> ULID {
        ULID(milliseconds: milliseconds, randomHigh: UInt16.random(in: .min ... .max, using: &generator),
             randomLow: UInt64.random(in: .min ... .max, using: &generator))
    }

    /// A fresh ULID for `milliseconds` with system randomness.
    package static func make(milliseconds: UInt64) -> ULID {
        var generator = SystemRandomNumberGenerator()
        return make(milliseconds: milliseconds, using: &generator)
    }

    /// Parses the 26-character text form (case-insensitive); `nil` if malformed or overflowing.
    package init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 26 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, character) in utf8.enumerated() {
            let upper = character >= 0x61 && character <= 0x7A ? character - 0x20 : character
            guard let digit = Self.alphabet.firstIndex(of: upper) else { return nil }
            if index == 0, digit > 7 { return nil }  // 130 bits of text, 128 of value
            high = high << 5 | low >> 59
            low = low << 5 | UInt64(digit)
        }
        self.high = high
        self.low = low
    }

    /// The creation time in Unix milliseconds.
    package var milliseconds: UInt64 { high >> 16 }

    package var description: String {
        var characters = [UInt8](repeating: 0, count: 26)
        var high = self.high, low = self.low
        for index in stride(from: 25, through: 0, by: -1) {
            characters[index] = Self.alphabet[Int(low & 31)]
            low = low >> 5 | (high & 31) << 59
            high >>= 5
        }
        return String(decoding: characters, as: UTF8.self)
    }

    package static func < (lhs: ULID, rhs: ULID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
