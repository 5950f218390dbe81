import Exposition

/// What one accepted request did to one group: the unit the journal records.
package enum GroupChange: Sendable, Equatable {
    /// The group now is this (created, replaced, or its failure time updated).
    case put(MetricGroup)
    /// The group is gone.
    case delete(GroupingKey)
}

/// The groups of pushed metrics as a value, with the real Pushgateway's rules for changing
/// them (`storage/diskmetricstore.go`): every method computes the change a request makes and
/// leaves applying it (after it is journaled) to the caller. Time is an argument.
package struct PushState: Sendable, Equatable {
    /// The groups by grouping key.
    package private(set) var groups: [GroupingKey: MetricGroup] = [:]

    /// An empty state.
    package init() {}

    /// The change a push makes, and why it was refused if it was. A refused push still
    /// changes the group: it sets `push_failure_time_seconds` (creating the group if needed),
    /// as upstream's `setPushFailedTimestamp` does.
    /// - Parameters:
    ///   - replace: `PUT` (every family of the group replaced) rather than `POST` (only the
    ///     families pushed).
    ///   - ttlMs: how long the group lives after this push; `nil` or 0 for ever.
    package func push(_ families: [String: PushedFamily], to key: GroupingKey, replace: Bool,
                      nowMs: Int64, ttlMs: Int64?) -> (change: GroupChange, refusal: PushgatewayError?) {
        let expiry = ttlMs.flatMap { $0 > 0 ? nowMs + $0 : nil }
        if families.values.contains(where: { $0.metric.contains { $0.hasTimestampMs } }) {
            return (failure(key, nowMs: nowMs, expiresAtMs: expiry), .timestampsPresent)
        }
        var group = groups[key] ?? MetricGroup(key: key)
        if groups[key] == nil { group.failureGaugeWrittenMs = nowMs }
        if replace { group.families.removeAll() }
        for (name, family) in families where name != MetricGroup.pushTimeName && name != MetricGroup.pushFailureTimeName {
            var family = family
            GroupingLabels.apply(key, to: &family)
            group.families[name] = .init(family: family, pushedAtMs: nowMs)
        }
        group.lastPushMs = nowMs
        group.pushGaugeWrittenMs = nowMs
        group.expiresAtMs = expiry
        var candidate = groups
        candidate[key] = group
        if let problem = ConsistencyCheck.firstProblem(in: candidate.values) {
            return (failure(key, nowMs: nowMs, expiresAtMs: expiry), .inconsistent(problem))
        }
        return (.put(group), nil)
    }

    private func failure(_ key: GroupingKey, nowMs: Int64, expiresAtMs: Int64?) -> GroupChange {
        var group = groups[key] ?? MetricGroup(key: key)
        if groups[key] == nil {
            group.pushGaugeWrittenMs = nowMs
            group.expiresAtMs = expiresAtMs
        }
        group.lastFailureMs = nowMs
        group.failureGaugeWrittenMs = nowMs
        return .put(group)
    }

    /// The change a `DELETE` of `key` makes; `nil` when there is no such group.
    package func delete(_ key: GroupingKey) -> GroupChange? {
        groups[key] == nil ? nil : .delete(key)
    }

    /// The deletions of every group (`PUT /api/v1/admin/wipe`).
    package func wipe() -> [GroupChange] {
        groups.keys.sorted().map { .delete($0) }
    }

    /// The deletions of the groups whose TTL ran out by `nowMs`.
    package func expired(at nowMs: Int64) -> [GroupChange] {
        groups.values.filter { $0.expiresAtMs.map { $0 <= nowMs } ?? false }.map(\.key).sorted().map { .delete($0) }
    }

    /// Applies a change.
    package mutating func apply(_ change: GroupChange) {
        switch change {
        case .put(let group): groups[group.key] = group
        case .delete(let key): groups[key] = nil
        }
    }
}
