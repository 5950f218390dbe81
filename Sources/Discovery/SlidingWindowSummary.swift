/// A summary metric as client_golang keeps one (`prometheus.NewSummary` with objectives 0.5,
/// 0.9, 0.99 and the default 10 min `MaxAge`): quantiles over the observations of the last
/// window, `_sum` and `_count` over all of them. A value that takes the time as an argument.
///
/// client_golang estimates quantiles (CKMS, within the objectives' error); this keeps the
/// window's observations and reports the exact sample at each rank, which lies within any
/// such error. The window holds at most `capacity` observations (the newest): discovery
/// refreshes and file scans come seconds apart, so 1,024 covers a 10 min window at more
/// than one per second.
struct SlidingWindowSummary: Sendable {
    /// The quantiles reported (client_golang's objectives for discovery's summaries).
    static let quantiles = [0.5, 0.9, 0.99]
    /// How long an observation counts towards the quantiles (client_golang's `DefMaxAge`).
    static let window: Duration = .seconds(600)
    static let capacity = 1_024

    private var observations: [(at: ContinuousClock.Instant, value: Double)] = []
    private(set) var sum = 0.0
    private(set) var count = 0

    /// Records `value` observed at `now`.
    mutating func observe(_ value: Double, at now: ContinuousClock.Instant) {
        sum += value
        count += 1
        expire(before: now)
        if observations.count == Self.capacity { observations.removeFirst() }
        observations.append((now, value))
    }

    /// The value at each of `quantiles` over the window ending at `now`; NaN when it is empty,
    /// as client_golang reports.
    func quantileValues(at now: ContinuousClock.Instant) -> [Double] {
        let values = observations.filter { $0.at.duration(to: now) < Self.window }.map(\.value).sorted()
        return Self.quantiles.map { phi in
            guard !values.isEmpty else { return .nan }
            let rank = Int((phi * Double(values.count)).rounded(.up))
            return values[min(values.count - 1, max(0, rank - 1))]
        }
    }

    private mutating func expire(before now: ContinuousClock.Instant) {
        let live = observations.firstIndex { $0.at.duration(to: now) < Self.window } ?? observations.count
        observations.removeFirst(live)
    }

    /// The summary's samples in the text format under `name`, with `labels` (already rendered
    /// as `a="x",b="y"`, or empty) on every line.
    func write(name: String, labels: String, at now: ContinuousClock.Instant, into text: inout String) {
        let prefix = labels.isEmpty ? "" : labels + ","
        for (phi, value) in zip(Self.quantiles, quantileValues(at: now)) {
            text += "\(name){\(prefix)quantile=\"\(phi)\"} \(Self.format(value))\n"
        }
        let braces = labels.isEmpty ? "" : "{\(labels)}"
        text += "\(name)_sum\(braces) \(Self.format(sum))\n\(name)_count\(braces) \(count)\n"
    }

    /// A value as the text format takes it (`NaN`, not Swift's `nan`).
    static func format(_ value: Double) -> String {
        value.isNaN ? "NaN" : value.isInfinite ? (value < 0 ? "-Inf" : "+Inf") : "\(value)"
    }
}
