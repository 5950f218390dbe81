/// Go's `time.Duration.String()`, which promtool prints for evaluation times and block
/// durations: `0s`, `500ms`, `1m0s`, `1h2m3.5s`.
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
}
