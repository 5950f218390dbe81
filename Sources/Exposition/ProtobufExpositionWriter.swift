package import Model
internal import SwiftProtobuf

/// Writes the protobuf exposition format: `io.prometheus.client.MetricFamily` messages, each
/// prefixed by its length as a varint (`ExpositionFormat.protobuf`), as `/federate` serves it.
///
/// Encodes straight to bytes (no generated message per sample). Reuse one writer per response
/// with `removeAll()`.
package struct ProtobufExpositionWriter: Sendable {
    /// The body written so far.
    package private(set) var bytes: [UInt8] = []
    private var family = ProtobufWriter()

    /// Creates an empty writer.
    package init() {}

    /// Empties the body, keeping its capacity.
    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// One series of a family: its labels (`__name__` is dropped: the family names it), value
    /// and optional timestamp.
    package struct Series: Sendable {
        /// The series' labels.
        package var labels: Labels
        /// The value, bit for bit.
        package var value: Double
        /// Milliseconds since the epoch, if the sample has one.
        package var timestampMs: Int64?

        /// Creates a series.
        package init(labels: Labels, value: Double, timestampMs: Int64? = nil) {
            self.labels = labels
            self.value = value
            self.timestampMs = timestampMs
        }
    }

    /// Appends a family of float series. `counter` and `gauge` values go in their own fields;
    /// every other type is written `UNTYPED`, as Prometheus's federation does for the series of
    /// summaries and classic histograms (which arrive already split into `_sum`, `_bucket`...).
    package mutating func writeFamily(
        name: String, type: MetricType, help: String = "", unit: String = "", series: some Sequence<Series>
    ) {
        let wireType: UInt64 =
            switch type {
            case .counter: 0
            case .gauge: 1
            default: 3
            }
        family.bytes.removeAll(keepingCapacity: true)
        family.stringField(1, name)
        family.stringField(2, help)
        family.tag(3, .varint)
        family.varint(wireType)
        for one in series {
            family.message(4) { m in
                for label in one.labels where label.name != Labels.metricNameLabel {
                    m.message(1) { pair in
                        pair.stringField(1, label.name)
                        pair.stringField(2, label.value)
                    }
                }
                // Field numbers of Metric: gauge 2, counter 3, untyped 5; each wraps `value = 1`.
                let valueField: UInt32 = wireType == 0 ? 3 : wireType == 1 ? 2 : 5
                m.message(valueField) { value in value.presentDoubleField(1, one.value) }
                if let timestampMs = one.timestampMs {
                    m.tag(6, .varint)
                    m.varint(UInt64(bitPattern: timestampMs))
                }
            }
        }
        family.stringField(5, unit)
        var prefix = ProtobufWriter(bytes)
        bytes = []
        prefix.varint(UInt64(family.bytes.count))
        prefix.bytes.append(contentsOf: family.bytes)
        bytes = prefix.bytes
    }
}

