package import Config

/// Why an `alertmanager.yml`, a matcher or a routing request was refused.
package enum AlertingError: Error, Equatable, Sendable {
    /// A matcher string neither of Alertmanager's matcher syntaxes accepts; `reason` says why.
    case invalidMatcher(String, reason: String)
    /// A label argument of `routes test` that is not `name=value`.
    case invalidLabelArgument(String)
    /// The config file was refused; the wrapped error carries the line.
    case config(ConfigError)
    /// A posted alert upstream's `Alert.Validate` refuses.
    case invalidAlert(String)
    /// A silence upstream's `validateSilence` (or the API) refuses.
    case invalidSilence(String)
    /// No silence has this ID.
    case silenceNotFound(String)
    /// The silence is expired already.
    case silenceAlreadyExpired(String)
    /// A receiver uses an integration Pharos cannot send to yet.
    case unsupportedIntegration(String, receiver: String)
    /// The silences or notification log file cannot be read or written.
    case stateFile(path: String, reason: String)
    /// A receiver's integration cannot be set up (`reason` says why).
    case integration(receiver: String, reason: String)
    /// A `templates:` file does not parse.
    case template(path: String, reason: String)
    /// What an HA peer sent is not a state Pharos can merge.
    case peerState(String)
    /// `--cluster.tls-config`'s client side does not load.
    case clusterTLS(String)
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
        case .invalidAlert(let reason), .invalidSilence(let reason):
            reason
        case .silenceNotFound:
            "silence not found"
        case .silenceAlreadyExpired(let id):
            "silence \(id) already expired"
        case .unsupportedIntegration(let name, let receiver):
            "receiver \"\(receiver)\": integration \(name) not supported"
        case .stateFile(let path, let reason):
            "\(path): \(reason) (move the file away to start without it)"
        case .integration(let receiver, let reason):
            "receiver \"\(receiver)\": \(reason)"
        case .template(let path, let reason):
            "failed to parse templates: \(path): \(reason)"
        case .peerState(let reason):
            "peer state refused: \(reason)"
        case .clusterTLS(let reason):
            "--cluster.tls-config: \(reason)"
        }
    }
}
