/// Go's `time.Duration` text: `String()`, which promtool prints for evaluation times and block
/// durations (`0s`, `500ms`, `1m0s`, `1h2m3.5s`), and `time.ParseDuration`, which promtool's
/// duration flags use (`1h30m`, `1.5s`, `300ms`; units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`).
package enum GoDuration {
    /// The Go rendering of a whole number of milliseconds.
    package static func format(milliseconds ms: Int64) -> String {
        if ms == 0 { return "0s" }
        let sign = ms < 0 ? "-" : ""
        let magnitude = ms.magnitude
        if magnitude < 1000 { return sign + "\(magnitude)ms" }
        let hours = magnitude / 3_600_000, minutes = magnitude / 60_000 % 60
        let wholeSeconds = magnitude / 1000 % 60, fraction = magnitude % 1000
        var seconds = "\(wholeSeconds)"
        if fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            seconds += "." + digits
        }
        if hours > 0 { return sign + "\(hours)h\(minutes)m\(seconds)s" }
        if minutes > 0 { return sign + "\(minutes)m\(seconds)s" }
        return sign + seconds + "s"
    }

    /// The duration in whole milliseconds (rounded toward zero), or nil when Go would reject `text`.
    package static func milliseconds(_ text: String) -> Int64? {
        var rest = Substring(text)
        var sign: Double = 1
        if let first = rest.first, first == "-" || first == "+" {
            if first == "-" { sign = -1 }
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var nanoseconds: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard number.contains(where: \.isNumber), let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unit.count)
            guard let scale = units[String(unit)] else { return nil }
            nanoseconds += value * scale
        }
        guard nanoseconds < 9.2e18 else { return nil }
        return Int64(sign * nanoseconds) / 1_000_000
    }

    private static let units: [String: Double] = [
        "ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
    ]
}
