/// A set of ASCII bytes, for the lexer's `accept` calls without per-call string scanning.
struct ByteSet {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    init(_ characters: StaticString) {
        characters.withUTF8Buffer { buffer in
            for byte in buffer {
                if byte < 64 { low |= 1 << UInt64(byte) } else if byte < 128 { high |= 1 << UInt64(byte - 64) }
            }
        }
    }

    private init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    func contains(_ rune: UInt32) -> Bool {
        if rune < 64 { return low & (1 << UInt64(rune)) != 0 }
        if rune < 128 { return high & (1 << UInt64(rune - 64)) != 0 }
        return false
    }

    func union(_ other: ByteSet) -> ByteSet { ByteSet(low: low | other.low, high: high | other.high) }

    static let equals = ByteSet("=")
    static let slash = ByteSet("/")
    static let tilde = ByteSet("~")
    static let durationUnits = ByteSet("smhdwy")
    static let durationUnitsAfterFirst = ByteSet("smhdw")
    static let letterS = ByteSet("s")
    static let decimalDigits = ByteSet("0123456789")
    static let hexDigits = ByteSet("0123456789abcdefABCDEF")
    static let zero = ByteSet("0")
    static let hexMarker = ByteSet("xX")
    static let underscore = ByteSet("_")
    static let dot = ByteSet(".")
    static let exponent = ByteSet("eE")
    static let underscoreOrDot = ByteSet("_.")
    static let sign = ByteSet("+-")
    static let afterExponentOrSeparator = ByteSet("._eE")
}
