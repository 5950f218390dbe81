/// Prometheus's duration syntax (`prometheus/common` `model/time.go`): one or more
/// `<integer><unit>` terms with units `y` (365d), `w` (7d), `d` (24h), `h`, `m`, `s`, `ms`,
/// each unit at most once and from the largest to the smallest (`1h30m`, not `30m1h`), or a
/// bare `0`. Negative values and fractions are refused, as in Prometheus.
package enum PrometheusDuration {
    /// The units in the order they must appear, with their length in milliseconds.
    private static let units: [(name: String, milliseconds: Int64)] = [
        ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
        ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Go's `time.Duration` (int64 nanoseconds) bounds Prometheus durations: about 292 years.
    private static let maxNanoseconds = UInt64(Int64.max)

    /// Parses `text` as a Prometheus duration.
    /// - Throws: `ModelError.invalidDuration` with Prometheus's message for the fault.
    package static func parse(_ text: String) throws(ModelError) -> Duration {
        if text == "0" { return .zero }
        if text.isEmpty { throw .invalidDuration(text, reason: "empty duration string") }
        let bytes = Array(text.utf8)
        var index = 0
        var totalNanoseconds: UInt64 = 0
        var lastUnitIndex = -1
        let notValid = ModelError.invalidDuration(text, reason: "not a valid duration string: \"\(text)\"")
        while index < bytes.count {
            let digitsStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > digitsStart else { throw notValid }
            guard let value = UInt64(String(decoding: bytes[digitsStart..<index], as: UTF8.self)) else {
                throw notValid
            }
            let unitStart = index
            while index < bytes.count, !(bytes[index] >= 0x30 && bytes[index] <= 0x39) { index += 1 }
            guard index > unitStart else { throw notValid }
            let unit = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            guard let unitIndex = units.firstIndex(where: { $0.name == unit }) else {
                throw .invalidDuration(text, reason: "unknown unit \"\(unit)\" in duration \"\(text)\"")
            }
            guard unitIndex > lastUnitIndex else { throw notValid }
            lastUnitIndex = unitIndex
            let unitNanoseconds = UInt64(units[unitIndex].milliseconds) * 1_000_000
            let (term, overflow) = value.multipliedReportingOverflow(by: unitNanoseconds)
            let (sum, sumOverflow) = totalNanoseconds.addingReportingOverflow(term)
            guard !overflow, !sumOverflow, sum <= maxNanoseconds else {
                throw .invalidDuration(text, reason: "duration out of range")
            }
            totalNanoseconds = sum
        }
        return .nanoseconds(Int64(totalNanoseconds))
    }

    /// Formats `duration` as Prometheus does (`model.Duration.String`): whole milliseconds,
    /// years and weeks only when they divide evenly (`90d`, not `12w6d`), `0s` for zero.
    package static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        // Whole milliseconds, saturating: durations beyond Int64 milliseconds print as the largest.
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        let (total, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        let milliseconds = overflow || sumOverflow ? (seconds < 0 ? Int64.min : Int64.max) : total
        if milliseconds == 0 { return "0s" }
        var result = milliseconds < 0 ? "-" : ""
        var rest = milliseconds.magnitude
        for (position, unit) in units.enumerated() {
            let unitLength = UInt64(unit.milliseconds)
            // Years and weeks only when exact, as upstream.
            if position < 2, rest % unitLength != 0 { continue }
            let count = rest / unitLength
            if count > 0 {
                result += "\(count)\(unit.name)"
                rest -= count * unitLength
            }
        }
        return result
    }
}

extension Duration {
    /// Parses a Prometheus duration (`1h30m`, `5m`, `100ms`, `1y`, `0`).
    /// - Throws: `ModelError.invalidDuration`.
    package init(prometheus text: String) throws(ModelError) {
        self = try PrometheusDuration.parse(text)
    }

    /// This duration in Prometheus's syntax, at millisecond precision.
    package var prometheusString: String { PrometheusDuration.format(self) }

    /// The duration in whole milliseconds (truncated), as Prometheus's `time.Duration` math does.
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
