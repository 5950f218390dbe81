internal import Model
/// The alert store and the aggregation groups with their timers, as a value (upstream's
/// `provider/mem` and `dispatch.Dispatcher`): alerts are merged into the store, routed into
/// groups by the route's `group_by`, and each group is due for a flush `group_wait` after it
/// appeared (at once if its alert started longer ago than that), then every `group_interval`.
/// Time is an argument; the I/O layer asks for the due flushes and reports how they went.
package struct DispatchState: Sendable {
    /// Identifies an aggregation group: its route node and its key.
    package struct GroupID: Hashable, Sendable {
        package var node: Int
        package var key: String
    }

    /// An aggregation group.
    package struct Group: Sendable {
        /// `routeKey:groupLabels`, as upstream's `aggrGroup.GroupKey`.
        package var key: String
        package var labels: [String: String]
        package var node: Int
        package var alerts: [Fingerprint: AlertmanagerAlert] = [:]
        /// When the group is next flushed.
        package var nextFlushMs: Int64
        package var hasFlushed = false
        /// Whether a flush is being notified.
        package var isFlushing = false
    }

    /// A notification to run for a group.
    package struct Flush: Sendable {
        package var id: GroupID
        package var groupKey: String
        package var groupLabels: [String: String]
        package var route: Route
        /// The group's alerts at flush time, in upstream's order; firing ones have no end.
        package var alerts: [AlertmanagerAlert]
        /// The flush's time.
        package var nowMs: Int64
    }

    /// The routing tree.
    package let tree: RouteTree
    /// Every alert by fingerprint (the store).
    package private(set) var alerts: [Fingerprint: AlertmanagerAlert] = [:]
    /// The aggregation groups.
    package private(set) var groups: [GroupID: Group] = [:]
    /// Inhibition, fed with every alert.
    package private(set) var inhibitor: Inhibitor

    /// An empty store dispatching along `route` and inhibiting by `inhibitRules`.
    package init(route: Route, inhibitRules: [InhibitRule]) {
        tree = RouteTree(route)
        inhibitor = Inhibitor(rules: inhibitRules)
    }

    /// The same alerts dispatched along a new tree and inhibit rules (a reload): groups start anew.
    package func reconfigured(route: Route, inhibitRules: [InhibitRule], nowMs: Int64) -> DispatchState {
        var next = DispatchState(route: route, inhibitRules: inhibitRules)
        for alert in alerts.values { next.store(alert, nowMs: nowMs, merge: false) }
        return next
    }

    /// Takes a received alert: merges it with the stored one when their activity overlaps
    /// (upstream's `Alerts.Put`), stores it and adds it to its groups.
    /// - Returns: the alert as stored.
    @discardableResult
    package mutating func insert(_ alert: AlertmanagerAlert, nowMs: Int64) -> AlertmanagerAlert {
        store(alert, nowMs: nowMs, merge: true)
    }

    @discardableResult
    private mutating func store(_ alert: AlertmanagerAlert, nowMs: Int64, merge: Bool) -> AlertmanagerAlert {
        var alert = alert
        if merge, let old = alerts[alert.fingerprint] {
            let end = alert.endsAtMs ?? Int64.min, oldEnd = old.endsAtMs ?? Int64.max
            if (end > old.startsAtMs && end < oldEnd) || (alert.startsAtMs > old.startsAtMs && alert.startsAtMs < oldEnd) {
                alert = old.merged(with: alert, nowMs: nowMs)
            }
        }
        alerts[alert.fingerprint] = alert
        inhibitor.observe(alert)
        for node in tree.match(alert.labels) {
            let route = tree.nodes[node].route
            let labels = tree.groupLabels(alert.labels, node: node)
            let key = tree.nodes[node].key + ":" + LabelSetText.format(labels)
            let id = GroupID(node: node, key: key)
            // Changed in place: a copy of the group would copy its alerts at each insertion.
            groups[id, default: Group(key: key, labels: labels, node: node, nextFlushMs: nowMs + route.groupWait.wholeMilliseconds)]
                .alerts[alert.fingerprint] = alert
            if let group = groups[id], !group.hasFlushed && alert.startsAtMs + route.groupWait.wholeMilliseconds < nowMs {
                groups[id]?.nextFlushMs = min(group.nextFlushMs, nowMs)
            }
        }
        return alert
    }

    /// When the next group is due, if any has alerts.
    package var nextFlushMs: Int64? {
        groups.values.filter { !$0.isFlushing && !$0.alerts.isEmpty }.map(\.nextFlushMs).min()
    }

    /// The groups due at `nowMs`, each marked as flushing with its next flush `group_interval` on.
    package mutating func dueFlushes(nowMs: Int64) -> [Flush] {
        var due: [Flush] = []
        for (id, group) in groups where group.nextFlushMs <= nowMs && !group.isFlushing && !group.alerts.isEmpty {
            let route = tree.nodes[id.node].route
            var updated = group
            updated.nextFlushMs = nowMs + route.groupInterval.wholeMilliseconds
            updated.hasFlushed = true
            updated.isFlushing = true
            groups[id] = updated
            let alerts = group.alerts.values.map { alert -> AlertmanagerAlert in
                var copy = alert
                // Alerts do not resolve as time moves on: a firing alert is sent without its end.
                if !alert.isResolved(at: nowMs) { copy.endsAtMs = nil }
                return copy
            }
            due.append(Flush(id: id, groupKey: group.key, groupLabels: group.labels, route: route,
                             alerts: alerts.sorted(by: AlertmanagerAlert.precedes), nowMs: nowMs))
        }
        return due.sorted { $0.groupKey < $1.groupKey }
    }

    /// Ends a flush; when it was delivered, the resolved alerts it carried leave the group unless
    /// they were received again since (upstream's `aggrGroup.flush`).
    package mutating func finish(_ flush: Flush, delivered: Bool, nowMs: Int64) {
        guard var group = groups[flush.id] else { return }
        group.isFlushing = false
        if delivered {
            for alert in flush.alerts where alert.isResolved(at: nowMs) {
                if group.alerts[alert.fingerprint]?.updatedAtMs == alert.updatedAtMs { group.alerts[alert.fingerprint] = nil }
            }
        }
        groups[flush.id] = group
    }

    /// Drops resolved alerts from the store and groups left empty; returns the dropped alerts'
    /// fingerprints.
    @discardableResult
    package mutating func collectGarbage(nowMs: Int64) -> [Fingerprint] {
        let resolved = alerts.values.filter { $0.isResolved(at: nowMs) }.map(\.fingerprint)
        for fingerprint in resolved {
            alerts[fingerprint] = nil
            inhibitor.forget(fingerprint)
        }
        for (id, group) in groups where group.alerts.isEmpty && !group.isFlushing { groups[id] = nil }
        return resolved
    }
}
