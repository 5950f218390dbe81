import Model

/// The synthetic series every scrape writes beside the target's own (upstream's `report`):
/// their label sets are built once per loop, and the sink's refs kept, so reporting costs no
/// allocation.
struct ReportSeries {
    /// The names, in the order `append` takes the values.
    static let names = [
        "up", "scrape_duration_seconds", "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling", "scrape_series_added",
    ]

    private let labels: [Labels]
    private var refs: [UInt64]

    init(targetLabels: Labels) {
        labels = Self.names.map { name in
            var builder = LabelsBuilder(targetLabels)
            builder.set(Labels.metricNameLabel, name)
            return builder.labels()
        }
        refs = Array(repeating: 0, count: Self.names.count)
    }

    /// Appends one value per name at `timestampMs`; a refused sample is skipped, as upstream.
    mutating func append(_ values: [Double], timestampMs: Int64, into app: inout any SampleAppender & ~Copyable) {
        for index in labels.indices {
            if let ref = try? app.append(ref: refs[index], labels: labels[index], timestamp: timestampMs, value: values[index]) {
                refs[index] = ref
            }
        }
    }
}
