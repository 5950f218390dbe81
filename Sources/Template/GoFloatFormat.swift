#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Float formatting as Go's `strconv`/`fmt` do it. Swift's `description` already yields the
/// shortest round-tripping digits (the same digits Go's shortest formatting picks); C's
/// `snprintf` rounds exactly (half to even on exact ties, as Go does) for fixed precisions.
package enum GoFloatFormat {
    /// Go's `strconv.FormatFloat(v, 'e', -1, 64)`: shortest digits, always in exponent form
    /// (`1e+00`, `2.5e-01`), as the rules and alerts APIs print alert values.
    package static func shortestExponent(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        let sign = v.sign == .minus ? "-" : ""
        if v == 0 { return sign + "0e+00" }
        let (digits, dp) = shortestDigits(v)
        return sign + exponentForm(digits: digits, exp: dp - 1)
    }

    /// Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which is also `fmt`'s `%v`: shortest digits,
    /// in exponent form when the decimal exponent is below -4 or at least 6 (strconv decides
    /// with precision 6 when printing the shortest form), so 1234567.0 prints `1.234567e+06`.
    static func shortest(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let (digits, dp) = shortestDigits(v)
        let sign = v < 0 ? "-" : ""
        let exp = dp - 1
        if exp < -4 || exp >= 6 {
            return sign + exponentForm(digits: digits, exp: exp)
        }
        return sign + fixedForm(digits: digits, dp: dp)
    }

    /// Shortest decimal digits of |v| (no leading/trailing zeros) and the decimal point position:
    /// |v| = 0.d1d2d3… × 10^dp.
    static func shortestDigits(_ v: Double) -> (digits: [UInt8], dp: Int) {
        var text = Array(v.magnitude.description.utf8)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
            text.removeSubrange(e...)
        }
        var intPart = text
        var fracPart: [UInt8] = []
        if let dot = text.firstIndex(of: UInt8(ascii: ".")) {
            intPart = Array(text[..<dot])
            fracPart = Array(text[(dot + 1)...])
        }
        var digits = intPart + fracPart
        var dp = intPart.count + exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            dp -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { return ([UInt8(ascii: "0")], 1) }
        return (digits, dp)
    }

    private static func exponentForm(digits: [UInt8], exp: Int) -> String {
        var out = String(UnicodeScalar(digits[0]))
        if digits.count > 1 {
            out += "." + String(decoding: digits[1...], as: UTF8.self)
        }
        let magnitude = abs(exp)
        out += exp < 0 ? "e-" : "e+"
        out += magnitude < 10 ? "0\(magnitude)" : "\(magnitude)"
        return out
    }

    private static func fixedForm(digits: [UInt8], dp: Int) -> String {
        if dp <= 0 {
            return "0." + String(repeating: "0", count: -dp) + String(decoding: digits, as: UTF8.self)
        }
        if dp >= digits.count {
            return String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: dp - digits.count)
        }
        return String(decoding: digits[..<dp], as: UTF8.self) + "." + String(decoding: digits[dp...], as: UTF8.self)
    }

    /// Pads the exponent after `marker` to two digits (`p+1` → `p+01`), as Go prints it.
    static func widenExponent(_ text: String, marker: Character) -> String {
        guard let index = text.lastIndex(of: marker) else { return text }
        let signIndex = text.index(after: index)
        guard signIndex < text.endIndex else { return text }
        let digits = text[text.index(after: signIndex)...]
        return digits.count < 2 ? String(text[...signIndex]) + "0" + digits : text
    }

    /// Formats a finite `v` with a C conversion (`e`, `E`, `f`, `F`, `g`, `G`), the given flags
    /// (`+`, `-`, ` `, `0`, `#`), width and precision. Go and C agree on these for finite values.
    static func cFormat(_ v: Double, verb: UInt8, flags: String, width: Int?, precision: Int?) -> String {
        var spec = "%" + flags
        if let width { spec += String(width) }
        if let precision { spec += "." + String(precision) }
        spec += String(UnicodeScalar(verb))
        var buffer = [CChar](repeating: 0, count: 512)
        let written = withVaList([v]) { args in
            buffer.withUnsafeMutableBufferPointer { out in
                vsnprintf(out.baseAddress, out.count, spec, args)
            }
        }
        if written >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(written) + 1)
            _ = withVaList([v]) { args in
                buffer.withUnsafeMutableBufferPointer { out in
                    vsnprintf(out.baseAddress, out.count, spec, args)
                }
            }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
