import Exposition
import Model

/// What writing one body produced, for the synthetic series and the loop's counters.
struct WriteCounts {
    /// Samples in the body (`scrape_samples_scraped`).
    var scraped = 0
    /// Samples left after metric relabeling (`scrape_samples_post_metric_relabeling`).
    var postRelabeling = 0
    /// Series not in the cache before (`scrape_series_added`).
    var seriesAdded = 0
    /// Samples the sink skipped, by reason (counted, the rest of the scrape kept, as upstream).
    var outOfOrder = 0
    var duplicateTimestamp = 0
    var outOfBounds = 0
}

/// Writes scrapes of one target into sink batches (upstream's `scrapeLoop.append`): parses the
/// body, attaches the target's labels, applies `metric_relabel_configs` and the limits, appends,
/// and adds staleness markers and the synthetic series. Owned by one loop; not shared.
struct ScrapeWriter {
    let options: SampleOptions
    /// The target's labels without `__` ones, in name order.
    private let targetLabels: [Label]
    private var report: ReportSeries
    private var failures: ScrapeFailureSeries
    private(set) var cache = ScrapeCache()
    /// Metadata of the families in the current body.
    private(set) var metadata: [String: MetricMetadata] = [:]
    private var builder = LabelsBuilder()
    /// The timestamp of the last scrape finished, which end-of-run markers must follow.
    private var lastTimestampMs = Int64.min

    init(options: SampleOptions, targetLabels: Labels) {
        self.options = options
        self.targetLabels = Array(targetLabels)
        report = ReportSeries(targetLabels: targetLabels)
        failures = ScrapeFailureSeries(targetLabels: targetLabels)
    }

    /// Appends the samples of `body` at `timestampMs` (or the samples' own, with
    /// `honor_timestamps`). On an error the caller rolls the batch back and calls `abandon()`.
    mutating func write(
        body: [UInt8], contentType: String, timestampMs: Int64, counts: inout WriteCounts,
        into app: inout any SampleAppender & ~Copyable
    ) throws(ScrapeError) {
        let format: ExpositionFormat
        if let declared = ExpositionFormat(contentType: contentType) {
            format = declared
        } else if let fallback = options.fallbackFormat {
            format = fallback
        } else {
            throw .malformed(.unsupportedContentType(contentType))
        }
        metadata.removeAll(keepingCapacity: true)
        switch format {
        case .text:
            var parser = PrometheusTextParser(body)
            try write(&parser, timestampMs: timestampMs, counts: &counts, into: &app)
        case .openMetrics:
            // Family rules off: real exporters break them and upstream's scraper accepts that.
            var parser = OpenMetricsParser(body, validatesFamilies: false)
            try write(&parser, timestampMs: timestampMs, counts: &counts, into: &app)
        case .protobuf:
            var parser = ProtobufParser(body, options: .init(nameValidation: options.nameValidation))
            try write(&parser, timestampMs: timestampMs, counts: &counts, into: &app)
        }
    }

    private mutating func write<Parser: MetricsParser>(
        _ parser: inout Parser, timestampMs: Int64, counts: inout WriteCounts,
        into app: inout any SampleAppender & ~Copyable
    ) throws(ScrapeError) {
        var sampleLimitExceeded = false
        while true {
            let entry: MetricEntry?
            do { entry = try parser.next() } catch { throw .malformed(error) }
            guard let entry else { break }
            switch entry {
            case .type: metadata[parser.metadataName, default: MetricMetadata()].type = parser.type
            case .help: metadata[parser.metadataName, default: MetricMetadata()].help = parser.help
            case .unit: metadata[parser.metadataName, default: MetricMetadata()].unit = parser.unit
            case .comment, .histogram: continue  // native histograms are not stored yet (docs/scrape.md)
            case .series:
                counts.scraped += 1
                // Past the limit, keep parsing only to count, as upstream reports the total.
                if sampleLimitExceeded { continue }
                var labels: Labels
                var ref: UInt64
                let cacheIndex: Int
                if let cached = parser.withSeriesKey({ cache.find($0) }) {
                    labels = cache.labels(at: cached)
                    if labels.isEmpty { continue }  // dropped by metric relabeling
                    ref = cache.ref(at: cached)
                    cacheIndex = cached
                } else {
                    parser.labels(into: &builder)
                    labels = sampleLabels()
                    if !labels.isEmpty {
                        guard labels.contains(name: Labels.metricNameLabel) else { throw .missingMetricName }
                        try checkLabelLimits(labels)
                        counts.seriesAdded += 1
                    }
                    ref = 0
                    cacheIndex = parser.withSeriesKey { cache.insert($0, labels: labels, ref: 0) }
                    if labels.isEmpty { continue }
                }
                counts.postRelabeling += 1
                if options.sampleLimit > 0 && counts.postRelabeling > options.sampleLimit {
                    sampleLimitExceeded = true
                    continue
                }
                let ownTimestamp = options.honorTimestamps ? parser.timestampMs : nil
                do {
                    // The created timestamp (protobuf) is the sample's start timestamp, kept by a
                    // sink with `--enable-feature=st-storage`.
                    ref = try app.append(ref: ref, labels: labels, timestamp: ownTimestamp ?? timestampMs, value: parser.value,
                                         startTimestamp: parser.createdTimestampMs ?? 0)
                } catch {
                    try count(error, in: &counts)
                    continue
                }
                cache.appended(cacheIndex, ref: ref, tracksStaleness: ownTimestamp == nil || options.trackTimestampsStaleness)
            }
        }
        if sampleLimitExceeded { throw .sampleLimitExceeded(limit: options.sampleLimit) }
    }

