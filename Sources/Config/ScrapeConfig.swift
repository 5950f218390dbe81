package import Model
internal import Yams

/// One `scrape_configs` entry: a job, its targets and how they are scraped
/// (`config/config.go` `ScrapeConfig`). Keys left out inherit from `global` when the whole
/// config is loaded (`resolve(global:)`), as Prometheus's `ScrapeConfig.Validate` does.
package struct ScrapeConfig: Sendable, Equatable {
    /// `job_name` (required, unique).
    package var jobName = ""
    /// `honor_labels`.
    package var honorLabels = false
    /// `honor_timestamps`; true by default.
    package var honorTimestamps = true
    /// `track_timestamps_staleness`.
    package var trackTimestampsStaleness = false
    /// `params`: URL query parameters.
    package var params: [String: [String]] = [:]
    /// `scrape_interval`; the global one if zero.
    package var scrapeInterval: Duration = .zero
    /// `scrape_timeout`; the global one (capped at the interval) if zero.
    package var scrapeTimeout: Duration = .zero
    /// `scrape_protocols`; from `global` or the defaults if `nil`.
    package var scrapeProtocols: [ScrapeProtocol]?
    /// `fallback_scrape_protocol`.
    package var fallbackScrapeProtocol: ScrapeProtocol?
    /// `scrape_native_histograms`; inherits `global` if `nil`.
    package var scrapeNativeHistograms: Bool?
    /// `always_scrape_classic_histograms` (also read as Prometheus 2's `scrape_classic_histograms`).
    package var alwaysScrapeClassicHistograms: Bool?
    /// `convert_classic_histograms_to_nhcb`.
    package var convertClassicHistogramsToNHCB: Bool?
    /// `scrape_failure_log_file`.
    package var scrapeFailureLogFile = ""
    /// `metrics_path`; `/metrics` by default.
    package var metricsPath = "/metrics"
    /// `scheme`; `http` by default.
    package var scheme = "http"
    /// `enable_compression`; true by default.
    package var enableCompression = true
    /// The scrape limits; each one left at zero inherits `global`'s.
    package var limits = ScrapeLimits()
    /// `native_histogram_bucket_limit`.
    package var nativeHistogramBucketLimit: UInt = 0
    /// `native_histogram_min_bucket_factor`.
    package var nativeHistogramMinBucketFactor: Double = 0
    /// `metric_name_validation_scheme`; inherits `global` if `nil`.
    package var metricNameValidationScheme: NameValidationScheme?
    /// `metric_name_escaping_scheme`; derived from the validation scheme if empty.
    package var metricNameEscapingScheme = ""
    /// `extra_scrape_metrics`; inherits `global` if `nil`.
    package var extraScrapeMetrics: Bool?
    /// Where targets come from.
    package var serviceDiscovery = ServiceDiscoveryConfigs()
    /// The inlined `<http_config>`.
    package var http = HTTPClientConfig()
    /// `relabel_configs`: applied to targets.
    package var relabelConfigs: [RelabelConfig] = []
    /// `metric_relabel_configs`: applied to scraped samples.
    package var metricRelabelConfigs: [RelabelConfig] = []
    /// The line of the entry in its file, for errors found after decoding.
    package var line = 0

    /// The defaults.
    package init() {}

    /// A job called `jobName` with the defaults.
    package init(jobName: String) { self.jobName = jobName }
}

