/// Why the push gateway refused a request or could not keep its state. The messages are
/// the real Pushgateway's (`handler/push.go`, `storage/diskmetricstore.go`), so push clients
/// see what they would see there.
package enum PushgatewayError: Error, Equatable, Sendable {
    /// The URL path does not name a grouping key (odd components, bad label name, bad base64).
    case invalidPath(String)
    /// The body is not valid text 0.0.4 or delimited protobuf.
    case invalidBody(String)
    /// A pushed sample carries a timestamp.
    case timestampsPresent
    /// The push conflicts with itself or with other groups (type, duplicate series, suffix collision).
    case inconsistent(String)
    /// The `ttl` query parameter is not a duration.
    case invalidTTL(String)
    /// The journal could not be read or written.
    case journal(path: String, reason: String)
}

extension PushgatewayError {
    /// Whether the gateway failed to persist a change (a server error), not the request.
    package var isJournalFailure: Bool {
        if case .journal = self { true } else { false }
    }
}

extension PushgatewayError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .invalidPath(let reason), .invalidBody(let reason):
            reason
        case .timestampsPresent:
            "pushed metrics are invalid or inconsistent with existing metrics: pushed metrics must not have timestamps"
        case .inconsistent(let reason):
            "pushed metrics are invalid or inconsistent with existing metrics: \(reason)"
        case .invalidTTL(let text):
            "invalid ttl \"\(text)\": not a duration like 30s or 1h"
        case .journal(let path, let reason):
            "push gateway journal \(path): \(reason)"
        }
    }
}
