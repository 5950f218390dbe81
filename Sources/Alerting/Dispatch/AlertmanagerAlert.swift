internal import Model

/// An alert as the Alertmanager holds it (upstream's `types.Alert`). Times are Unix milliseconds.
package struct AlertmanagerAlert: Sendable, Equatable {
    /// The identifying labels.
    package var labels: [String: String] {
        didSet { fingerprint = Fingerprint(labels) }
    }
    /// Descriptive annotations.
    package var annotations: [String: String]
    /// When the alert started firing.
    package var startsAtMs: Int64
    /// When it resolves (or resolved); `nil` is Go's zero time, only in notifications of firing alerts.
    package var endsAtMs: Int64?
    /// A link to the alert's source.
    package var generatorURL: String
    /// When the Alertmanager last received it.
    package var updatedAtMs: Int64
    /// Whether `endsAtMs` was not sent but set to `resolve_timeout` after receipt.
    package var isTimeout: Bool
    /// The label-set fingerprint (derived from `labels`).
    package private(set) var fingerprint: Fingerprint

    /// An alert with the given fields.
    package init(labels: [String: String], annotations: [String: String] = [:], startsAtMs: Int64, endsAtMs: Int64?,
                 generatorURL: String = "", updatedAtMs: Int64, isTimeout: Bool = false) {
        self.labels = labels
        self.annotations = annotations
        self.startsAtMs = startsAtMs
        self.endsAtMs = endsAtMs
        self.generatorURL = generatorURL
        self.updatedAtMs = updatedAtMs
        self.isTimeout = isTimeout
        fingerprint = Fingerprint(labels)
    }

    /// Whether the alert is resolved at `nowMs`: it has an end and the end is not after `nowMs`.
    package func isResolved(at nowMs: Int64) -> Bool {
        guard let endsAtMs else { return false }
        return endsAtMs <= nowMs
    }

    /// `self` and a newer report `other` of the same alert merged (upstream's `Alert.Merge`):
    /// the earliest start; the latest explicit end when both are resolved, and a later end that
    /// is no timeout when the newer one fires.
    package func merged(with other: AlertmanagerAlert, nowMs: Int64) -> AlertmanagerAlert {
        if other.updatedAtMs < updatedAtMs { return other.merged(with: self, nowMs: nowMs) }
        var result = other
        if startsAtMs < other.startsAtMs { result.startsAtMs = startsAtMs }
        let mine = endsAtMs ?? Int64.min, theirs = other.endsAtMs ?? Int64.min
        if other.isResolved(at: nowMs) {
            if isResolved(at: nowMs) && mine > theirs { result.endsAtMs = endsAtMs }
        } else if mine > theirs && !isTimeout {
            result.endsAtMs = endsAtMs
        }
        return result
    }

    /// What `POST /api/v2/alerts` makes of a posted alert (upstream's `api.insertAlerts`): a
    /// missing start becomes the end or `nowMs`, a missing end becomes `nowMs + resolveTimeout`
    /// (a timeout), empty label values are dropped; then the alert is validated.
    /// - Throws: `AlertingError.invalidAlert` with upstream's message.
    package static func received(
        labels: [String: String], annotations: [String: String], startsAtMs: Int64?, endsAtMs: Int64?, generatorURL: String,
        nowMs: Int64, resolveTimeout: Duration
    ) throws(AlertingError) -> AlertmanagerAlert {
        let start = startsAtMs ?? endsAtMs ?? nowMs
        var alert = AlertmanagerAlert(
            labels: labels.filter { !$0.value.isEmpty }, annotations: annotations, startsAtMs: start,
            endsAtMs: endsAtMs ?? nowMs + resolveTimeout.wholeMilliseconds, generatorURL: generatorURL, updatedAtMs: nowMs,
            isTimeout: endsAtMs == nil)
        try alert.validate()
        alert.annotations = annotations
        return alert
    }

    /// Upstream's `Alert.Validate`.
    private func validate() throws(AlertingError) {
        if let endsAtMs, endsAtMs < startsAtMs { throw .invalidAlert("start time must be before end time") }
        if labels.isEmpty { throw .invalidAlert("at least one label pair required") }
        for name in labels.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            if !NameValidationScheme.legacy.isValidLabelName(name) { throw .invalidAlert("invalid label set: invalid name \"\(name)\"") }

        }
        for name in annotations.keys.sorted() where !NameValidationScheme.legacy.isValidLabelName(name) {
            throw .invalidAlert("invalid annotations: invalid name \"\(name)\"")
        }
    }

    /// Orders alerts as upstream's `AlertSlice`: by `job`, then `instance` (present before
    /// absent), then by label set.
    package static func precedes(_ a: AlertmanagerAlert, _ b: AlertmanagerAlert) -> Bool {
        for key in ["job", "instance"] {
            let x = a.labels[key], y = b.labels[key]
            if x == nil && y == nil { continue }
            guard let x else { return false }
            guard let y else { return true }
            if !x.hasSameUTF8(as: y) { return x.utf8.lexicographicallyPrecedes(y.utf8) }
        }
        return LabelSetOrder.before(a.labels, b.labels)
    }
}

/// Go's `model.LabelSet.Before`: fewer labels first, then the first differing value in name order.
enum LabelSetOrder {
    static func before(_ a: [String: String], _ b: [String: String]) -> Bool {
        if a.count != b.count { return a.count < b.count }
        let names = Set(a.keys).union(b.keys).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for name in names {
            guard let x = a[name] else { return true }
            guard let y = b[name] else { return false }
            if !x.hasSameUTF8(as: y) { return x.utf8.lexicographicallyPrecedes(y.utf8) }
        }
        return false
    }
}