extension ScrapeConfig: YAMLStruct {
    static var yamlTypeName: String { "config.ScrapeConfig" }
    static var yamlFields: [YAMLField<ScrapeConfig>] {
        [
            YAMLField("job_name", \.jobName, omitEmpty: false), YAMLField("honor_labels", \.honorLabels),
            YAMLField("honor_timestamps", \.honorTimestamps, omitEmpty: false),
            YAMLField("track_timestamps_staleness", \.trackTimestampsStaleness, omitEmpty: false),
            YAMLField("params", \.params), YAMLField("scrape_interval", \.scrapeInterval),
            YAMLField("scrape_timeout", \.scrapeTimeout), YAMLField("scrape_protocols", \.scrapeProtocols).prefixingErrors("scrape_protocols: "),
            YAMLField("fallback_scrape_protocol", \.fallbackScrapeProtocol).prefixingErrors("invalid fallback_scrape_protocol: "),
            YAMLField("scrape_native_histograms", \.scrapeNativeHistograms),
            YAMLField("always_scrape_classic_histograms", \.alwaysScrapeClassicHistograms),
            YAMLField("scrape_classic_histograms") { (config: inout ScrapeConfig, node: Node, _: Node) throws(ConfigError) in
                // Prometheus 2's name for always_scrape_classic_histograms; accepted so 2.x configs load.
                config.alwaysScrapeClassicHistograms = try Bool.decode(node)
            },
            YAMLField("convert_classic_histograms_to_nhcb", \.convertClassicHistogramsToNHCB),
            YAMLField("scrape_failure_log_file", \.scrapeFailureLogFile),
            YAMLField("metrics_path", \.metricsPath), YAMLField("scheme", \.scheme),
            YAMLField("enable_compression", \.enableCompression, omitEmpty: false),
        ] + YAMLField.inline(\.limits) + [
            YAMLField("native_histogram_bucket_limit", \.nativeHistogramBucketLimit),
            YAMLField("native_histogram_min_bucket_factor", \.nativeHistogramMinBucketFactor),
            YAMLField("metric_name_validation_scheme", \.metricNameValidationScheme),
            YAMLField("metric_name_escaping_scheme", \.metricNameEscapingScheme),
            YAMLField("extra_scrape_metrics", \.extraScrapeMetrics),
        ] + YAMLField.inline(\.serviceDiscovery) + YAMLField.inline(\.http) + [
            .relabelRules("relabel_configs", \.relabelConfigs, nullMessage: "empty or null target relabeling rule in scrape config"),
            .relabelRules("metric_relabel_configs", \.metricRelabelConfigs, nullMessage: "empty or null metric relabeling rule in scrape config"),
        ]
    }

    static func decodeNull(line: Int) throws(ConfigError) -> ScrapeConfig {
        throw .invalid("empty or null scrape config section", line: line)
    }

    /// Upstream's `ScrapeConfig.UnmarshalYAML` checks: what can be said without `global`.
    mutating func validate(line: Int) throws(ConfigError) {
        self.line = line
        if jobName.isEmpty { throw .invalid("job_name is empty", line: line) }
        try http.validate(line: line)
        if relabelConfigs.isEmpty { try serviceDiscovery.checkStaticTargets(line: line) }
    }

    /// Fills what the job leaves to `global` and checks what depends on it (upstream's
    /// `ScrapeConfig.Validate`).
    /// - Throws: `ConfigError.invalid` naming the job.
    package mutating func resolve(global: GlobalConfig) throws(ConfigError) {
        let job = "scrape config with job name \"\(jobName)\""
        if scrapeInterval == .zero { scrapeInterval = global.scrapeInterval }
        if scrapeTimeout > scrapeInterval {
            throw .invalid("scrape timeout greater than scrape interval for \(job)", line: line)
        }
        if scrapeTimeout == .zero { scrapeTimeout = min(global.scrapeTimeout, scrapeInterval) }
        limits.inherit(from: global.limits)
        if scrapeFailureLogFile.isEmpty { scrapeFailureLogFile = global.scrapeFailureLogFile }
        if scrapeNativeHistograms == nil { scrapeNativeHistograms = global.scrapeNativeHistograms }
        if extraScrapeMetrics == nil { extraScrapeMetrics = global.extraScrapeMetrics }
        if convertClassicHistogramsToNHCB == nil { convertClassicHistogramsToNHCB = global.convertClassicHistogramsToNHCB }
        if alwaysScrapeClassicHistograms == nil { alwaysScrapeClassicHistograms = global.alwaysScrapeClassicHistograms }
        if scrapeProtocols == nil {
            scrapeProtocols = global.scrapeProtocols
                ?? (scrapeNativeHistograms == true ? ScrapeProtocol.protoFirstOrder : ScrapeProtocol.defaultOrder)
        }
        try ScrapeProtocol.validate(scrapeProtocols ?? [], context: job, line: line)

        let localSchemeUnset = metricNameValidationScheme == nil
        let scheme = metricNameValidationScheme ?? global.metricNameValidationScheme
        metricNameValidationScheme = scheme
        if metricNameEscapingScheme.isEmpty {
            if localSchemeUnset && !global.metricNameEscapingScheme.isEmpty {
                metricNameEscapingScheme = global.metricNameEscapingScheme
            } else {
                metricNameEscapingScheme = scheme == .legacy ? "underscores" : "allow-utf-8"
            }
        }
        guard GlobalConfig.escapingSchemes.contains(metricNameEscapingScheme) else {
            throw .invalid(
                "unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got \"\(metricNameEscapingScheme)\"",
                line: line)
        }
        if metricNameEscapingScheme == "allow-utf-8" && scheme != .utf8 {
            throw .invalid("utf8 metric names requested but validation scheme is not set to UTF8", line: line)
        }
        for rule in relabelConfigs + metricRelabelConfigs where scheme != .utf8 {
            try rule.validate(scheme: scheme, line: line)
        }
    }
}
