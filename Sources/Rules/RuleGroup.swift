/// A rule file as written: its groups in order (`model/rulefmt`'s `RuleGroups`).
package struct RuleFile: Sendable, Equatable {
    /// The groups, in file order.
    package var groups: [RuleGroup]

    /// A file with `groups`.
    package init(groups: [RuleGroup] = []) { self.groups = groups }

    /// How many rules the file holds, as `promtool check rules` counts them.
    package var ruleCount: Int { groups.reduce(0) { $0 + $1.rules.count } }
}

/// A list of rules evaluated in order at one interval (`groups[]` in a rule file).
package struct RuleGroup: Sendable, Equatable {
    /// `name`: unique within its file.
    package var name = ""
    /// `interval`: how often the group is evaluated; `nil` uses `global.evaluation_interval`.
    package var interval: Duration?
    /// `query_offset`: how far back the group evaluates; `nil` uses `global.rule_query_offset`.
    package var queryOffset: Duration?
    /// `limit`: the most series a rule may produce (alerts an alerting rule may hold); 0 is no limit.
    package var limit = 0
    /// `labels`: added to every series and alert of the group's rules (a rule's own labels win).
    package var labels: [String: String] = [:]
    /// `rules`, in evaluation order.
    package var rules: [Rule] = []
    /// Where the group's mapping starts, for errors about the group.
    package var position = SourcePosition.absent

    /// An empty group.
    package init() {}

    /// The labels `rule` applies: the group's `labels` with the rule's own on top (upstream's
    /// `FromMaps(group.Labels, rule.Labels)`).
    package func labels(of rule: Rule) -> [String: String] {
        labels.merging(rule.labels) { _, own in own }
    }
}

/// A recording rule (`record`) or an alerting rule (`alert`), as written (`rulefmt.Rule`).
package struct Rule: Sendable, Equatable {
    /// `record`: the metric name of the series a recording rule writes.
    package var record = ""
    /// `alert`: the name of the alerts an alerting rule raises.
    package var alert = ""
    /// `expr`: the PromQL expression.
    package var expr = ""
    /// `for`: how long the expression must hold before an alert fires.
    package var holdDuration = Duration.zero
    /// `keep_firing_for`: how long an alert keeps firing after the expression stops holding.
    package var keepFiringFor = Duration.zero
    /// `labels`: added to (or overriding) the result's labels; templates for alerting rules.
    package var labels: [String: String] = [:]
    /// `annotations` of an alerting rule (templates).
    package var annotations: [String: String] = [:]
    /// Where the `record` value is, `.absent` when there is none.
    package var recordPosition = SourcePosition.absent
    /// Where the `alert` value is, `.absent` when there is none.
    package var alertPosition = SourcePosition.absent
    /// Where the `expr` value is, `.absent` when there is none.
    package var exprPosition = SourcePosition.absent

    /// An empty rule.
    package init() {}

    /// The alert name of an alerting rule, else the record name (how errors name a rule).
    package var name: String { alert.isEmpty ? record : alert }

    /// Whether this is an alerting rule.
    package var isAlerting: Bool { !alert.isEmpty }
}
