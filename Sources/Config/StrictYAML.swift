package import Yams

/// Config's strict YAML readers for the other config files Pharos takes (`alertmanager.yml`), so
/// they decode scalars, durations, secrets and `<http_config>` exactly as `prometheus.yml` does.
///
/// Each reader throws `ConfigError` with the node's line, and follows Go's yaml.v2 as
/// Prometheus's decoders do: a value of the wrong kind is a `typeMismatch`, null is the zero value.
package enum StrictYAML {
    /// Parses `text` into a node tree with line marks; `nil` for an empty document.
    /// - Throws: `ConfigError.syntax` with libyaml's message and position.
    package static func compose(_ text: String) throws(ConfigError) -> Node? {
        try PrometheusConfig.composeYAML(text)
    }

    /// The key/value pairs of a mapping, merge keys (`<<`) expanded.
    /// - Parameter type: the Go type named in the error when `node` is not a mapping.
    package static func entries(_ node: Node, type: String) throws(ConfigError) -> [(key: Node, value: Node)] {
        try YAMLMappingEntries.of(node, expected: type).map { (key: $0.0, value: $0.1) }
    }

    /// The 1-based line of `node`, 0 if unknown.
    package static func line(_ node: Node) -> Int { node.line }

    /// Whether `node` is YAML null (`~`, `null` or nothing).
    package static func isNull(_ node: Node) -> Bool { node.isNull }

    /// How Go's yaml.v2 names `node` in "cannot unmarshal" errors (``!!str `abc` ``, `!!map`).
    package static func goDescription(_ node: Node) -> String { node.goDescription }

    /// A string scalar; null is "".
    package static func string(_ node: Node) throws(ConfigError) -> String { try String.decode(node) }

    /// A YAML 1.1 boolean (`true`, `yes`, `on`, ...); null is false.
    package static func bool(_ node: Node) throws(ConfigError) -> Bool { try Bool.decode(node) }

    /// An integer scalar; null is 0.
    package static func int(_ node: Node) throws(ConfigError) -> Int { try Int.decode(node) }

    /// A float scalar (integers accepted); null is 0.
    package static func double(_ node: Node) throws(ConfigError) -> Double { try Double.decode(node) }

    /// A Prometheus duration (`5m`, `1h30m`); null is zero.
    package static func duration(_ node: Node) throws(ConfigError) -> Duration { try Duration.decode(node) }

    /// A secret string, shown as `<secret>` when printed.
    package static func secret(_ node: Node) throws(ConfigError) -> Secret { try Secret.decode(node) }

    /// A list of strings; null is empty.
    package static func strings(_ node: Node) throws(ConfigError) -> [String] { try [String].decode(node) }

    /// A map of strings to strings; null is empty.
    package static func stringMap(_ node: Node) throws(ConfigError) -> [String: String] { try [String: String].decode(node) }

    /// `<http_config>` with Prometheus's defaults and checks.
    package static func httpClientConfig(_ node: Node) throws(ConfigError) -> HTTPClientConfig {
        try HTTPClientConfig.decode(node)
    }

    /// `<tls_config>` with its checks.
    package static func tlsConfig(_ node: Node) throws(ConfigError) -> TLSConfig { try TLSConfig.decode(node) }
}
