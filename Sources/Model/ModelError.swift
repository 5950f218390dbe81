/// Why a label, name or matcher was refused.
package enum ModelError: Error, Equatable, Sendable {
    /// A regular expression RE2 (Go's syntax) does not accept.
    case invalidRegex(pattern: String, reason: String)
    /// A label name that is not valid under the scheme in force.
    case invalidLabelName(String, scheme: NameValidationScheme)
    /// A metric name that is not valid under the scheme in force.
    case invalidMetricName(String, scheme: NameValidationScheme)
    /// A label value that is not valid UTF-8.
    case invalidLabelValue(name: String)
    /// A label set with the same name twice.
    case duplicateLabelName(String)
    /// A label set whose names are not in ascending byte order (`name` follows `after`).
    case labelsOutOfOrder(name: String, after: String)
    /// A `relabel_configs` entry Prometheus would refuse; `reason` names the offending key.
    case invalidRelabelConfig(action: RelabelConfig.Action, reason: String)
    /// A duration that is not in Prometheus's syntax (`1h30m`, `5m`, `100ms`), or out of range.
    case invalidDuration(String, reason: String)
}

extension ModelError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .invalidRegex(let pattern, let reason):
            "error parsing regexp: \(reason): `\(pattern)`"
        case .invalidLabelName(let name, let scheme):
            "invalid label name \(name.quotedForPromQL) (\(scheme) validation)"
        case .invalidMetricName(let name, let scheme):
            "invalid metric name \(name.quotedForPromQL) (\(scheme) validation)"
        case .invalidLabelValue(let name):
            "invalid UTF-8 in the value of label \(name.quotedForPromQL)"
        case .duplicateLabelName(let name):
            "duplicate label name \(name.quotedForPromQL)"
        case .labelsOutOfOrder(let name, let after):
            "label \(name.quotedForPromQL) follows \(after.quotedForPromQL): label names must be sorted"
        case .invalidRelabelConfig(let action, let reason):
            "invalid relabel config (action \(action.rawValue)): \(reason)"
        case .invalidDuration(_, let reason):
            reason
        }
    }
}
