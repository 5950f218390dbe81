/// A matcher over UTF-8 bytes that answers, without RE2, the same as RE2 would for the regex it
/// was built from (as the string matchers of Prometheus's `model/labels/regexp.go`).
///
/// Every comparison is on bytes, as RE2 compares: Swift's `String ==` would treat canonically
/// equivalent strings (`"é"` and `"e\u{301}"`) as equal, RE2 does not. Nothing here allocates.
indirect enum StringMatcher: Sendable, Equatable {
    /// `.*`: anything.
    case any
    /// `.+`: anything but the empty string.
    case nonEmpty
    /// `.?`: the empty string or one character.
    case optionalChar
    /// The empty string only.
    case empty
    /// Exactly these bytes.
    case equal([UInt8])
    /// These ASCII bytes under `(?i)`: see `foldPrefixLength`.
    case equalFold([UInt8])
    /// One of these byte strings, sorted (binary search beyond a few).
    case set([[UInt8]])
    /// Any of these.
    case or([StringMatcher])
    /// The literal at the start, then `rest` for what follows.
    case prefix([UInt8], fold: Bool, rest: StringMatcher)
    /// `rest` for what precedes, then the literal at the end.
    case suffix([UInt8], fold: Bool, rest: StringMatcher)
    /// `left`, one of `substrings` somewhere, then `right` (case-sensitive).
    case contains(left: StringMatcher, substrings: [[UInt8]], right: StringMatcher)

    /// Whether all of `s` matches.
    func matches(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .any:
            return true
        case .nonEmpty:
            return !s.isEmpty
        case .optionalChar:
            return s.isEmpty || Self.scalarLength(leadByte: s[0]) == s.count
        case .empty:
            return s.isEmpty
        case .equal(let literal):
            return Self.equal(s, literal)
        case .equalFold(let literal):
            return Self.foldPrefixLength(s, literal) == s.count
        case .set(let values):
            return Self.setContains(values, s)
        case .or(let matchers):
            return matchers.contains { $0.matches(s) }
        case .prefix(let literal, let fold, let rest):
            let length = fold ? Self.foldPrefixLength(s, literal) : (Self.hasPrefix(s, literal) ? literal.count : nil)
            guard let length else { return false }
            return rest.matches(UnsafeBufferPointer(rebasing: s[length...]))
        case .suffix(let literal, let fold, let rest):
            let length = fold ? Self.foldSuffixLength(s, literal) : (Self.hasSuffix(s, literal) ? literal.count : nil)
            guard let length else { return false }
            return rest.matches(UnsafeBufferPointer(rebasing: s[..<(s.count - length)]))
        case .contains(let left, let substrings, let right):
            for substring in substrings {
                // Every occurrence is a candidate split: left before it, right after it.
                var from = 0
                while let position = Self.firstIndex(of: substring, in: s, from: from) {
                    if left.matches(UnsafeBufferPointer(rebasing: s[..<position])),
                        right.matches(UnsafeBufferPointer(rebasing: s[(position + substring.count)...]))
                    {
                        return true
                    }
                    from = position + 1
                }
            }
            return false
        }
    }

    /// The number of bytes of the UTF-8 sequence a lead byte starts. Inputs are valid UTF-8
    /// (they come from `String`s), so a lead byte is never a stray continuation byte.
    static func scalarLength(leadByte byte: UInt8) -> Int {
        switch byte {
        case 0xF0...0xF4: 4
        case 0xE0...0xEF: 3
        case 0xC2...0xDF: 2
        default: 1
        }
    }

    static func equal(_ s: UnsafeBufferPointer<UInt8>, _ literal: [UInt8]) -> Bool {
        s.count == literal.count && s.elementsEqual(literal)
    }

    static func hasPrefix(_ s: UnsafeBufferPointer<UInt8>, _ literal: [UInt8]) -> Bool {
        s.count >= literal.count && s.prefix(literal.count).elementsEqual(literal)
    }

    static func hasSuffix(_ s: UnsafeBufferPointer<UInt8>, _ literal: [UInt8]) -> Bool {
        s.count >= literal.count && s.suffix(literal.count).elementsEqual(literal)
    }

    /// The first position at or after `from` where `needle` occurs in `s`.
    static func firstIndex(of needle: [UInt8], in s: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let first = needle.first else { return from <= s.count ? from : nil }
        guard s.count >= needle.count else { return nil }
        var position = from
        let last = s.count - needle.count
        while position <= last {
            if s[position] == first, s[position..<(position + needle.count)].elementsEqual(needle) {
                return position
            }
            position += 1
        }
        return nil
    }

    /// Whether `values` (sorted by bytes) holds `s`.
    static func setContains(_ values: [[UInt8]], _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        if values.count <= 8 { return values.contains { equal(s, $0) } }
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle].lexicographicallyPrecedes(s) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < values.count && equal(s, values[low])
    }

    /// How many bytes at the start of `s` match the ASCII `literal` under RE2's `(?i)`, or `nil`.
    ///
    /// RE2 folds case with Unicode's simple case folding orbits. For ASCII letters the orbits
    /// are `{x, X}`, except `{k, K, U+212A KELVIN SIGN}` and `{s, S, U+017F LONG S}`: those two
    /// non-ASCII members are the reason this is not a plain ASCII case-insensitive compare.
    static func foldPrefixLength(_ s: UnsafeBufferPointer<UInt8>, _ literal: [UInt8]) -> Int? {
        var at = 0
        for byte in literal {
            guard at < s.count else { return nil }
            let input = s[at]
            if input == byte || (isASCIILetter(byte) && input == byte ^ 0x20) {
                at += 1
            } else if let extra = extraFoldMember(byte), at + extra.count <= s.count,
                s[at..<(at + extra.count)].elementsEqual(extra)
            {
                at += extra.count
            } else {
                return nil
            }
        }
        return at
    }

    /// As `foldPrefixLength`, matching `literal` against the end of `s`.
    static func foldSuffixLength(_ s: UnsafeBufferPointer<UInt8>, _ literal: [UInt8]) -> Int? {
        var end = s.count
        for byte in literal.reversed() {
            guard end > 0 else { return nil }
            let input = s[end - 1]
            if input == byte || (isASCIILetter(byte) && input == byte ^ 0x20) {
                end -= 1
            } else if let extra = extraFoldMember(byte), end >= extra.count,
                s[(end - extra.count)..<end].elementsEqual(extra)
            {
                end -= extra.count
            } else {
                return nil
            }
        }
        return s.count - end
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static let kelvinSign: [UInt8] = [0xE2, 0x84, 0xAA]
    private static let longS: [UInt8] = [0xC5, 0xBF]

    private static func extraFoldMember(_ byte: UInt8) -> [UInt8]? {
        switch byte | 0x20 {
        case UInt8(ascii: "k"): kelvinSign
        case UInt8(ascii: "s"): longS
        default: nil
        }
    }
}
