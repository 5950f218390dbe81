package import Model
internal import Yams

/// `global`: defaults for every scrape job and rule group, and the external labels
/// (`config/config.go` `GlobalConfig`).
package struct GlobalConfig: Sendable, Equatable {
    /// `scrape_interval`; 1m by default.
    package var scrapeInterval: Duration = .seconds(60)
    /// `scrape_timeout`; 10s by default (never more than the interval).
    package var scrapeTimeout: Duration = .seconds(10)
    /// `scrape_protocols`; `nil` means "depends on scrape_native_histograms".
    package var scrapeProtocols: [ScrapeProtocol]?
    /// `evaluation_interval`; 1m by default.
    package var evaluationInterval: Duration = .seconds(60)
    /// `rule_query_offset`; 0 by default.
    package var ruleQueryOffset: Duration = .zero
    /// `query_log_file`.
    package var queryLogFile = ""
    /// `scrape_failure_log_file`.
    package var scrapeFailureLogFile = ""
    /// `external_labels`, after `$VAR`/`${VAR}` expansion.
    package var externalLabels = Labels()
    /// `body_size_limit`, `sample_limit`, `target_limit`, `label_limit`, `label_name_length_limit`,
    /// `label_value_length_limit`, `keep_dropped_targets`: the defaults for every job.
    package var limits = ScrapeLimits()
    /// `metric_name_validation_scheme`; UTF-8 by default.
    package var metricNameValidationScheme: NameValidationScheme = .utf8
    /// `metric_name_escaping_scheme`; empty means "from the validation scheme".
    package var metricNameEscapingScheme = ""
    /// `scrape_native_histograms`; false by default.
    package var scrapeNativeHistograms = false
    /// `convert_classic_histograms_to_nhcb`; false by default.
    package var convertClassicHistogramsToNHCB = false
    /// `always_scrape_classic_histograms`; false by default.
    package var alwaysScrapeClassicHistograms = false
    /// `extra_scrape_metrics`; false by default.
    package var extraScrapeMetrics = false

    /// Prometheus's defaults.
    package init() {}

    /// The escaping schemes a scrape may request (`prometheus/common` `model`).
    static let escapingSchemes = ["allow-utf-8", "underscores", "dots", "values"]
}

extension GlobalConfig: YAMLStruct {
    static var yamlTypeName: String { "config.GlobalConfig" }
    static var yamlFields: [YAMLField<GlobalConfig>] {
        [
            YAMLField("scrape_interval", \.scrapeInterval), YAMLField("scrape_timeout", \.scrapeTimeout),
            YAMLField("scrape_protocols", \.scrapeProtocols).prefixingErrors("scrape_protocols: "),
            YAMLField("evaluation_interval", \.evaluationInterval),
            YAMLField("rule_query_offset", \.ruleQueryOffset), YAMLField("query_log_file", \.queryLogFile),
            YAMLField("scrape_failure_log_file", \.scrapeFailureLogFile),
            YAMLField("external_labels", \.externalLabels),
        ] + YAMLField.inline(\.limits) + [
            YAMLField("metric_name_validation_scheme", \.metricNameValidationScheme),
            YAMLField("metric_name_escaping_scheme", \.metricNameEscapingScheme),
            YAMLField("scrape_native_histograms", \.scrapeNativeHistograms),
            YAMLField("convert_classic_histograms_to_nhcb", \.convertClassicHistogramsToNHCB),
            YAMLField("always_scrape_classic_histograms", \.alwaysScrapeClassicHistograms),
            YAMLField("extra_scrape_metrics", \.extraScrapeMetrics),
        ]
    }

    /// Decoding starts from zero intervals so that "not given" can be told from "given", as
    /// upstream's `GlobalConfig.UnmarshalYAML` does; `validate` fills the defaults.
    static var decodingStart: GlobalConfig {
        var unset = GlobalConfig()
        unset.scrapeInterval = .zero
        unset.scrapeTimeout = .zero
        unset.evaluationInterval = .zero
        return unset
    }

