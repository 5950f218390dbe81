package import Config

/// Why an `alertmanager.yml`, a matcher or a routing request was refused.
package enum AlertingError: Error, Equatable, Sendable {
    /// A matcher string neither of Alertmanager's matcher syntaxes accepts; `reason` says why.
    case invalidMatcher(String, reason: String)
    /// A label argument of `routes test` that is not `name=value`.
    case invalidLabelArgument(String)
    /// The config file was refused; the wrapped error carries the line.
    case config(ConfigError)
}

extension AlertingError: CustomStringConvertible {
    /// The message amtool would print.
    package var description: String {
        switch self {
        case .invalidMatcher(let text, let reason):
            "bad matcher format: \(text): \(reason)"
        case .invalidLabelArgument(let text):
            "labels must be specified as key=value pairs: \(text)"
        case .config(let error):
            error.description
        }
    }
}
