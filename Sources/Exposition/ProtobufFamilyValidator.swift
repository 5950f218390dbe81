internal import Foundation
internal import Model
internal import SwiftProtobuf

/// Checks a decoded `MetricFamily` before any of its entries is returned.
///
/// Covers what Prometheus's protobuf parser and decoder refuse (metric and label names, unknown
/// types, inconsistent native histogram spans) plus what would otherwise yield broken or
/// duplicate series (Pharos is stricter here, on purpose, and says so in the message): duplicate
/// label names, labels that collide with `le`/`quantile`, a value of another type than the
/// family's, unsorted or duplicate bucket bounds, decreasing cumulative counts, and quantiles
/// that are NaN, outside [0, 1] or repeated.
struct ProtobufFamilyValidator {
    let options: ProtobufParser.Options
    let offset: Int

    /// Whether a histogram is native (sparse buckets), by Prometheus's rule (`isNativeHistogram`).
    static func isNative(_ h: Io_Prometheus_Client_Histogram) -> Bool {
        !h.positiveSpan.isEmpty || !h.negativeSpan.isEmpty || h.zeroThreshold > 0 || h.zeroCount > 0
            || h.zeroCountFloat > 0
    }

    func validate(_ family: Io_Prometheus_Client_MetricFamily) throws(ExpositionError) {
        let name = family.name
        func fail(_ reason: String) -> ExpositionError {
            .invalidMetricFamily(reason, family: name, offset: offset)
        }
        guard options.nameValidation.isValidMetricName(name) else {
            throw fail("invalid metric name (\(options.nameValidation) validation)")
        }
        if !family.hasType, Self.hasUnknownField(3, in: family.unknownFields) {
            throw fail("unknown metric type")
        }
        let magicLabel: String? =
            switch family.type {
            case .summary: "quantile"
            case .histogram, .gaugeHistogram: "le"
            default: nil
            }
        for metric in family.metric {
            var seen = Set<String>()
            for pair in metric.label {
                guard options.nameValidation.isValidLabelName(pair.name) else {
                    throw fail("invalid label name \(pair.name.quotedForPromQL)")
                }
                guard pair.name != Labels.metricNameLabel, pair.name != magicLabel else {
                    throw fail("label \(pair.name.quotedForPromQL) is reserved in a \(family.type) family")
                }
                guard seen.insert(pair.name).inserted else {
                    throw fail("duplicate label name \(pair.name.quotedForPromQL)")
                }
            }
            try checkValueType(metric, family.type, fail)
            switch family.type {
            case .summary: try checkQuantiles(metric.summary, fail)
            case .histogram, .gaugeHistogram:
                if Self.isNative(metric.histogram) {
                    try checkNativeSpans(metric.histogram, fail)
                } else {
                    try checkBuckets(metric.histogram, fail)
                }
            default: break
            }
        }
    }

    private func checkValueType(
        _ metric: Io_Prometheus_Client_Metric, _ type: Io_Prometheus_Client_MetricType,
        _ fail: (String) -> ExpositionError
    ) throws(ExpositionError) {
        let present: [(Io_Prometheus_Client_MetricType, Bool)] = [
            (.counter, metric.hasCounter), (.gauge, metric.hasGauge), (.summary, metric.hasSummary),
            (.untyped, metric.hasUntyped), (.histogram, metric.hasHistogram),
        ]
        let own: Io_Prometheus_Client_MetricType = type == .gaugeHistogram ? .histogram : type
        let hasOwn = present.contains { $0.0 == own && $0.1 }
        if !hasOwn, let other = present.first(where: { $0.1 }) {
            throw fail("metric of a \(type) family carries a \(other.0) value")
        }
    }

    private func checkQuantiles(
        _ summary: Io_Prometheus_Client_Summary, _ fail: (String) -> ExpositionError
    ) throws(ExpositionError) {
        var seen = Set<UInt64>()
        for quantile in summary.quantile {
            let q = quantile.quantile
            guard !q.isNaN, q >= 0, q <= 1 else { throw fail("quantile \(q) outside [0, 1]") }
            guard seen.insert((q + 0).bitPattern).inserted else { throw fail("duplicate quantile \(q)") }
        }
    }

    private func checkBuckets(
        _ histogram: Io_Prometheus_Client_Histogram, _ fail: (String) -> ExpositionError
    ) throws(ExpositionError) {
        var previousBound = -Double.infinity, previousCount = -Double.infinity
        for (i, bucket) in histogram.bucket.enumerated() {
            let bound = bucket.upperBound
            guard !bound.isNaN, i == 0 || bound > previousBound else {
                throw fail("bucket bound \(bound) does not increase (previous \(previousBound))")
            }
            let count = bucket.cumulativeCountFloat != 0 ? bucket.cumulativeCountFloat : Double(bucket.cumulativeCount)
            guard !(count < previousCount) else {
                throw fail("cumulative count \(count) of bucket le=\(bound) is less than the previous bucket's \(previousCount)")
            }
            previousBound = bound
            previousCount = count
        }
    }

    /// Prometheus's `checkNativeHistogramConsistency`: spans must cover exactly the buckets sent.
    private func checkNativeSpans(
        _ h: Io_Prometheus_Client_Histogram, _ fail: (String) -> ExpositionError
    ) throws(ExpositionError) {
        guard (-4...8).contains(h.schema) || h.schema == -53 else {
            throw fail("native histogram schema \(h.schema) is not supported")
        }
        for (side, spans, buckets) in [
            ("negative", h.negativeSpan, max(h.negativeDelta.count, h.negativeCount.count)),
            ("positive", h.positiveSpan, max(h.positiveDelta.count, h.positiveCount.count)),
        ] {
            var total = 0
            for (i, span) in spans.enumerated() {
                guard i == 0 || span.offset >= 0 else {
                    throw fail("\(side) side: span number \(i + 1) has negative offset \(span.offset)")
                }
                total += Int(span.length)
            }
            guard total == buckets else {
                throw fail("\(side) side: spans require \(total) buckets, have \(buckets)")
            }
        }
    }

    /// Whether an unknown-field blob holds field `number` (where proto2 puts enum values it
    /// does not know, such as a metric type from a newer client).
    static func hasUnknownField(_ number: UInt32, in unknown: UnknownStorage) -> Bool {
        unknown.data.withUnsafeBytes { raw in
            var reader = ProtobufReader(raw)
            while reader.hasMore {
                guard let (field, wireType) = try? reader.tag() else { return false }
                if field == number { return true }
                guard (try? reader.skip(wireType, field: field)) != nil else { return false }
            }
            return false
        }
    }
}
