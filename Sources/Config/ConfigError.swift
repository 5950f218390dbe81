/// Why a `prometheus.yml` (or a file it names) was refused. Each case carries the line of the
/// offending node (1-based; 0 when there is no position) so the operator can go straight to it.
package enum ConfigError: Error, Equatable, Sendable {
    /// The text is not YAML at all (libyaml's own message).
    case syntax(message: String, line: Int, column: Int)
    /// A key that the section does not have; named like Go's strict YAML decoder does.
    case unknownField(String, type: String, line: Int)
    /// A value of the wrong kind, e.g. a mapping where a string belongs, or `abc` for an integer.
    case typeMismatch(found: String, expected: String, line: Int)
    /// A value of the right kind that Prometheus refuses; `message` is Prometheus's wording.
    case invalid(String, line: Int)
    /// A service discovery mechanism that Prometheus has and Pharos does not.
    case unsupportedServiceDiscovery(String, line: Int)
    /// A file that could not be read.
    case unreadable(path: String, reason: String)
    /// An error in a file: the main config file or one named by `scrape_config_files`.
    indirect case inFile(path: String, ConfigError)
}

extension ConfigError: CustomStringConvertible {
    /// The message promtool would print, with the line.
    package var description: String {
        switch self {
        case .syntax(let message, let line, let column):
            "yaml: line \(line), column \(column): \(message)"
        case .unknownField(let key, let type, let line):
            "line \(line): field \(key) not found in type \(type)"
        case .typeMismatch(let found, let expected, let line):
            "line \(line): cannot unmarshal \(found) into \(expected)"
        case .invalid(let message, let line):
            line > 0 ? "line \(line): \(message)" : message
        case .unsupportedServiceDiscovery(let key, let line):
            "line \(line): unsupported service discovery: \(key)"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .inFile(let path, let error):
            "parsing YAML file \(path): \(error)"
        }
    }

    /// The line of the offending node, if known.
    package var line: Int? {
        switch self {
        case .syntax(_, let line, _), .unknownField(_, _, let line), .typeMismatch(_, _, let line),
            .invalid(_, let line), .unsupportedServiceDiscovery(_, let line):
            line > 0 ? line : nil
        case .unreadable: nil
        case .inFile(_, let inner): inner.line
        }
    }
}
