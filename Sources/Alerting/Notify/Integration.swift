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
