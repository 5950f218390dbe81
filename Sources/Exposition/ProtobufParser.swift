package import Model
internal import SwiftProtobuf

/// A pull parser over a protobuf exposition body: `io.prometheus.client.MetricFamily` messages,
/// each prefixed by its length as a varint (`application/vnd.google.protobuf;
/// proto=io.prometheus.client.MetricFamily; encoding=delimited`).
///
/// Yields what Prometheus's `model/textparse/protobufparse.go` yields, so a scrape gives the
/// same series whatever format the target speaks: per family `.help` (always), `.unit` (when
/// set) and `.type`, then its series. Summaries and classic histograms expand into `_count`,
/// `_sum` and `quantile`/`_bucket{le}` series (with a `+Inf` bucket added when missing), with
/// `le` and `quantile` values written as Prometheus writes them (`1.0`, `0.25`, `+Inf`).
/// Native histograms are `.histogram` entries (read `nativeHistogram`). Created timestamps are
/// reported through `createdTimestampMs`, or as `_created` series with `Options.emitsCreatedSeries`.
///
/// Families are decoded with the generated swift-protobuf types: this format is rarely the hot
/// path, and a family is validated whole before its first entry is returned.
package struct ProtobufParser: MetricsParser {
    /// Parser settings.
    package struct Options: Sendable, Equatable {
        /// Which metric and label names are valid (Prometheus 3 accepts any UTF-8).
        package var nameValidation = NameValidationScheme.utf8
        /// Also yield `<name>_created` series (value in seconds, as OpenMetrics writes them) for
        /// counters, summaries and histograms that carry a created timestamp.
        package var emitsCreatedSeries = false

        /// Creates options.
        package init(nameValidation: NameValidationScheme = .utf8, emitsCreatedSeries: Bool = false) {
            self.nameValidation = nameValidation
            self.emitsCreatedSeries = emitsCreatedSeries
        }
    }

    /// One series of the current family, in the order they are returned.
    enum Step: Equatable {
        case help, unit, type
        /// A counter, gauge or untyped value.
        case value(metric: Int)
        case count(metric: Int), sum(metric: Int)
        case quantile(metric: Int, index: Int)
        case bucket(metric: Int, index: Int)
        /// The `+Inf` bucket of a histogram that does not list one.
        case infBucket(metric: Int)
        case created(metric: Int)
        case native(metric: Int)

        var metric: Int? {
            switch self {
            case .help, .unit, .type: nil
            case .value(let m), .count(let m), .sum(let m), .quantile(let m, _), .bucket(let m, _),
                .infBucket(let m), .created(let m), .native(let m):
                m
            }
        }
    }

    private let body: [UInt8]
    private let options: Options
    private var nextOffset = 0
    private var familyOffset = 0
    private var family = Io_Prometheus_Client_MetricFamily()
    private var steps: [Step] = []
    private var stepIndex = 0
    private var failure: ExpositionError?
    private var seriesKey: [UInt8] = []

    /// Creates a parser over `body`, which it keeps (copy-on-write, not copied).
    package init(_ body: [UInt8], options: Options = Options()) {
        self.body = body
        self.options = options
    }

    package mutating func next() throws(ExpositionError) -> MetricEntry? {
        if let failure { throw failure }
        do {
            stepIndex += 1
            while stepIndex >= steps.count {
                guard nextOffset < body.count else { return nil }
                try readFamily()
                stepIndex = 0
            }
            let step = steps[stepIndex]
            switch step {
            case .help: return .help
            case .unit: return .unit
            case .type: return .type
            case .native: updateSeriesKey(step); return .histogram
            default: updateSeriesKey(step); return .series
            }
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: Metadata accessors

    package var metadataName: String { family.name }
    package var help: String { family.help }
    package var unit: String { family.unit }
    package var comment: String { "" }

    package var type: MetricType {
        switch family.type {
        case .counter: .counter
        case .gauge: .gauge
        case .summary: .summary
        case .untyped: .unknown
        case .histogram: .histogram
        case .gaugeHistogram: .gaugehistogram
        }
    }

    // MARK: Series accessors

    private var step: Step { steps.indices.contains(stepIndex) ? steps[stepIndex] : .help }

    private var metric: Io_Prometheus_Client_Metric {
        guard let index = step.metric else { return Io_Prometheus_Client_Metric() }
        return family.metric[index]
    }

    /// The metric name of the current series, suffix included.
    private var seriesName: String {
        switch step {
        case .count: family.name + "_count"
        case .sum: family.name + "_sum"
        case .bucket, .infBucket: family.name + "_bucket"
        case .created: family.name + "_created"
        default: family.name
        }
    }

    /// The `le` or `quantile` label of the current series.
    private var magicLabel: Label? {
        switch step {
        case .quantile(let m, let i):
            Label(name: "quantile", value: family.metric[m].summary.quantile[i].quantile.openMetricsLabelValue)
        case .bucket(let m, let i):
            Label(name: "le", value: family.metric[m].histogram.bucket[i].upperBound.openMetricsLabelValue)
        case .infBucket: Label(name: "le", value: "+Inf")
        default: nil
        }
    }

    package func labels(into builder: inout LabelsBuilder) {
        builder.reset()
        builder.set(Labels.metricNameLabel, seriesName)
        for pair in metric.label { builder.set(pair.name, pair.value) }
        if let magicLabel { builder.set(magicLabel.name, magicLabel.value) }
    }

    package var value: Double {
        let metric = self.metric
        switch step {
        case .value:
            switch family.type {
            case .counter: return metric.counter.value
            case .gauge: return metric.gauge.value
            default: return metric.untyped.value
            }
        case .count:
            if family.type == .summary { return Double(metric.summary.sampleCount) }
            return Self.histogramCount(metric.histogram)
        case .sum:
            return family.type == .summary ? metric.summary.sampleSum : metric.histogram.sampleSum
        case .quantile(_, let i): return metric.summary.quantile[i].value
        case .bucket(_, let i):
            let bucket = metric.histogram.bucket[i]
            return bucket.cumulativeCountFloat != 0 ? bucket.cumulativeCountFloat : Double(bucket.cumulativeCount)
        case .infBucket: return Self.histogramCount(metric.histogram)
        case .created: return Double(createdTimestampMs ?? 0) / 1000
        case .help, .unit, .type, .native: return 0
        }
    }

    private static func histogramCount(_ h: Io_Prometheus_Client_Histogram) -> Double {
        h.sampleCountFloat != 0 ? h.sampleCountFloat : Double(h.sampleCount)
    }

    /// The sample timestamp; 0 means none, as in Prometheus (proto2 presence is not trusted,
    /// since gogo-protobuf senders cannot express it).
    package var timestampMs: Int64? {
        let timestamp = metric.timestampMs
        return timestamp != 0 ? timestamp : nil
    }

    package var createdTimestampMs: Int64? {
        let metric = self.metric
        let created: Google_Protobuf_Timestamp? =
            switch family.type {
            case .counter: metric.counter.hasCreatedTimestamp ? metric.counter.createdTimestamp : nil
            case .summary: metric.summary.hasCreatedTimestamp ? metric.summary.createdTimestamp : nil
            case .histogram, .gaugeHistogram:
                metric.histogram.hasCreatedTimestamp ? metric.histogram.createdTimestamp : nil
            default: nil
            }
        guard let created else { return nil }
        return created.seconds &* 1000 &+ Int64(created.nanos / 1_000_000)
    }

    package func exemplar(into builder: inout LabelsBuilder) -> ExemplarValue? {
        let metric = self.metric
        let exemplar: Io_Prometheus_Client_Exemplar
        switch step {
        case .value where family.type == .counter && metric.counter.hasExemplar:
            exemplar = metric.counter.exemplar
        case .bucket(_, let i) where metric.histogram.bucket[i].hasExemplar:
            exemplar = metric.histogram.bucket[i].exemplar
        default:
            return nil
        }
        builder.reset()
        for pair in exemplar.label { builder.set(pair.name, pair.value) }
        let timestamp = exemplar.hasTimestamp
            ? exemplar.timestamp.seconds &* 1000 &+ Int64(exemplar.timestamp.nanos / 1_000_000) : nil
        return ExemplarValue(value: exemplar.value, timestampMs: timestamp)
    }

    /// The native histogram of the current `.histogram` entry.
    package var nativeHistogram: Io_Prometheus_Client_Histogram { metric.histogram }

    package func withSeriesKey<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try seriesKey.withUnsafeBytes { raw in Result { () throws(E) in try body(raw) } }.get()
    }

    /// Name, then `0xFF name 0xFF value` per label as sent, then the magic label: unique per
    /// series within a body.
    private mutating func updateSeriesKey(_ step: Step) {
        seriesKey.removeAll(keepingCapacity: true)
        seriesKey.append(contentsOf: seriesName.utf8)
        for pair in metric.label {
            seriesKey.append(0xFF)
            seriesKey.append(contentsOf: pair.name.utf8)
            seriesKey.append(0xFF)
            seriesKey.append(contentsOf: pair.value.utf8)
        }
        if let magicLabel {
            seriesKey.append(0xFF)
            seriesKey.append(contentsOf: magicLabel.name.utf8)
            seriesKey.append(0xFF)
            seriesKey.append(contentsOf: magicLabel.value.utf8)
        }
    }

    // MARK: Framing and validation

    /// Reads, decodes and validates the next family and plans its steps. Skips empty families.
    private mutating func readFamily() throws(ExpositionError) {
        familyOffset = nextOffset
        var length: UInt64 = 0
        var shift: UInt64 = 0
        var cursor = nextOffset
        while true {
            guard cursor < body.count else {
                throw .malformedProtobuf("truncated length prefix", offset: familyOffset)
            }
            let byte = body[cursor]
            cursor += 1
            length |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
            guard shift < 64 else { throw .malformedProtobuf("length prefix longer than 10 bytes", offset: familyOffset) }
        }
        guard length <= UInt64(body.count - cursor) else {
            throw .malformedProtobuf(
                "message length \(length) runs past the end of the body (\(body.count - cursor) bytes left)",
                offset: familyOffset)
        }
        let end = cursor + Int(length)
        nextOffset = end
        do {
            family = try Io_Prometheus_Client_MetricFamily(serializedBytes: Array(body[cursor..<end]))
        } catch {
            throw .malformedProtobuf("invalid MetricFamily: \(error)", offset: cursor)
        }
        steps.removeAll(keepingCapacity: true)
        guard !family.metric.isEmpty else { return }  // as Prometheus: no entries at all
        try ProtobufFamilyValidator(options: options, offset: familyOffset).validate(family)
        planSteps()
    }

    private mutating func planSteps() {
        steps.append(.help)
        if !family.unit.isEmpty { steps.append(.unit) }
        steps.append(.type)
        for (m, metric) in family.metric.enumerated() {
            switch family.type {
            case .counter, .gauge, .untyped:
                steps.append(.value(metric: m))
                if options.emitsCreatedSeries, family.type == .counter, metric.counter.hasCreatedTimestamp {
                    steps.append(.created(metric: m))
                }
            case .summary:
                steps.append(.count(metric: m))
                steps.append(.sum(metric: m))
                for i in metric.summary.quantile.indices { steps.append(.quantile(metric: m, index: i)) }
                if options.emitsCreatedSeries, metric.summary.hasCreatedTimestamp { steps.append(.created(metric: m)) }
            case .histogram, .gaugeHistogram:
                let h = metric.histogram
                if ProtobufFamilyValidator.isNative(h) {
                    steps.append(.native(metric: m))
                } else {
                    steps.append(.count(metric: m))
                    steps.append(.sum(metric: m))
                    for i in h.bucket.indices { steps.append(.bucket(metric: m, index: i)) }
                    if h.bucket.last?.upperBound != .infinity { steps.append(.infBucket(metric: m)) }
                }
                if options.emitsCreatedSeries, h.hasCreatedTimestamp { steps.append(.created(metric: m)) }
            }
        }
    }
}
