internal import Yams

extension TargetGroup {
    /// Decodes a `file_sd_configs` YAML file: a list of `{targets: [...], labels: {...}}`, strictly
    /// (unknown keys are refused, as Prometheus's `yaml.UnmarshalStrict`). An empty file is no groups.
    ///
    /// - Throws: `ConfigError` with the line of the first problem.
    package static func decodeList(yaml text: String) throws(ConfigError) -> [TargetGroup] {
        guard let root = try PrometheusConfig.composeYAML(text), !root.isNull else { return [] }
        return try [TargetGroup].decode(root)
    }
}
