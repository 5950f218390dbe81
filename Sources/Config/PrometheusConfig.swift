internal import Foundation
import Model
internal import Yams

/// A whole `prometheus.yml` (`config/config.go` `Config`), decoded strictly with Prometheus's
/// defaults, validated, and with per-job defaults taken from `global`. Each stage reads its own
/// section.
package struct PrometheusConfig: Sendable, Equatable {
    /// `global`.
    package var global = GlobalConfig()
    /// `runtime`.
    package var runtime = RuntimeConfig()
    /// `alerting`.
    package var alerting = AlertingConfig()
    /// `rule_files`: paths or globs (a `*` only in the last element).
    package var ruleFiles: [String] = []
    /// `scrape_config_files`: paths or globs of files with more `scrape_configs`.
    package var scrapeConfigFiles: [String] = []
    /// `scrape_configs`, followed (after `load(file:)`) by those from `scrape_config_files`.
    package var scrapeConfigs: [ScrapeConfig] = []
    /// `storage`.
    package var storage = StorageConfig()
    /// `tracing`.
    package var tracing = TracingConfig()
    /// `remote_write`.
    package var remoteWrite: [RemoteWriteConfig] = []
    /// `remote_read`.
    package var remoteRead: [RemoteReadConfig] = []
    /// `otlp`.
    package var otlp = OTLPConfig()
    /// `stream` (Pharos only): the durable log between producers and ingesters.
    package var stream = StreamConfig()

    /// Prometheus's defaults (an empty file).
    package init() {}

    /// Parses the text of a `prometheus.yml`. Relative paths are kept as written and
    /// `scrape_config_files` are not read: `load(file:)` does both.
    /// - Parameter environment: for `$VAR` in external labels; the process environment by default.
    /// - Throws: `ConfigError`, with the line of the offending node.
    package static func parse(
        _ yaml: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> PrometheusConfig {
        guard let root = try composeYAML(yaml) else { return PrometheusConfig() }
        var config = try PrometheusConfig.decode(root)
        config.global.expandExternalLabels(environment: environment)
        return config
    }

    /// Reads, parses and validates the file at `path`: relative paths in it become relative to its
    /// directory, and the files `scrape_config_files` names are read and their jobs appended.
    /// - Throws: `ConfigError.inFile` wrapping the reason, or `.unreadable`.
    package static func load(
        file path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> PrometheusConfig {
        let text = try readFile(path)
        var config: PrometheusConfig
        do {
            config = try parse(text, environment: environment)
        } catch {
            throw .inFile(path: path, error)
        }
        let directory = (path as NSString).deletingLastPathComponent
        config.setDirectory(directory)
        try config.loadScrapeConfigFiles()
        return config
    }

    /// The config as YAML, as `/api/v1/status/config` shows it: defaults filled in, secrets as
    /// `<secret>`.
    package func yaml() -> String {
        guard let node = encode() else { return "{}\n" }
        return (try? Yams.serialize(node: node, width: -1)) ?? "{}\n"
    }

    static func readFile(_ path: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw .unreadable(path: path, reason: exists ? "permission denied or not a file" : "no such file or directory")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// libyaml's verdict on `text`; `nil` for an empty document.
    static func composeYAML(_ text: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let prefix = context.map { $0.text + " " } ?? ""
                throw .syntax(message: prefix + problem, line: mark.line, column: mark.column)
            case .duplicatedKeysInMapping(let duplicates, let context):
                throw .syntax(
                    message: "mapping key \(duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")) already defined",
                    line: context.mark.line, column: context.mark.column)
            default:
                throw .syntax(message: String(describing: error), line: 0, column: 0)
            }
        } catch {
            throw .syntax(message: String(describing: error), line: 0, column: 0)
        }
    }
}

extension PrometheusConfig: YAMLStruct {
    static var yamlTypeName: String { "config.Config" }
    static var yamlFields: [YAMLField<PrometheusConfig>] {
        [
            YAMLField("global", \.global, omitEmpty: false), YAMLField("runtime", \.runtime),
            YAMLField("alerting", \.alerting), YAMLField("rule_files", \.ruleFiles),
            YAMLField("scrape_config_files", \.scrapeConfigFiles), YAMLField("scrape_configs", \.scrapeConfigs),
            YAMLField("storage", \.storage), YAMLField("tracing", \.tracing),
            YAMLField("remote_write", \.remoteWrite), YAMLField("remote_read", \.remoteRead),
            YAMLField("otlp", \.otlp), YAMLField("stream", \.stream),
        ]
    }

    /// Upstream's `Config.UnmarshalYAML`: path patterns, per-job resolution against `global`,
    /// unique job names, and the name schemes for alerting and remote-write relabeling.
    mutating func validate(line: Int) throws(ConfigError) {
        for file in ruleFiles where !PrometheusConfig.isValidPathPattern(file) {
            throw .invalid("invalid rule file path \"\(file)\"", line: line)
        }
        for file in scrapeConfigFiles where !PrometheusConfig.isValidPathPattern(file) {
            throw .invalid("invalid scrape config file path \"\(file)\"", line: line)
        }
        var jobNames: Set<String> = []
        for index in scrapeConfigs.indices {
            try scrapeConfigs[index].resolve(global: global)
            let job = scrapeConfigs[index]
            if !jobNames.insert(job.jobName).inserted {
                throw .invalid("found multiple scrape configs with job name \"\(job.jobName)\"", line: job.line)
            }
        }
        let scheme = global.metricNameValidationScheme
        if scheme != .utf8 {
            let rules = alerting.alertRelabelConfigs + alerting.alertmanagers.flatMap { $0.relabelConfigs + $0.alertRelabelConfigs }
                + remoteWrite.flatMap(\.writeRelabelConfigs)
            for rule in rules { try rule.validate(scheme: scheme, line: line) }
        }
        var writeNames: Set<String> = []
        for write in remoteWrite where !write.name.isEmpty {
            if !writeNames.insert(write.name).inserted {
                throw .invalid("found multiple remote write configs with job name \"\(write.name)\"", line: line)
            }
        }
        var readNames: Set<String> = []
        for read in remoteRead where !read.name.isEmpty {
            if !readNames.insert(read.name).inserted {
                throw .invalid("found multiple remote read configs with job name \"\(read.name)\"", line: line)
            }
        }
        if otlp.translationStrategy.hasPrefix("No") && scheme == .legacy {
            throw .invalid("OTLP translation strategy \"\(otlp.translationStrategy)\" is not allowed when UTF8 is disabled", line: line)
        }
    }

    /// Upstream's `patRulePath`, `^[^*]*(\*[^/]*)?$`: a `*` only in the last path element.
    static func isValidPathPattern(_ path: String) -> Bool {
        guard let star = path.firstIndex(of: "*") else { return true }
        return !path[star...].contains("/")
    }
}
