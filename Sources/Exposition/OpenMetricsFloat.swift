extension Double {
    /// The value as Prometheus writes `le` and `quantile` label values
    /// (`labels.FormatOpenMetricsFloat`): Go's shortest `%g` (`strconv.FormatFloat(f, 'g', -1, 64)`)
    /// with `.0` added to integers, and `+Inf`, `-Inf`, `NaN`. So `1` is `"1.0"`, `0.25` is
    /// `"0.25"`, `1e6` is `"1e+06"`.
    var openMetricsLabelValue: String {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "+Inf" : "-Inf" }
        if self == 0 { return sign == .minus ? "-0.0" : "0.0" }
        let (digits, pointPosition) = magnitude.shortestDecimalDigits
        var out = self < 0 ? "-" : ""
        let exponent = pointPosition - 1
        // Go's shortest 'g' switches to exponent form outside 1e-4 ≤ |f| < 1e6 (strconv/ftoa.go:
        // "if precision was the shortest possible, use precision 6 for this decision").
        if exponent < -4 || exponent >= 6 {
            out.append(digits.first ?? "0")
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += exponent < 0 ? "e-" : "e+"
            let magnitude = Swift.abs(exponent)
            out += magnitude < 10 ? "0\(magnitude)" : "\(magnitude)"
            return out
        }
        if pointPosition <= 0 {
            out += "0." + String(repeating: "0", count: -pointPosition) + digits
        } else if pointPosition >= digits.count {
            out += digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
        } else {
            let split = digits.index(digits.startIndex, offsetBy: pointPosition)
            out += digits[..<split] + "." + digits[split...]
        }
        return out
    }

    /// The shortest round-tripping decimal digits of a positive finite value and the position
    /// of the decimal point (value = 0.digits × 10^position), from Swift's own shortest printing.
    private var shortestDecimalDigits: (String, Int) {
        let text = description  // e.g. "123.45", "0.001", "1e-05", "1.5e+16"
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = pieces[0], fraction = pieces.count > 1 ? pieces[1] : ""
        var digits = String(integer + fraction)
        var point = integer.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits.isEmpty ? "0" : digits, point)
    }
}
