internal import Foundation

/// One notification integration of a receiver (a `webhook_configs` entry, ...): few
/// requirements, as swift-log's handlers, so each integration is a small type.
package protocol Integration: Sendable {
    /// Upstream's integration name, as metrics and the notification log use it (`webhook`).
    var name: String { get }
    /// The position among the receiver's integrations of that name.
    var index: Int { get }
    /// `send_resolved`.
    var sendResolved: Bool { get }
    /// Sends one notification.
    /// - Returns: whether a failure may succeed when retried (5xx, 429, network errors).
    func notify(_ notification: Notification) async -> NotifyOutcome
}

/// An integration whose config carries `send_resolved`, which is all `sendResolved` reads.
protocol ConfiguredIntegration: Integration {
    associatedtype Config: ResolvedNotificationSetting
    var config: Config { get }
}

extension ConfiguredIntegration {
    var sendResolved: Bool { config.sendResolved }
}

/// A receiver config with `send_resolved`.
protocol ResolvedNotificationSetting {
    var sendResolved: Bool { get }
}

extension WebhookConfig: ResolvedNotificationSetting {}
extension EmailConfig: ResolvedNotificationSetting {}
extension SlackConfig: ResolvedNotificationSetting {}
extension PagerDutyConfig: ResolvedNotificationSetting {}
extension IntegrationConfig: ResolvedNotificationSetting {}

/// What one notification carries (upstream's template data plus the group key).
package struct Notification: Sendable {
    /// The receiver's name.
    package var receiver: String
    /// The aggregation group's key and labels.
    package var groupKey: String
    package var groupLabels: [String: String]
    /// The alerts, in order; firing ones have no end.
    package var alerts: [AlertmanagerAlert]
    /// `--web.external-url`.
    package var externalURL: String
    /// When the flush happened, and until when retries may go on.
    package var nowMs: Int64
    package var deadline: ContinuousClock.Instant
}

/// How a notification attempt went.
package enum NotifyOutcome: Sendable, Equatable {
    case delivered
    /// Failed; `retry` says whether trying again may help.
    case failed(String, retry: Bool)
}

/// Why a notification failed, as upstream's `notify.Reason` labels `alertmanager_notifications_failed_total`.
package enum NotifyFailureReason: String, CaseIterable, Sendable {
    case other, clientError, serverError, contextCanceled, contextDeadlineExceeded, authError, rateLimited

    /// The category of a failure message: the HTTP status of `unexpected status code N`
    /// (401/403 auth, 429 rate limited, other 4xx client, 5xx server), a deadline, or other.
    package init(_ message: String) {
        if let range = message.range(of: "unexpected status code "), let code = Int(message[range.upperBound...].prefix(3)) {
            switch code {
            case 401, 403: self = .authError
            case 429: self = .rateLimited
            case 400..<500: self = .clientError
            case 500..<600: self = .serverError
            default: self = .other
            }
        } else if message.contains("in time") || message.lowercased().contains("deadline") || message.lowercased().contains("timeout") {
            self = .contextDeadlineExceeded
        } else {
            self = .other
        }
    }
}
