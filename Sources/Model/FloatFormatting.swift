/// Writes floats as Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which Prometheus and its
/// client libraries use for sample values: the shortest digits that round-trip, in exponent
/// form when the decimal exponent is below -4 or at least 6 (`1e-05`, `123456`,
/// `2.478268416e+09`), and `+Inf`, `-Inf`, `NaN`.
package enum FloatFormatting {
    /// Appends `value` to `out` as Go's `FormatFloat(value, 'g', -1, 64)` does.
    package static func append(_ value: Double, to out: inout [UInt8]) {
        if appendSpecial(value, to: &out) { return }
        // Integers below 10^6 print exactly and without an exponent.
        if value == value.rounded(.towardZero), abs(value) < 1e6 {
            out.append(contentsOf: String(Int64(value)).utf8)
            return
        }
        withShortestDigits(value) { digits, decimalPoint in
            if value < 0 { out.append(UInt8(ascii: "-")) }
            let x = decimalPoint - 1  // exponent in d.ddd form
            // Go's %g with shortest precision uses %e when x < -4 || x >= 6 (`eprec = 6` in
            // strconv/ftoa.go).
            if x < -4 || x >= 6 {
                appendExponent(digits, x, to: &out)
            } else {
                appendFixed(digits, decimalPoint, to: &out)
            }
        }
    }

    /// Appends `value` as the Prometheus HTTP API writes sample values (`jsonutil.MarshalValue`,
    /// unquoted): Go's shortest `'f'` form, or `'e'` below 1e-6 and from 1e21 on.
    package static func appendJSONValue(_ value: Double, to out: inout [UInt8]) {
        if appendSpecial(value, to: &out) { return }
        withShortestDigits(value) { digits, decimalPoint in
            if value < 0 { out.append(UInt8(ascii: "-")) }
            let magnitude = abs(value)
            if magnitude < 1e-6 || magnitude >= 1e21 {
                appendExponent(digits, decimalPoint - 1, to: &out)
            } else {
                appendFixed(digits, decimalPoint, to: &out)
            }
        }
    }

    /// `value` as Go's `FormatFloat(value, 'f', -1, 64)` writes it (see `appendGoFixed`).
    package static func goFixed(_ value: Double) -> String {
        var out: [UInt8] = []
        appendGoFixed(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `value` as Go's `FormatFloat(value, 'f', -1, 64)` does (client_golang's
    /// `SampleValue.String`): the shortest round-trip digits, never an exponent.
    package static func appendGoFixed(_ value: Double, to out: inout [UInt8]) {
        if appendSpecial(value, to: &out) { return }
        withShortestDigits(value) { digits, decimalPoint in
            if value < 0 { out.append(UInt8(ascii: "-")) }
            appendFixed(digits, decimalPoint, to: &out)
        }
    }

    /// Appends `NaN`, `+Inf`, `-Inf`, `0` or `-0` (every Go format writes them alike) and
    /// returns true, or returns false for any other value.
    private static func appendSpecial(_ value: Double, to out: inout [UInt8]) -> Bool {
        if value.isNaN {
            out.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            out.append(contentsOf: (value < 0 ? "-Inf" : "+Inf").utf8)
        } else if value == 0 {
            out.append(contentsOf: (value.sign == .minus ? "-0" : "0").utf8)
        } else {
            return false
        }
        return true
    }

    /// Calls `body` with the shortest round-trip decimal digits of a finite non-zero `value`
    /// (without sign, leading or trailing zeros) and where the decimal point falls after them.
    /// The digits live on the stack: formatting a value allocates nothing beyond what
    /// `description` does (nothing for up to 15 characters).
    private static func withShortestDigits<R>(_ value: Double, _ body: (UnsafeBufferPointer<UInt8>, Int) -> R) -> R {
        // Swift's description gives the shortest round-trip digits (at most 17); re-lay them
        // out as Go.
        var text = value.description
        return text.withUTF8 { utf8 in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count) { buffer in
                var count = 0
                var exponent = 0, exponentNegative = false, inExponent = false
                var pointSeen = false, digitsBeforePoint = 0
                for byte in utf8 {
                    switch byte {
                    case UInt8(ascii: "-"): if inExponent { exponentNegative = true }
                    case UInt8(ascii: "+"): break
                    case UInt8(ascii: "."): pointSeen = true
                    case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
                    default:
                        if inExponent {
                            exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                        } else {
                            buffer[count] = byte
                            count += 1
                            if !pointSeen { digitsBeforePoint += 1 }
                        }
                    }
                }
                if exponentNegative { exponent = -exponent }
                // Normalise: strip leading zeros (adjusting the point) and trailing zeros.
                var decimalPoint = digitsBeforePoint + exponent  // position of the point after the first digit run
                var first = 0
                while first < count - 1, buffer[first] == UInt8(ascii: "0") {
                    first += 1
                    decimalPoint -= 1
                }
                while count - first > 1, buffer[count - 1] == UInt8(ascii: "0") { count -= 1 }
                return body(UnsafeBufferPointer(rebasing: buffer[first..<count]), decimalPoint)
            }
        }
    }

    /// `d.ddde±XX`, Go's `'e'` layout.
    private static func appendExponent(_ digits: UnsafeBufferPointer<UInt8>, _ x: Int, to out: inout [UInt8]) {
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
    private static func appendFixed(_ digits: UnsafeBufferPointer<UInt8>, _ decimalPoint: Int, to out: inout [UInt8]) {
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
