import Exposition
import Model

/// The check the real Pushgateway runs before it accepts a push: it gathers every group with
/// the push applied, as client_golang's `Gatherers.Gather` does, and refuses the push on the
/// first inconsistency — a family name with two types, a metric that does not match its
/// family's type, duplicate or invalid label names, an explicit `quantile` label on a summary,
/// a series pushed twice (across groups too), and `_count`/`_sum`/`_bucket` names colliding
/// with a summary or histogram.
///
/// Groups are visited in key order and families in name order (upstream visits Go maps in
/// random order, so which of two conflicting pushes is named in the message may differ; that
/// one of them fails does not).
enum ConsistencyCheck {
    /// The first inconsistency of `groups`, in the wording of client_golang's registry.
    static func firstProblem(in groups: some Collection<MetricGroup>) -> String? {
        var types: [String: Io_Prometheus_Client_MetricType] = [:]
        var series = Set<[String]>()
        for group in groups.sorted(by: { $0.key < $1.key }) {
            for (name, timed) in group.allFamilies.sorted(by: { $0.key < $1.key }) {
                let family = timed.family
                if let existing = types[name] {
                    if existing != family.type, let metric = family.metric.first {
                        return "collected metric \(quoted(name)) \(text(metric)) is not a \(typeName(existing))"
                    }
                } else {
                    if let collision = suffixCollision(name, family.type, types) { return collision }
                    types[name] = family.type
                }
                for metric in family.metric {
                    if let problem = metricProblem(name, family.type, metric, series: &series) { return problem }
                }
            }
        }
        return nil
    }

    private static func metricProblem(_ name: String, _ type: Io_Prometheus_Client_MetricType,
                                      _ metric: Io_Prometheus_Client_Metric, series: inout Set<[String]>) -> String? {
        let matchesType = switch type {
        case .counter: metric.hasCounter
        case .gauge: metric.hasGauge
        case .summary: metric.hasSummary
        case .histogram, .gaugeHistogram: metric.hasHistogram
        case .untyped: metric.hasUntyped
        }
        guard matchesType else { return "collected metric \(quoted(name)) \(text(metric)) is not a \(typeName(type))" }
        var previous = ""
        for pair in metric.label {
            if pair.name == previous {
                return "collected metric \(quoted(name)) \(text(metric)) has two or more labels with the same name: \(pair.name)"
            }
            if !NameValidationScheme.legacy.isValidLabelName(pair.name) {
                return "collected metric \(quoted(name)) \(text(metric)) has a label with an invalid name: \(pair.name)"
            }
            if metric.hasSummary, pair.name == "quantile" {
                return "collected metric \(quoted(name)) \(text(metric)) must not have an explicit \"quantile\" label"
            }
            previous = pair.name
        }
        var key = [name]
        for pair in metric.label { key += [pair.name, pair.value] }
        guard series.insert(key).inserted else {
            return "collected metric \(quoted(name)) \(text(metric)) was collected before with the same name and label values"
        }
        return nil
    }

    /// client_golang's `checkSuffixCollisions`.
    private static func suffixCollision(_ name: String, _ type: Io_Prometheus_Client_MetricType,
                                        _ types: [String: Io_Prometheus_Client_MetricType]) -> String? {
        for suffix in ["_count", "_sum", "_bucket"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            switch types[base] {
            case .summary where suffix != "_bucket":
                return "collected metric named \(quoted(name)) collides with previously collected summary named \(quoted(base))"
            case .histogram:
                return "collected metric named \(quoted(name)) collides with previously collected histogram named \(quoted(base))"
            default:
                break
            }
        }
        if type == .summary || type == .histogram {
            for suffix in type == .histogram ? ["_count", "_sum", "_bucket"] : ["_count", "_sum"] where types[name + suffix] != nil {
                return "collected histogram or summary named \(quoted(name)) collides with previously collected metric named \(quoted(name + suffix))"
            }
        }
        return nil
    }

    static func typeName(_ type: Io_Prometheus_Client_MetricType) -> String {
        switch type {
        case .counter: "COUNTER"
        case .gauge: "GAUGE"
        case .summary: "SUMMARY"
        case .untyped: "UNTYPED"
        case .histogram: "HISTOGRAM"
        case .gaugeHistogram: "GAUGE_HISTOGRAM"
        }
    }

    private static func quoted(_ text: String) -> String { "\"\(text)\"" }

    private static func text(_ metric: Io_Prometheus_Client_Metric) -> String {
        "{" + metric.label.map { "\($0.name)=\(quoted($0.value))" }.joined(separator: ",") + "}"
    }
}
