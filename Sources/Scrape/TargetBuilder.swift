import Config
import Discovery
import Model

/// Turns discovered target groups into a pool's targets, as upstream's `TargetsFromGroup` and
/// `PopulateLabels` (`scrape/target.go`): group labels under target labels, the job's defaults
/// for `job`, `__scrape_interval__`, `__scrape_timeout__`, `__metrics_path__`, `__scheme__` and
/// `__param_*`, then `relabel_configs`; `__meta_*` labels go, `instance` defaults to
/// `__address__`.
struct TargetBuilder {
    let config: ScrapeConfig
    let relabeler: Relabeler

    /// What one discovery update gives a pool.
    struct Result {
        var targets: [ScrapeTarget] = []
        /// Targets relabeling dropped, with their discovered labels and provider.
        var dropped: [(labels: Labels, provider: String)] = []
        /// Targets refused for a reason an operator should see (no address, bad interval, ...).
        var failures: [String] = []
    }

    func targets(from groups: [DiscoveredTargetGroup]) -> Result {
        var result = Result()
        var builder = LabelsBuilder()
        for group in groups {
            for target in group.targets {
                builder.reset(target)
                group.labels.forEach { label in
                    if builder.value(of: label.name) == nil { builder.set(label.name, label.value) }
                }
                switch populate(&builder, provider: group.provider) {
                case .target(let built): result.targets.append(built)
                case .dropped(let discovered): result.dropped.append((discovered, group.provider))
                case .failed(let reason): result.failures.append(reason)
                }
            }
        }
        return result
    }

    enum Outcome {
        case target(ScrapeTarget)
        case dropped(Labels)
        case failed(String)
    }

    /// Upstream's `PopulateLabels` on one target whose discovered labels are in `builder`.
    ///
    /// - Parameter provider: the discovery provider the target came from (`DiscoveredTargetGroup.provider`).
    func populate(_ builder: inout LabelsBuilder, provider: String) -> Outcome {
        let defaults: [(String, String)] = [
            ("job", config.jobName),
            ("__scrape_interval__", config.scrapeInterval.prometheusString),
            ("__scrape_timeout__", config.scrapeTimeout.prometheusString),
            ("__metrics_path__", config.metricsPath),
            ("__scheme__", config.scheme),
        ]
        for (name, value) in defaults where builder.value(of: name) == nil { builder.set(name, value) }
        for (name, values) in config.params.sorted(by: { $0.key < $1.key }) {
            if let first = values.first, builder.value(of: "__param_" + name) == nil { builder.set("__param_" + name, first) }
        }
        let discovered = builder.labels()
        guard relabeler.process(&builder) else { return .dropped(discovered) }
        guard let address = builder.value(of: DiscoveredTargetGroup.addressLabel) else { return .failed("no address") }
        if address.contains("/") { return .failed("\"\(address)\" is not a valid hostname") }
        let interval: Duration, timeout: Duration
        do throws(ModelError) {
            interval = try Duration(prometheus: builder.value(of: "__scrape_interval__") ?? "")
            timeout = try Duration(prometheus: builder.value(of: "__scrape_timeout__") ?? "")
        } catch {
            return .failed("error parsing scrape interval or timeout: \(error)")
        }
        if interval == .zero { return .failed("scrape interval cannot be 0") }
        if timeout == .zero { return .failed("scrape timeout cannot be 0") }
        if timeout > interval {
            return .failed("scrape timeout cannot be greater than scrape interval (\"\(timeout.prometheusString)\" > \"\(interval.prometheusString)\")")
        }
        builder.delete(whereName: { $0.starts(with: "__meta_".utf8) })
        if builder.value(of: "instance") == nil { builder.set("instance", address) }
        let labels = builder.labels()
        return .target(ScrapeTarget(
            labels: labels, discoveredLabels: discovered, discoveryProvider: provider,
            url: Self.url(labels, params: config.params), interval: interval, timeout: timeout))
    }

    /// The URL of a target (upstream's `Target.URL`): `__param_*` labels override the first
    /// value of the job's `params`; the query is sorted by key, as Go's `url.Values.Encode`.
    static func url(_ labels: Labels, params: [String: [String]]) -> String {
        var query = params
        for label in labels where label.name.hasPrefix("__param_") {
            let key = String(label.name.dropFirst("__param_".count))
            if query[key]?.isEmpty == false { query[key]?[0] = label.value } else { query[key] = [label.value] }
        }
        var url = (labels["__scheme__"] ?? "http") + "://" + (labels[DiscoveredTargetGroup.addressLabel] ?? "")
            + (labels["__metrics_path__"] ?? "")
        let pairs = query.keys.sorted().flatMap { key in (query[key] ?? []).map { escapeQuery(key) + "=" + escapeQuery($0) } }
        if !pairs.isEmpty { url += "?" + pairs.joined(separator: "&") }
        return url
    }

    /// Go's `url.QueryEscape`: unreserved bytes as they are, space as `+`, the rest `%XX`.
    static func escapeQuery(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}
