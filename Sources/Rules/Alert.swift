package import Model

/// The state of one alert, as Prometheus's `rules.AlertState`; ordered inactive < pending < firing.
package enum AlertState: Int, Sendable, Comparable, CustomStringConvertible {
    /// Resolved: the expression stopped holding (kept for `AlertingRuleState.resolvedRetention`).
    case inactive
    /// The expression holds but not yet for the rule's `for`.
    case pending
    /// The expression has held for `for`; the alert is sent.
    case firing

    package static func < (lhs: AlertState, rhs: AlertState) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `inactive`, `pending` or `firing`, the `alertstate` label value.
    package var description: String {
        switch self {
        case .inactive: "inactive"
        case .pending: "pending"
        case .firing: "firing"
        }
    }
}

/// One alert of an alerting rule: a label set the expression produced, and its history.
/// Times are milliseconds since the Unix epoch; `nil` is Go's zero time.
package struct Alert: Sendable, Equatable {
    /// The sample's labels without `__name__`, the rule's (expanded) labels and `alertname`.
    package var labels: Labels
    /// The rule's annotations, expanded for this alert.
    package var annotations: Annotations
    /// Where the alert is in its life.
    package var state: AlertState
    /// The expression's value at the last evaluation that produced the alert.
    package var value: Double
    /// When the expression started holding (moved by `for`-state restoration).
    package var activeAtMs: Int64
    /// When the alert went to firing.
    package var firedAtMs: Int64?
    /// When the alert went inactive after pending or firing.
    package var resolvedAtMs: Int64?
    /// When the alert was last handed to the notifier.
    package var lastSentAtMs: Int64?
    /// Until when Alertmanager should consider the alert firing without hearing again.
    package var validUntilMs: Int64?
    /// When the expression stopped holding while `keep_firing_for` keeps the alert firing.
    package var keepFiringSinceMs: Int64?

    /// A new pending alert.
    package init(labels: Labels, annotations: Annotations, value: Double, activeAtMs: Int64) {
        self.labels = labels
        self.annotations = annotations
        self.state = .pending
        self.value = value
        self.activeAtMs = activeAtMs
    }

    /// `startsAt` as the notifier sends it: when the alert fired.
    package var startsAtMs: Int64 { firedAtMs ?? activeAtMs }

    /// `endsAt` as the notifier sends it: the resolution time, else `validUntil`.
    package var endsAtMs: Int64? { resolvedAtMs ?? validUntilMs }

    /// Whether the notifier must be told about the alert at `nowMs` (upstream's `needsSending`):
    /// never while pending; at once after a resolution not yet sent; otherwise once the resend
    /// delay has passed since the last send.
    package func needsSending(atMs nowMs: Int64, resendDelay: Duration) -> Bool {
        if state == .pending { return false }
        if let resolvedAtMs, resolvedAtMs > (lastSentAtMs ?? Int64.min) { return true }
        guard let lastSentAtMs else { return true }
        return lastSentAtMs + resendDelay.wholeMilliseconds < nowMs
    }
}
