package import Exposition
import Model

/// The push gateway's `/metrics` body: every group's families merged by name (type and help
/// of the first group that has the name), sorted by name, each family's metrics sorted by
/// label values, in the text format 0.0.4 exactly as client_golang's `expfmt.MetricFamilyToText`
/// writes it — so the body equals the real Pushgateway's for the same pushes, apart from its
/// own `go_*`, `process_*` and `pushgateway_*` metrics, which Pharos does not have.
package enum PushgatewayExposition {
    /// The families of `groups` merged as upstream's `GetMetricFamilies` and
    /// `NormalizeMetricFamilies` merge them.
    package static func mergedFamilies(_ groups: [MetricGroup]) -> [PushedFamily] {
        var byName: [String: PushedFamily] = [:]
        for group in groups {
            for (name, timed) in group.allFamilies.sorted(by: { $0.key < $1.key }) {
                if byName[name] == nil {
                    byName[name] = timed.family
                } else {
                    byName[name]!.metric += timed.family.metric
                }
            }
        }
        return byName.values.filter { !$0.metric.isEmpty }.sorted { $0.name < $1.name }.map { family in
            var family = family
            family.metric.sort(by: precedes)
            return family
        }
    }

    /// client_golang's `metricSorter`: fewer labels first, then label values in order.
    private static func precedes(_ lhs: Io_Prometheus_Client_Metric, _ rhs: Io_Prometheus_Client_Metric) -> Bool {
        if lhs.label.count != rhs.label.count { return lhs.label.count < rhs.label.count }
        for (left, right) in zip(lhs.label, rhs.label) where left.value != right.value {
            return left.value < right.value
        }
        return false
    }

    /// Appends the text exposition of `groups` to `out`.
    package static func write(_ groups: [MetricGroup], into out: inout [UInt8]) {
        for family in mergedFamilies(groups) { write(family, into: &out) }
    }

    private static func write(_ family: PushedFamily, into out: inout [UInt8]) {
        let name = family.name
        if family.hasHelp {
            out.append(contentsOf: "# HELP \(name) ".utf8)
            appendEscaped(family.help, quotes: false, into: &out)
            out.append(UInt8(ascii: "\n"))
        }
        out.append(contentsOf: "# TYPE \(name) \(typeName(family.type))\n".utf8)
        for metric in family.metric {
            switch family.type {
            case .summary:
                for quantile in metric.summary.quantile {
                    appendSample(name, metric, extra: ("quantile", quantile.quantile), value: quantile.value, into: &out)
                }
                appendSample(name + "_sum", metric, value: metric.summary.sampleSum, into: &out)
                appendSample(name + "_count", metric, count: metric.summary.sampleCount, into: &out)
            case .histogram, .gaugeHistogram:
                for bucket in metric.histogram.bucket {
                    appendSample(name + "_bucket", metric, extra: ("le", bucket.upperBound), count: bucket.cumulativeCount, into: &out)
                }
                if !metric.histogram.bucket.contains(where: { $0.upperBound == .infinity }) {
                    appendSample(name + "_bucket", metric, extra: ("le", .infinity), count: metric.histogram.sampleCount, into: &out)
                }
                appendSample(name + "_sum", metric, value: metric.histogram.sampleSum, into: &out)
                appendSample(name + "_count", metric, count: metric.histogram.sampleCount, into: &out)
            case .counter:
                appendSample(name, metric, value: metric.counter.value, into: &out)
            case .gauge:
                appendSample(name, metric, value: metric.gauge.value, into: &out)
            case .untyped:
                appendSample(name, metric, value: metric.untyped.value, into: &out)
            }
        }
    }

    /// `# TYPE` spelling (expfmt lower-cases the protobuf enum name).
    package static func typeName(_ type: Io_Prometheus_Client_MetricType) -> String {
        type == .gaugeHistogram ? "histogram" : ConsistencyCheck.typeName(type).lowercased()
    }

    private static func appendSample(_ name: String, _ metric: Io_Prometheus_Client_Metric, extra: (String, Double)? = nil,
                                     value: Double? = nil, count: UInt64? = nil, into out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        if !metric.label.isEmpty || extra != nil {
            out.append(UInt8(ascii: "{"))
            var first = true
            for pair in metric.label {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: pair.name.utf8)
                out.append(contentsOf: "=\"".utf8)
                appendEscaped(pair.value, quotes: true, into: &out)
                out.append(UInt8(ascii: "\""))
            }
            if let extra {
                if !first { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "\(extra.0)=\"".utf8)
                FloatFormatting.append(extra.1, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: " "))
        if let count {
            out.append(contentsOf: String(count).utf8)
        } else {
            FloatFormatting.append(value ?? 0, to: &out)
        }
        if metric.hasTimestampMs {
            out.append(contentsOf: " \(metric.timestampMs)".utf8)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// expfmt's escaping: `\` and newline, and `"` in label values.
    private static func appendEscaped(_ text: String, quotes: Bool, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: "\\\"".utf8)
            default: out.append(byte)
            }
        }
    }
}
