/// Number syntax shared by the text parsers, over bytes with no `String` on the fast path.
///
/// Both formats accept plain decimals with an optional exponent, `Inf`/`Infinity` with an
/// optional sign, and `NaN` (letters in any case, as Go's `strconv.ParseFloat`). Hex, octal,
/// binary, hex floats and `_` separators are refused, as the OpenMetrics suite requires.
enum NumberParsing {
    /// A decimal number split into digits and a power of ten: `mantissa × 10^exponent`.
    struct Decimal {
        var isNegative = false
        var mantissa: UInt64 = 0
        var exponent = 0
        /// Set when more than 19 significant digits were seen: `mantissa` is then truncated.
        var isTruncated = false
    }

    enum Parsed {
        case decimal(Decimal)
        case infinity(negative: Bool)
        case nan
    }

    /// Exact powers of ten a `Double` holds (Clinger's fast path uses 10^0 … 10^22).
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Scans `buffer[range]` as a number; `nil` if the syntax is not allowed.
    static func scan(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Parsed? {
        var i = range.lowerBound
        let end = range.upperBound
        guard i < end else { return nil }
        var negative = false
        if buffer[i] == UInt8(ascii: "+") || buffer[i] == UInt8(ascii: "-") {
            negative = buffer[i] == UInt8(ascii: "-")
            i += 1
            guard i < end else { return nil }
        }
        let first = buffer[i] | 0x20
        if first == UInt8(ascii: "i") {
            return matchesWord(buffer, i..<end, "inf") || matchesWord(buffer, i..<end, "infinity")
                ? .infinity(negative: negative) : nil
        }
        if first == UInt8(ascii: "n") {
            return matchesWord(buffer, i..<end, "nan") ? .nan : nil
        }
        var decimal = Decimal(isNegative: negative)
        var digits = 0, significant = 0
        var seenPoint = false
        while i < end {
            let byte = buffer[i]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                if significant == 0 && byte == UInt8(ascii: "0") {
                    // Leading zeros carry no information and would use up the 19 digits.
                    if seenPoint { decimal.exponent -= 1 }
                } else if significant < 19 {
                    decimal.mantissa = decimal.mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                    significant += 1
                    if seenPoint { decimal.exponent -= 1 }
                } else {
                    if !seenPoint { decimal.exponent += 1 }
                    if byte != UInt8(ascii: "0") { decimal.isTruncated = true }
                }
            } else if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                break
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        if i < end {
            guard buffer[i] | 0x20 == UInt8(ascii: "e") else { return nil }
            i += 1
            var exponentNegative = false
            if i < end, buffer[i] == UInt8(ascii: "+") || buffer[i] == UInt8(ascii: "-") {
                exponentNegative = buffer[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < end else { return nil }
            var exponent = 0
            while i < end {
                let byte = buffer[i]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                // Beyond 10^100000 every double is 0 or infinite; stop growing to avoid overflow.
                if exponent < 100_000 { exponent = exponent * 10 + Int(byte - UInt8(ascii: "0")) }
                i += 1
            }
            decimal.exponent += exponentNegative ? -exponent : exponent
        }
        return .decimal(decimal)
    }

    private static func matchesWord(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let letters = word.utf8Start
        for (offset, index) in range.enumerated() where buffer[index] | 0x20 != letters[offset] {
            return false
        }
        return true
    }

    /// Parses `buffer[range]` as a float; `nil` if the syntax is not allowed.
    static func parseDouble(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
        switch scan(buffer, range) {
        case nil: return nil
        case .nan: return .nan
        case .infinity(let negative): return negative ? -.infinity : .infinity
        case .decimal(let decimal): return double(decimal, buffer, range)
        }
    }

    private static func double(_ decimal: Decimal, _ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double {
        if decimal.mantissa == 0 && !decimal.isTruncated { return decimal.isNegative ? -0.0 : 0.0 }
        // Clinger's fast path: both the mantissa and the power of ten are exact doubles, so one
        // IEEE multiplication or division rounds correctly.
        if !decimal.isTruncated, decimal.mantissa <= 1 << 53, decimal.exponent >= -22, decimal.exponent <= 22 {
            var value = Double(decimal.mantissa)
            if decimal.exponent >= 0 {
                value *= powersOfTen[decimal.exponent]
            } else {
                value /= powersOfTen[-decimal.exponent]
            }
            return decimal.isNegative ? -value : value
        }
        // Slow path (long mantissas, large exponents): the standard library rounds correctly.
        // The syntax was checked above, so anything it accepts beyond ours cannot reach it.
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
        return Double(text) ?? .nan
    }

    /// Parses `buffer[range]` as seconds (OpenMetrics timestamps) and returns milliseconds,
    /// truncated toward zero as Prometheus's `int64(ts * 1000)`; `nil` for bad syntax, NaN or
    /// infinity. Values beyond the `Int64` range saturate.
    static func parseSecondsAsMilliseconds(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        guard case .decimal(let decimal)? = scan(buffer, range) else { return nil }
        // Exact integer arithmetic keeps `1.001` at 1001 ms, where `1.001 * 1000.0` is 1000.999….
        if !decimal.isTruncated {
            let shift = decimal.exponent + 3
            var magnitude: UInt64?
            if shift >= 0 {
                var value: UInt64? = decimal.mantissa
                for _ in 0..<min(shift, 20) {
                    guard let current = value else { break }
                    let (product, overflow) = current.multipliedReportingOverflow(by: 10)
                    value = overflow ? nil : product
                }
                magnitude = shift > 20 && decimal.mantissa != 0 ? nil : value
            } else {
                var value = decimal.mantissa
                for _ in 0..<min(-shift, 20) { value /= 10 }
                magnitude = -shift > 20 ? 0 : value
            }
            if let magnitude, magnitude <= UInt64(Int64.max) {
                return decimal.isNegative ? -Int64(magnitude) : Int64(magnitude)
            }
        }
        let milliseconds = double(decimal, buffer, range) * 1000
        guard !milliseconds.isNaN else { return nil }
        if milliseconds >= 9.2e18 { return .max }
        if milliseconds <= -9.2e18 { return .min }
        return Int64(milliseconds)
    }

    /// Parses `buffer[range]` as a decimal integer (text 0.0.4 millisecond timestamps).
    static func parseInt64(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        var i = range.lowerBound
        guard i < range.upperBound else { return nil }
        var negative = false
        if buffer[i] == UInt8(ascii: "-") || buffer[i] == UInt8(ascii: "+") {
            negative = buffer[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < range.upperBound else { return nil }
        var value: Int64 = 0
        while i < range.upperBound {
            let byte = buffer[i]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !o1 && !o2 else { return nil }
            value = next
            i += 1
        }
        return value
    }
}
