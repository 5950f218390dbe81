internal import Model
/// Which notifications went out (upstream's `nflog`): per receiver integration and aggregation
/// group, the firing and resolved alerts of the last successful notification and when it was
/// sent. A value; `Alertmanager` persists it.
package struct NotificationLog: Sendable, Equatable {
    /// One integration of a receiver and one aggregation group.
    package struct Key: Hashable, Sendable {
        /// The receiver's name.
        package var receiver: String
        /// The integration (`webhook`) and its index in the receiver.
        package var integration: String
        package var index: Int
        /// The aggregation group's key.
        package var groupKey: String

        package init(receiver: String, integration: String, index: Int, groupKey: String) {
            self.receiver = receiver
            self.integration = integration
            self.index = index
            self.groupKey = groupKey
        }
    }

    /// The last notification of a key.
    package struct Entry: Sendable, Equatable {
        /// Fingerprints of the alerts notified as firing, and as resolved.
        package var firing: Set<Fingerprint>
        package var resolved: Set<Fingerprint>
        /// When the notification was sent.
        package var timestampMs: Int64
        /// When the entry is dropped: `timestampMs` plus the retention.
        package var expiresAtMs: Int64
    }

    /// The entries.
    package private(set) var entries: [Key: Entry] = [:]
    /// How long an entry is kept (`--data.retention`).
    package var retention: Duration

    /// An empty log keeping entries for `retention`.
    package init(retention: Duration) {
        self.retention = retention
    }

    /// Whether a notification with `firing` and `resolved` alerts must go out for `key`
    /// (upstream's `DedupStage.needsUpdate`): a group never notified needs it when something
    /// fires; otherwise when an alert fires that was not notified, when every notified alert has
    /// resolved, when `sendResolved` and an alert resolved that was not notified as resolved, or
    /// when the last notification is older than `repeatInterval`.
    package func needsUpdate(_ key: Key, firing: Set<Fingerprint>, resolved: Set<Fingerprint>, sendResolved: Bool,
                             repeatInterval: Duration, nowMs: Int64) -> Bool {
        guard let entry = entries[key] else { return !firing.isEmpty }
        if !firing.isSubset(of: entry.firing) { return true }
        if firing.isEmpty { return !entry.firing.isEmpty }
        if sendResolved && !resolved.isSubset(of: entry.resolved) { return true }
        return entry.timestampMs < nowMs - repeatInterval.wholeMilliseconds
    }

    /// Records a successful notification.
    package mutating func log(_ key: Key, firing: Set<Fingerprint>, resolved: Set<Fingerprint>, nowMs: Int64) {
        entries[key] = Entry(firing: firing, resolved: resolved, timestampMs: nowMs,
                             expiresAtMs: nowMs + retention.wholeMilliseconds)
    }

    /// Drops expired entries; returns how many.
    @discardableResult
    package mutating func collectGarbage(nowMs: Int64) -> Int {
        let expired = entries.filter { $0.value.expiresAtMs < nowMs }.map(\.key)
        for key in expired { entries[key] = nil }
        return expired.count
    }

    /// Takes a peer's entry when it is newer than the one kept (upstream's nflog merge: the later
    /// notification wins); an expired one is dropped.
    /// - Returns: whether it was taken.
    package mutating func merge(_ key: Key, _ entry: Entry, nowMs: Int64) -> Bool {
        guard entry.expiresAtMs >= nowMs else { return false }
        if let kept = entries[key], kept.timestampMs >= entry.timestampMs { return false }
        entries[key] = entry
        return true
    }

    /// Restores an entry read back from disk.
    package mutating func restore(_ key: Key, _ entry: Entry) {
        entries[key] = entry
    }
}