extension ProtobufExpositionWriter {
    /// Appends `family` as client_golang writes it in protobuf: a counter's family is named
    /// after its `_total` samples and its `_created` sample becomes the created timestamp;
    /// summaries and histograms are regrouped per label set from their `_count`, `_sum`,
    /// `quantile` and `_bucket{le}` samples (the `+Inf` bucket is implicit, as client_golang
    /// writes it); `info` and `stateset` become gauges, `unknown` untyped. A sample timestamp
    /// goes on its metric (the first one of the group wins).
    package mutating func write(_ family: MetricFamily) {
        var message = Io_Prometheus_Client_MetricFamily()
        message.name = family.name
        if let help = family.help { message.help = help }
        if let unit = family.unit, !unit.isEmpty { message.unit = unit }
        var metrics: [Io_Prometheus_Client_Metric] = []
        var index: [Labels: Int] = [:]
        /// The metric of the label set of `sample` without `__name__` and `magic` (`le`, `quantile`).
        func metric(for sample: MetricSample, dropping magic: String?) -> Int {
            var builder = LabelsBuilder(sample.labels)
            builder.delete(Labels.metricNameLabel)
            if let magic { builder.delete(magic) }
            let key = builder.labels()
            if let existing = index[key] { return existing }
            var metric = Io_Prometheus_Client_Metric()
            metric.label = key.map { label in
                var pair = Io_Prometheus_Client_LabelPair()
                pair.name = label.name
                pair.value = label.value
                return pair
            }
            if let timestampMs = sample.timestampMs { metric.timestampMs = timestampMs }
            metrics.append(metric)
            index[key] = metrics.count - 1
            return metrics.count - 1
        }
        switch family.type {
        case .counter:
            let total = family.name.hasSuffix("_total") ? family.name : family.name + "_total"
            message.name = total
            message.type = .counter
            for sample in family.samples {
                let m = metric(for: sample, dropping: nil)
                if sample.labels.metricName == family.name + "_created" {
                    metrics[m].counter.createdTimestamp = Self.timestamp(seconds: sample.value)
                } else {
                    metrics[m].counter.value = sample.value
                    if let exemplar = sample.exemplar { metrics[m].counter.exemplar = Self.exemplar(exemplar) }
                }
            }
        case .summary:
            message.type = .summary
            for sample in family.samples {
                let m = metric(for: sample, dropping: "quantile")
                switch sample.labels.metricName {
                case family.name + "_count": metrics[m].summary.sampleCount = UInt64(exactly: sample.value) ?? 0
                case family.name + "_sum": metrics[m].summary.sampleSum = sample.value
                case family.name + "_created": metrics[m].summary.createdTimestamp = Self.timestamp(seconds: sample.value)
                default:
                    var quantile = Io_Prometheus_Client_Quantile()
                    quantile.quantile = sample.labels["quantile"].flatMap(Double.init) ?? .nan
                    quantile.value = sample.value
                    metrics[m].summary.quantile.append(quantile)
                }
            }
        case .histogram, .gaugehistogram:
            message.type = family.type == .histogram ? .histogram : .gaugeHistogram
            let prefix = family.type == .histogram ? "_" : "_g"
            for sample in family.samples {
                let m = metric(for: sample, dropping: "le")
                switch sample.labels.metricName {
                case family.name + prefix + "count":
                    if let count = UInt64(exactly: sample.value) {
                        metrics[m].histogram.sampleCount = count
                    } else {
                        metrics[m].histogram.sampleCountFloat = sample.value
                    }
                case family.name + prefix + "sum": metrics[m].histogram.sampleSum = sample.value
                case family.name + "_created": metrics[m].histogram.createdTimestamp = Self.timestamp(seconds: sample.value)
                default:
                    let bound = sample.labels["le"].flatMap { Double($0) } ?? .nan
                    guard bound != .infinity else { continue }
                    var bucket = Io_Prometheus_Client_Bucket()
                    bucket.upperBound = bound
                    if let count = UInt64(exactly: sample.value) {
                        bucket.cumulativeCount = count
                    } else {
                        bucket.cumulativeCountFloat = sample.value
                    }
                    if let exemplar = sample.exemplar { bucket.exemplar = Self.exemplar(exemplar) }
                    metrics[m].histogram.bucket.append(bucket)
                }
            }
        case .gauge, .info, .stateset, .unknown:
            message.type = family.type == .unknown ? .untyped : .gauge
            if let name = family.samples.first?.labels.metricName { message.name = name }
            for sample in family.samples {
                var metric = Io_Prometheus_Client_Metric()
                metric.label = sample.labels.filter { $0.name != Labels.metricNameLabel }.map { label in
                    var pair = Io_Prometheus_Client_LabelPair()
                    pair.name = label.name
                    pair.value = label.value
                    return pair
                }
                if family.type == .unknown { metric.untyped.value = sample.value } else { metric.gauge.value = sample.value }
                if let timestampMs = sample.timestampMs { metric.timestampMs = timestampMs }
                metrics.append(metric)
            }
        }
        message.metric = metrics
        // Serializing a message built here cannot fail: every string came from Swift `String`s.
        guard let body: [UInt8] = try? message.serializedBytes() else {
            preconditionFailure("BUG: a MetricFamily built from valid strings failed to serialize")
        }
        var prefix = ProtobufWriter(bytes)
        bytes = []
        prefix.varint(UInt64(body.count))
        prefix.bytes.append(contentsOf: body)
        bytes = prefix.bytes
    }

    /// A `_created` sample's value (seconds) as a timestamp, to the millisecond.
    private static func timestamp(seconds: Double) -> Google_Protobuf_Timestamp {
        let milliseconds = (seconds * 1000).rounded()
        return timestamp(ms: Int64(exactly: milliseconds) ?? 0)
    }

    /// Milliseconds as a normalised timestamp (nanos in 0..<1e9, also before 1970).
    private static func timestamp(ms: Int64) -> Google_Protobuf_Timestamp {
        var (seconds, remainder) = ms.quotientAndRemainder(dividingBy: 1000)
        if remainder < 0 {
            seconds -= 1
            remainder += 1000
        }
        var timestamp = Google_Protobuf_Timestamp()
        timestamp.seconds = seconds
        timestamp.nanos = Int32(remainder) * 1_000_000
        return timestamp
    }

    private static func exemplar(_ exemplar: Exemplar) -> Io_Prometheus_Client_Exemplar {
        var out = Io_Prometheus_Client_Exemplar()
        out.label = exemplar.labels.map { label in
            var pair = Io_Prometheus_Client_LabelPair()
            pair.name = label.name
            pair.value = label.value
            return pair
        }
        out.value = exemplar.value.value
        if let timestampMs = exemplar.value.timestampMs { out.timestamp = timestamp(ms: timestampMs) }
        return out
    }
}
