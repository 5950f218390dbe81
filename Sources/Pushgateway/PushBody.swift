import Foundation
package import Exposition
import Model
import SwiftProtobuf

/// A pushed metric family in the form the Pushgateway keeps it (client_model's `MetricFamily`).
package typealias PushedFamily = Io_Prometheus_Client_MetricFamily

/// Decodes push bodies into metric families by name, as `handler/push.go` does: length-delimited
/// protobuf when `Content-Type` says `application/vnd.google.protobuf;
/// proto=io.prometheus.client.MetricFamily; encoding=delimited`, the text format 0.0.4 otherwise.
package enum PushBody {
    /// The families of `body`; a later protobuf family replaces an earlier one of the same name.
    /// - Throws: `.invalidBody` with the parser's message.
    package static func families(_ body: [UInt8], contentType: String) throws(PushgatewayError) -> [String: PushedFamily] {
        isDelimitedProtobuf(contentType) ? try protobufFamilies(body) : try textFamilies(body)
    }

    /// Go's `mime.ParseMediaType` check in `handler/push.go`.
    static func isDelimitedProtobuf(_ contentType: String) -> Bool {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let mediaType = parts.first, mediaType.lowercased() == "application/vnd.google.protobuf" else { return false }
        var parameters: [String: String] = [:]
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "=") else { return false }
            var value = String(part[part.index(after: equals)...])
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            parameters[part[..<equals].lowercased()] = value
        }
        return parameters["encoding"] == "delimited" && parameters["proto"] == "io.prometheus.client.MetricFamily"
    }

    private static func protobufFamilies(_ body: [UInt8]) throws(PushgatewayError) -> [String: PushedFamily] {
        var families: [String: PushedFamily] = [:]
        var offset = 0
        while offset < body.count {
            var length: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard offset < body.count, shift < 64 else { throw .invalidBody("unexpected EOF") }
                let byte = body[offset]
                offset += 1
                length |= UInt64(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
            }
            guard length <= UInt64(body.count - offset) else { throw .invalidBody("unexpected EOF") }
            let end = offset + Int(length)
            let family: PushedFamily
            do {
                family = try PushedFamily(serializedBytes: Array(body[offset..<end]))
            } catch {
                throw .invalidBody("proto: cannot parse invalid wire-format data")
            }
            offset = end
            guard !family.name.isEmpty else { throw .invalidBody("metric family has no name") }
            families[family.name] = family
        }
        return families
    }

    private static func textFamilies(_ body: [UInt8]) throws(PushgatewayError) -> [String: PushedFamily] {
        var parser = PrometheusTextParser(body, isStrict: true)
        let collected: [MetricFamily]
        do {
            collected = try MetricFamily.collect(from: &parser)
        } catch {
            throw .invalidBody("text format parsing error in line \(error.line ?? 0): \(error.message)")
        }
        var families: [String: PushedFamily] = [:]
        // Summary and histogram samples of one label set make one metric, as expfmt's parser builds them.
        var metricIndex: [String: [Labels: Int]] = [:]
        for source in collected {
            let type = pushedType(source.type)
            var family = families[source.name] ?? PushedFamily()
            family.name = source.name
            family.type = type
            if let help = source.help { family.help = help }
            families[source.name] = family
            for sample in source.samples {
                let sampleName = sample.labels.metricName ?? ""
                let suffix = sampleName.dropFirst(source.name.count)
                var builder = LabelsBuilder(sample.labels)
                builder.delete(Labels.metricNameLabel)
                switch type {
                case .summary where sampleName.hasPrefix(source.name) && ["", "_sum", "_count"].contains(suffix),
                     .histogram where sampleName.hasPrefix(source.name) && ["_bucket", "_sum", "_count"].contains(suffix):
                    let special = type == .summary ? "quantile" : "le"
                    let bound = builder.value(of: special).flatMap(Double.init)
                    builder.delete(special)
                    let key = builder.labels()
                    let index: Int
                    if let existing = metricIndex[source.name]?[key] {
                        index = existing
                    } else {
                        var metric = Io_Prometheus_Client_Metric()
                        metric.label = labelPairs(key)
                        if type == .summary { metric.summary = .init() } else { metric.histogram = .init() }
                        families[source.name]!.metric.append(metric)
                        index = families[source.name]!.metric.count - 1
                        metricIndex[source.name, default: [:]][key] = index
                    }
                    var metric = families[source.name]!.metric[index]
                    if let timestamp = sample.timestampMs { metric.timestampMs = timestamp }
                    switch (type, suffix) {
                    case (_, "_sum"):
                        if type == .summary { metric.summary.sampleSum = sample.value } else { metric.histogram.sampleSum = sample.value }
                    case (_, "_count"):
                        if type == .summary { metric.summary.sampleCount = count(sample.value) } else { metric.histogram.sampleCount = count(sample.value) }
                    case (.summary, _):
                        var quantile = Io_Prometheus_Client_Quantile()
                        quantile.quantile = bound ?? .nan
                        quantile.value = sample.value
                        metric.summary.quantile.append(quantile)
                    default:
                        var bucket = Io_Prometheus_Client_Bucket()
                        bucket.upperBound = bound ?? .nan
                        bucket.cumulativeCount = count(sample.value)
                        metric.histogram.bucket.append(bucket)
                    }
                    families[source.name]!.metric[index] = metric
                default:
                    // A sample another family's name does not own is a family of its own (untyped).
                    let name = sampleName
                    var metric = Io_Prometheus_Client_Metric()
                    metric.label = labelPairs(builder.labels())
                    if let timestamp = sample.timestampMs { metric.timestampMs = timestamp }
                    let metricType = name == source.name ? type : .untyped
                    switch metricType {
                    case .counter: metric.counter.value = sample.value
                    case .gauge: metric.gauge.value = sample.value
                    default: metric.untyped.value = sample.value
                    }
                    if families[name] == nil {
                        var own = PushedFamily()
                        own.name = name
                        own.type = metricType
                        families[name] = own
                    }
                    families[name]!.metric.append(metric)
                }
            }
        }
        return families
    }

    private static func pushedType(_ type: MetricType) -> Io_Prometheus_Client_MetricType {
        switch type {
        case .counter: .counter
        case .gauge: .gauge
        case .summary: .summary
        case .histogram: .histogram
        default: .untyped
        }
    }

    /// A sample count as expfmt stores it (`uint64(value)`), 0 where that is undefined.
    private static func count(_ value: Double) -> UInt64 {
        value.isFinite && value >= 0 && value < 18_446_744_073_709_551_615 ? UInt64(value) : 0
    }

    private static func labelPairs(_ labels: Labels) -> [Io_Prometheus_Client_LabelPair] {
        labels.map { label in
            var pair = Io_Prometheus_Client_LabelPair()
            pair.name = label.name
            pair.value = label.value
            return pair
        }
    }
}