    /// Counts a sample the sink refused and skips it, as upstream's `checkAddError`; a failure
    /// of the sink itself fails the scrape.
    private func count(_ error: AppendError, in counts: inout WriteCounts) throws(ScrapeError) {
        switch error.kind {
        case .outOfOrder: counts.outOfOrder += 1
        case .duplicateTimestamp: counts.duplicateTimestamp += 1
        case .outOfBounds: counts.outOfBounds += 1
        case .invalid, .storage: throw .storage(error.message)
        }
    }

    /// The exposed labels in `builder` with the target's labels attached and metric relabeling
    /// applied (upstream's `mutateSampleLabels`); empty when relabeling drops the series.
    private mutating func sampleLabels() -> Labels {
        if options.honorLabels {
            for label in targetLabels where builder.value(of: label.name) == nil { builder.set(label.name, label.value) }
        } else {
            var conflicts: [Label] = []
            for label in targetLabels {
                if let exposed = builder.value(of: label.name) { conflicts.append(Label(name: label.name, value: exposed)) }
                builder.set(label.name, label.value)
            }
            // Shorter names first, each under the first free `exported_…` name (upstream's
            // `resolveConflictingExposedLabels`).
            for conflict in conflicts.sorted(by: { $0.name.utf8.count < $1.name.utf8.count }) {
                var name = conflict.name
                repeat { name = "exported_" + name } while builder.value(of: name) != nil
                builder.set(name, conflict.value)
            }
        }
        guard options.metricRelabeler.process(&builder) else { return Labels() }
        return builder.labels()
    }

    /// `label_limit`, `label_name_length_limit`, `label_value_length_limit` (upstream's
    /// `verifyLabelLimits`), checked when a series is first seen.
    private func checkLabelLimits(_ labels: Labels) throws(ScrapeError) {
        let metric = labels.metricName ?? ""
        if options.labelLimit > 0, labels.count > options.labelLimit {
            throw .labelLimitExceeded(metric: metric, labels: labels.count, limit: options.labelLimit)
        }
        guard options.labelNameLengthLimit > 0 || options.labelValueLengthLimit > 0 else { return }
        for label in labels {
            if options.labelNameLengthLimit > 0, label.name.utf8.count > options.labelNameLengthLimit {
                throw .labelNameLengthLimitExceeded(
                    metric: metric, name: label.name, length: label.name.utf8.count, limit: options.labelNameLengthLimit)
            }
            if options.labelValueLengthLimit > 0, label.value.utf8.count > options.labelValueLengthLimit {
                throw .labelValueLengthLimitExceeded(
                    metric: metric, name: label.name, value: label.value, length: label.value.utf8.count,
                    limit: options.labelValueLengthLimit)
            }
        }
    }

    /// What a loop taking over the target needs: the series the last scrape appended (their
    /// refs included) and the failure series in effect.
    struct Handover {
        var series: [Labels: UInt64]
        var failures: ScrapeFailureSeries
    }

    /// See `Handover`.
    var handover: Handover { Handover(series: cache.previous, failures: failures) }

    /// Continues where another loop of the same target stopped: series of its last scrape that
    /// this one's first scrape lacks get staleness markers, and so does its failure series
    /// unless this loop's first scrape fails for the same reason.
    mutating func continueFrom(_ handover: Handover) {
        cache.continueFrom(handover.series)
        failures = handover.failures
    }

    /// The current batch was rolled back: the next markers cover every series of the last scrape.
    mutating func abandon() {
        cache.abandonCurrent()
        metadata.removeAll(keepingCapacity: true)
    }

    /// Ends a scrape: staleness markers for the series that disappeared, then the synthetic
    /// series (upstream's `report`) and `pharos_scrape_failure`, all at `timestampMs`.
    ///
    /// - Parameter failure: why the scrape failed; nil when it succeeded (`up` 1).
    mutating func finish(
        timestampMs: Int64, failure: ScrapeFailureReason?, durationSeconds: Double, counts: WriteCounts,
        into app: inout any SampleAppender & ~Copyable
    ) {
        lastTimestampMs = timestampMs
        markStale(timestampMs: timestampMs, into: &app)
        report.append(
            [failure == nil ? 1 : 0, durationSeconds, Double(counts.scraped), Double(counts.postRelabeling), Double(counts.seriesAdded)],
            timestampMs: timestampMs, into: &app)
        failures.append(failure, timestampMs: timestampMs, into: &app)
    }

    /// The loop stops for good (its target went away): every series it last wrote, synthetic
    /// ones included, gets a staleness marker at `timestampMs`, or just after the last scrape
    /// if that was aligned forward past it.
    mutating func writeEndOfRunMarkers(timestampMs: Int64, into app: inout any SampleAppender & ~Copyable) {
        let timestampMs = lastTimestampMs == .min ? timestampMs : max(timestampMs, lastTimestampMs + 1)
        cache.abandonCurrent()
        markStale(timestampMs: timestampMs, into: &app)
        report.append([Double](repeating: .staleMarker, count: ReportSeries.names.count), timestampMs: timestampMs, into: &app)
        failures.markStale(timestampMs: timestampMs, into: &app)
    }
}

extension ScrapeWriter {
    /// Staleness markers for the series of the previous scrape the current one lacks; a refused
    /// marker (the series already has a newer sample) is simply not needed.
    private mutating func markStale(timestampMs: Int64, into app: inout any SampleAppender & ~Copyable) {
        cache.forEachStale { labels, ref in
            _ = try? app.append(ref: ref, labels: labels, timestamp: timestampMs, value: .staleMarker)
        }
        cache.finishScrape()
    }
}
