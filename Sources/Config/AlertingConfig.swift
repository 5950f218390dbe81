package import Model
internal import Yams

/// `alerting`: where alerts are sent and how they are relabeled on the way.
package struct AlertingConfig: Sendable, Equatable, YAMLStruct {
    /// `alert_relabel_configs`: applied to every alert before it is sent.
    package var alertRelabelConfigs: [RelabelConfig] = []
    /// `alertmanagers`.
    package var alertmanagers: [AlertmanagerConfig] = []

    /// No Alertmanager.
    package init() {}

    static var yamlTypeName: String { "config.AlertingConfig" }
    static var yamlFields: [YAMLField<AlertingConfig>] {
        [
            .relabelRules("alert_relabel_configs", \.alertRelabelConfigs, nullMessage: "empty or null alert relabeling rule"),
            YAMLField("alertmanagers", \.alertmanagers),
        ]
    }
}

/// One `alertmanagers` entry: a set of Alertmanagers found by service discovery
/// (`config/config.go` `AlertmanagerConfig`).
package struct AlertmanagerConfig: Sendable, Equatable, YAMLStruct {
    /// Where the Alertmanagers are found.
    package var serviceDiscovery = ServiceDiscoveryConfigs()
    /// The inlined `<http_config>`.
    package var http = HTTPClientConfig()
    /// `scheme`; `http` by default.
    package var scheme = "http"
    /// `path_prefix` put in front of the API path.
    package var pathPrefix = ""
    /// `timeout` for sending alerts; 10s by default.
    package var timeout: Duration = .seconds(10)
    /// `api_version`; only `v2` is supported, as in Prometheus 3.
    package var apiVersion = "v2"
    /// `relabel_configs`: applied to discovered Alertmanagers.
    package var relabelConfigs: [RelabelConfig] = []
    /// `alert_relabel_configs`: applied to alerts sent to these Alertmanagers.
    package var alertRelabelConfigs: [RelabelConfig] = []

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "config.AlertmanagerConfig" }
    static var yamlFields: [YAMLField<AlertmanagerConfig>] {
        YAMLField.inline(\.serviceDiscovery) + YAMLField.inline(\.http) + [
            YAMLField("scheme", \.scheme), YAMLField("path_prefix", \.pathPrefix), YAMLField("timeout", \.timeout),
            YAMLField("api_version", \.apiVersion, omitEmpty: false),
            .relabelRules("relabel_configs", \.relabelConfigs, nullMessage: "empty or null Alertmanager target relabeling rule"),
            .relabelRules("alert_relabel_configs", \.alertRelabelConfigs, nullMessage: "empty or null Alertmanager alert relabeling rule"),
            YAMLField("sigv4") { (_: inout AlertmanagerConfig, _: Node, key: Node) throws(ConfigError) in
                throw .invalid("sigv4 is not supported by Pharos", line: key.line)
            },
        ]
    }

    static func decodeNull(line: Int) throws(ConfigError) -> AlertmanagerConfig {
        throw .invalid("empty or null alertmanager config section", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if apiVersion != "v2" {
            throw .invalid("expected Alertmanager api version to be one of [v2] but got \(apiVersion)", line: line)
        }
        try http.validate(line: line)
        if relabelConfigs.isEmpty { try serviceDiscovery.checkStaticTargets(line: line) }
    }
}
