/// Writes floats as Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which Prometheus and its
/// client libraries use for sample values: the shortest digits that round-trip, in exponent
/// form when the decimal exponent is below -4 or at least 6 (`1e-05`, `123456`,
/// `2.478268416e+09`), and `+Inf`, `-Inf`, `NaN`.
package enum FloatFormatting {
    /// Appends `value` to `out` as Go's `FormatFloat(value, 'g', -1, 64)` does.
    package static func append(_ value: Double, to out: inout [UInt8]) {
        if value.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if value.isInfinite { out.append(contentsOf: (value < 0 ? "-Inf" : "+Inf").utf8); return }
        if value == 0 { out.append(contentsOf: (value.sign == .minus ? "-0" : "0").utf8); return }
        // Integers below 10^6 print exactly and without an exponent.
        if value == value.rounded(.towardZero), abs(value) < 1e6 {
            out.append(contentsOf: String(Int64(value)).utf8)
            return
        }
        let (negative, digits, decimalPoint) = shortestDigits(value)
        if negative { out.append(UInt8(ascii: "-")) }
        let x = decimalPoint - 1  // exponent in d.ddd form
        // Go's %g with shortest precision uses %e when x < -4 || x >= 6 (`eprec = 6` in
        // strconv/ftoa.go).
        if x < -4 || x >= 6 {
            appendExponent(digits, x, to: &out)
        } else {
            appendFixed(digits, decimalPoint, to: &out)
        }
    }

    /// Appends `value` as the Prometheus HTTP API writes sample values (`jsonutil.MarshalValue`,
    /// unquoted): Go's shortest `'f'` form, or `'e'` below 1e-6 and from 1e21 on.
    package static func appendJSONValue(_ value: Double, to out: inout [UInt8]) {
        if value.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if value.isInfinite { out.append(contentsOf: (value < 0 ? "-Inf" : "+Inf").utf8); return }
        if value == 0 { out.append(contentsOf: (value.sign == .minus ? "-0" : "0").utf8); return }
        let (negative, digits, decimalPoint) = shortestDigits(value)
        if negative { out.append(UInt8(ascii: "-")) }
        let magnitude = abs(value)
        if magnitude < 1e-6 || magnitude >= 1e21 {
            appendExponent(digits, decimalPoint - 1, to: &out)
        } else {
            appendFixed(digits, decimalPoint, to: &out)
        }
    }

    /// Appends `value` as Go's `FormatFloat(value, 'f', -1, 64)` does (client_golang's
    /// `SampleValue.String`): the shortest round-trip digits, never an exponent.
    package static func appendGoFixed(_ value: Double, to out: inout [UInt8]) {
        if value.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if value.isInfinite { out.append(contentsOf: (value < 0 ? "-Inf" : "+Inf").utf8); return }
        if value == 0 { out.append(contentsOf: (value.sign == .minus ? "-0" : "0").utf8); return }
        let (negative, digits, decimalPoint) = shortestDigits(value)
        if negative { out.append(UInt8(ascii: "-")) }
        appendFixed(digits, decimalPoint, to: &out)
    }

    /// The shortest round-trip decimal digits of a finite non-zero `value`, without leading
    /// or trailing zeros, and where the decimal point falls after them.
    private static func shortestDigits(_ value: Double) -> (negative: Bool, digits: [UInt8], decimalPoint: Int) {
        // Swift's description gives the shortest round-trip digits; re-lay them out as Go.
        let text = value.description
        var digits: [UInt8] = []
        var exponent = 0, pointSeen = false, negative = false, digitsBeforePoint = 0
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): pointSeen = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var rest: [UInt8] = []
                while let next = iterator.next() { rest.append(next) }
                exponent = Int(String(decoding: rest, as: UTF8.self)) ?? 0
            default:
                digits.append(byte)
                if !pointSeen { digitsBeforePoint += 1 }
            }
        }
        // Normalise: strip leading zeros (adjusting the point) and trailing zeros.
        var decimalPoint = digitsBeforePoint + exponent  // position of the point after digits[0...]
        while let first = digits.first, first == UInt8(ascii: "0"), digits.count > 1 {
            digits.removeFirst()
            decimalPoint -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0"), digits.count > 1 { digits.removeLast() }
        return (negative, digits, decimalPoint)
    }

    /// `d.ddde±XX`, Go's `'e'` layout.
    private static func appendExponent(_ digits: [UInt8], _ x: Int, to out: inout [UInt8]) {
        out.append(digits[0])
        if digits.count > 1 {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[1...])
        }
        out.append(UInt8(ascii: "e"))
        out.append(x < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let magnitude = abs(x)
        if magnitude < 10 { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: String(magnitude).utf8)
    }

    /// Plain decimal digits with the point after `decimalPoint` of them, Go's `'f'` layout.
    private static func appendFixed(_ digits: [UInt8], _ decimalPoint: Int, to out: inout [UInt8]) {
        if decimalPoint <= 0 {
            out.append(contentsOf: "0.".utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -decimalPoint))
            out.append(contentsOf: digits)
        } else if decimalPoint >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: decimalPoint - digits.count))
        } else {
            out.append(contentsOf: digits[..<decimalPoint])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[decimalPoint...])
        }
    }
}
