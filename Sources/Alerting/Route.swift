package import Model

/// A node of the routing tree with its settings resolved: what the dispatcher walks
/// (Alertmanager's `dispatch.Route`). Children inherit the receiver, grouping and timings of
/// their parent unless they set their own; time intervals are never inherited.
package struct Route: Sendable, Equatable {
    /// The receiver alerts matching this node go to.
    package var receiver: String
    /// Labels alerts are grouped by (sorted), unless `groupByAll`.
    package var groupBy: [String]
    /// Group by every label (`group_by: ['...']`).
    package var groupByAll: Bool
    /// How long to wait before the first notification of a new group (root default 30s).
    package var groupWait: Duration
    /// How long to wait before notifying about new alerts of a group (root default 5m).
    package var groupInterval: Duration
    /// How long to wait before repeating a notification (root default 4h).
    package var repeatInterval: Duration
    /// The node's own matchers; all must match.
    package var matchers: [Matcher]
    /// Whether siblings after this node are tried when it matched.
    package var `continue`: Bool
    /// Names of the intervals when notifications are muted.
    package var muteTimeIntervals: [String]
    /// Names of the intervals outside which notifications are muted.
    package var activeTimeIntervals: [String]
    /// Children, tried in order.
    package var routes: [Route]

    /// Alertmanager's `DefaultRouteOpts` for the root.
    package static let defaultGroupWait = Duration.seconds(30)
    package static let defaultGroupInterval = Duration.seconds(5 * 60)
    package static let defaultRepeatInterval = Duration.seconds(4 * 3600)

    /// Resolves `config` under `parent` (nil for the root).
    package init(_ config: RouteConfig, parent: Route? = nil) {
        receiver = config.receiver.isEmpty ? parent?.receiver ?? "" : config.receiver
        if !config.groupBy.isEmpty {
            groupBy = config.groupBy.sorted()
            groupByAll = false
        } else {
            groupBy = parent?.groupBy ?? []
            groupByAll = config.groupByAll || (parent?.groupByAll ?? false)
        }
        groupWait = config.groupWait ?? parent?.groupWait ?? Route.defaultGroupWait
        groupInterval = config.groupInterval ?? parent?.groupInterval ?? Route.defaultGroupInterval
        repeatInterval = config.repeatInterval ?? parent?.repeatInterval ?? Route.defaultRepeatInterval
        matchers = config.allMatchers
        self.continue = config.continue
        muteTimeIntervals = config.muteTimeIntervals
        activeTimeIntervals = config.activeTimeIntervals
        routes = []
        let resolved = self
        routes = config.routes.map { Route($0, parent: resolved) }
    }

    /// Whether all of the node's matchers accept `labels` (absent labels read as "").
    package func matchesOwn(_ labels: [String: String]) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }

    /// The nodes an alert with `labels` is routed to, depth first: in each node the first matching
    /// child wins unless it has `continue`, and a matching node without matching children is
    /// itself the match. Empty when the node's own matchers reject the labels.
    package func match(_ labels: [String: String]) -> [Route] {
        guard matchesOwn(labels) else { return [] }
        var matched: [Route] = []
        for child in routes {
            let found = child.match(labels)
            matched.append(contentsOf: found)
            if !found.isEmpty && !child.continue { break }
        }
        return matched.isEmpty ? [self] : matched
    }

    /// The receiver names for `labels`, in routing order, as `amtool config routes test` prints them.
    package func receivers(for labels: [String: String]) -> [String] {
        match(labels).map(\.receiver)
    }
}
