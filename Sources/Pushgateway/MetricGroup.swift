package import Exposition

/// One group of pushed metrics: what was last pushed under a grouping key, and when.
package struct MetricGroup: Sendable, Equatable {
    /// A family as pushed, with the time it was pushed.
    package struct TimedFamily: Sendable, Equatable {
        /// The family, its metrics carrying the grouping labels (and `instance`, empty if not pushed).
        package var family: PushedFamily
        /// When the family was pushed, Unix milliseconds.
        package var pushedAtMs: Int64
    }

    /// The grouping key.
    package var key: GroupingKey
    /// The pushed families by name (`push_time_seconds` and `push_failure_time_seconds` apart).
    package var families: [String: TimedFamily] = [:]
    /// The value of `push_time_seconds` in milliseconds (0 before the first successful push),
    /// and when that family was last written.
    package var lastPushMs: Int64 = 0, pushGaugeWrittenMs: Int64 = 0
    /// The value of `push_failure_time_seconds` in milliseconds (0 before the first failure),
    /// and when that family was last written.
    package var lastFailureMs: Int64 = 0, failureGaugeWrittenMs: Int64 = 0
    /// When the group expires (Unix milliseconds), `nil` for never.
    package var expiresAtMs: Int64?

    /// An empty group.
    package init(key: GroupingKey) {
        self.key = key
    }

    /// Upstream's `LastPushSuccess`: no failure since the last successful push.
    package var lastPushSucceeded: Bool { lastPushMs >= lastFailureMs }

    /// The name of the gauge holding the last successful push time.
    package static let pushTimeName = "push_time_seconds"
    /// The name of the gauge holding the last failed push time.
    package static let pushFailureTimeName = "push_failure_time_seconds"

    /// Every family of the group with the two `push_*` gauges, by name.
    package var allFamilies: [String: TimedFamily] {
        var all = families
        all[Self.pushTimeName] = TimedFamily(
            family: gauge(Self.pushTimeName, "Last Unix time when changing this group in the Pushgateway succeeded.", lastPushMs),
            pushedAtMs: pushGaugeWrittenMs)
        all[Self.pushFailureTimeName] = TimedFamily(
            family: gauge(Self.pushFailureTimeName, "Last Unix time when changing this group in the Pushgateway failed.", lastFailureMs),
            pushedAtMs: failureGaugeWrittenMs)
        return all
    }

    private func gauge(_ name: String, _ help: String, _ valueMs: Int64) -> PushedFamily {
        var family = PushedFamily()
        family.name = name
        family.help = help
        family.type = .gauge
        var metric = Io_Prometheus_Client_Metric()
        metric.gauge.value = Double(valueMs) / 1000
        family.metric = [metric]
        GroupingLabels.apply(key, to: &family)
        return family
    }
}
