package import Model

/// A silence (upstream's `silencepb.Silence`): alerts whose labels all its matchers accept are
/// muted between `startsAtMs` and `endsAtMs`. Times are Unix milliseconds.
package struct Silence: Sendable, Equatable {
    /// The UUID the Alertmanager gave it.
    package var id: String
    /// `=`, `!=`, `=~`, `!~` matchers; absent labels read as "".
    package var matchers: [Matcher]
    package var startsAtMs: Int64
    package var endsAtMs: Int64
    /// When it was created or last changed.
    package var updatedAtMs: Int64
    package var createdBy: String
    package var comment: String

    /// A silence with the given fields.
    package init(id: String = "", matchers: [Matcher], startsAtMs: Int64, endsAtMs: Int64, updatedAtMs: Int64 = 0,
                 createdBy: String, comment: String) {
        self.id = id
        self.matchers = matchers
        self.startsAtMs = startsAtMs
        self.endsAtMs = endsAtMs
        self.updatedAtMs = updatedAtMs
        self.createdBy = createdBy
        self.comment = comment
    }

    /// The state at `nowMs` (upstream's `CalcSilenceState`).
    package func state(at nowMs: Int64) -> SilenceState {
        if nowMs < startsAtMs { return .pending }
        if nowMs < endsAtMs { return .active }
        return .expired
    }

    /// Whether every matcher accepts `labels`.
    package func matches(_ labels: [String: String]) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }

    /// Upstream's `validateSilence`.
    func validate() throws(AlertingError) {
        if id.isEmpty { throw .invalidSilence("ID missing") }
        if matchers.isEmpty { throw .invalidSilence("at least one matcher required") }
        for matcher in matchers where !NameValidationScheme.legacy.isValidLabelName(matcher.name) {
            throw .invalidSilence("invalid label matcher: invalid label name \"\(matcher.name)\"")
        }
        if matchers.allSatisfy(\.matchesEmpty) { throw .invalidSilence("at least one matcher must not match the empty string") }
        if endsAtMs < startsAtMs { throw .invalidSilence("end time must not be before start time") }
    }
}

/// A silence's state (the API's `silenceStatus.state`).
package enum SilenceState: String, Sendable {
    case expired, active, pending

    /// The API lists active silences first, then pending, then expired.
    var listOrder: Int {
        switch self {
        case .active: 0
        case .pending: 1
        case .expired: 2
        }
    }
}