    mutating func validate(line: Int) throws(ConfigError) {
        for label in externalLabels where !metricNameValidationScheme.isValidLabelName(label.name) {
            throw .invalid("\"\(label.name)\" is not a valid label name", line: line)
        }
        if scrapeInterval == .zero { scrapeInterval = .seconds(60) }
        if scrapeTimeout > scrapeInterval {
            throw .invalid("global scrape timeout greater than scrape interval", line: line)
        }
        if scrapeTimeout == .zero { scrapeTimeout = min(.seconds(10), scrapeInterval) }
        if evaluationInterval == .zero { evaluationInterval = .seconds(60) }
        if let scrapeProtocols { try ScrapeProtocol.validate(scrapeProtocols, context: "global config", line: line) }
        if !metricNameEscapingScheme.isEmpty && !GlobalConfig.escapingSchemes.contains(metricNameEscapingScheme) {
            throw .invalid(
                "unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got \"\(metricNameEscapingScheme)\"",
                line: line)
        }
    }

    /// Replaces `$VAR` and `${VAR}` in external label values with the environment's values
    /// (`$$` is a literal `$`), as Prometheus's `config.Load` does with Go's `os.Expand`.
    mutating func expandExternalLabels(environment: [String: String]) {
        externalLabels = Labels(externalLabels.map { Label(name: $0.name, value: GlobalConfig.expand($0.value, environment)) })
    }

    static func expand(_ text: String, _ environment: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "{" {
                guard let close = after.firstIndex(of: "}") else {
                    // Go's os.Expand drops a lone "${" with no closing brace.
                    rest = after.dropFirst()
                    continue
                }
                let name = after[after.index(after: after.startIndex)..<close]
                result += name == "$" ? "$" : environment[String(name)] ?? ""
                rest = after[after.index(after: close)...]
            } else if after.first == "$" {
                result += "$"
                rest = after.dropFirst()
            } else {
                let name = after.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
                if name.isEmpty {
                    result += "$"
                } else {
                    result += environment[String(name)] ?? ""
                }
                rest = after.dropFirst(name.count)
            }
        }
        return result + rest
    }
}

/// A format a scrape may ask for in `Accept`, named as in `scrape_protocols`.
package enum ScrapeProtocol: String, Sendable, CaseIterable, YAMLCodable {
    case prometheusProto = "PrometheusProto"
    case prometheusText004 = "PrometheusText0.0.4"
    case prometheusText100 = "PrometheusText1.0.0"
    case openMetricsText001 = "OpenMetricsText0.0.1"
    case openMetricsText100 = "OpenMetricsText1.0.0"

    /// The order used when neither the job nor `global` sets `scrape_protocols`.
    package static let defaultOrder: [ScrapeProtocol] = [
        .openMetricsText100, .openMetricsText001, .prometheusText100, .prometheusText004,
    ]
    /// The order used when native histograms are scraped: protobuf first.
    package static let protoFirstOrder: [ScrapeProtocol] = [.prometheusProto] + defaultOrder

    static func decode(_ node: Node) throws(ConfigError) -> ScrapeProtocol {
        let text = try String.decode(node)
        guard let value = ScrapeProtocol(rawValue: text) else {
            let supported = ScrapeProtocol.allCases.map(\.rawValue).sorted().joined(separator: " ")
            throw .invalid("unknown scrape protocol \(text), supported: [\(supported)]", line: node.line)
        }
        return value
    }
    func encode() -> Node? { .plain(rawValue) }

    static func validate(_ list: [ScrapeProtocol], context: String, line: Int) throws(ConfigError) {
        if list.isEmpty { throw .invalid("scrape_protocols cannot be empty for \(context)", line: line) }
        if Set(list).count != list.count {
            throw .invalid("duplicated protocol in scrape_protocols, got [\(list.map(\.rawValue).joined(separator: " "))] for \(context)", line: line)
        }
    }
}

extension NameValidationScheme: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> NameValidationScheme {
        switch try String.decode(node) {
        case "", "utf8": return .utf8
        case "legacy": return .legacy
        case let other:
            throw .invalid("unrecognized ValidationScheme: \"\(other)\"", line: node.line)
        }
    }
    func encode() -> Node? { .plain(rawValue) }
}
