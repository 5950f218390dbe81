import Model

/// `pharos_scrape_failure{reason}`, the `up` companion each scrape writes beside `up`
/// (prometheus#3068): 1 under the reason of a failed scrape; after a successful scrape, or a
/// failure with another reason, the previous reason's series gets a staleness marker. So a
/// target has at most one such series at a time, present only while it fails, and a healthy
/// target costs nothing. Owned by one loop (and handed to its successor on a reload, as the
/// target's labels are the same).
struct ScrapeFailureSeries {
    /// The series name.
    static let name = "pharos_scrape_failure"
    /// The label holding the reason.
    static let reasonLabel = "reason"

    private let targetLabels: Labels
    /// Label set and sink ref per reason, built the first time the reason occurs.
    private var series: [ScrapeFailureReason: (labels: Labels, ref: UInt64)] = [:]
    /// The reason whose series holds 1 now.
    private(set) var current: ScrapeFailureReason?

    init(targetLabels: Labels) {
        self.targetLabels = targetLabels
    }

    /// Writes the outcome of a scrape at `timestampMs`: 1 under `reason` (nil: the scrape
    /// succeeded) and a staleness marker for the previous reason if it differs.
    mutating func append(_ reason: ScrapeFailureReason?, timestampMs: Int64, into app: inout any SampleAppender & ~Copyable) {
        if let current, current != reason { write(.staleMarker, for: current, timestampMs: timestampMs, into: &app) }
        current = reason
        if let reason { write(1, for: reason, timestampMs: timestampMs, into: &app) }
    }

    /// The target went away: the current reason's series, if any, gets a staleness marker.
    mutating func markStale(timestampMs: Int64, into app: inout any SampleAppender & ~Copyable) {
        append(nil, timestampMs: timestampMs, into: &app)
    }

    /// A refused sample is skipped, as the other synthetic series' are.
    private mutating func write(
        _ value: Double, for reason: ScrapeFailureReason, timestampMs: Int64, into app: inout any SampleAppender & ~Copyable
    ) {
        var entry = series[reason] ?? (labels: labels(reason), ref: 0)
        if let ref = try? app.append(ref: entry.ref, labels: entry.labels, timestamp: timestampMs, value: value) {
            entry.ref = ref
        }
        series[reason] = entry
    }

    private func labels(_ reason: ScrapeFailureReason) -> Labels {
        var builder = LabelsBuilder(targetLabels)
        builder.set(Labels.metricNameLabel, Self.name)
        builder.set(Self.reasonLabel, reason.rawValue)
        return builder.labels()
    }
}
