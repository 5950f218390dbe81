import Model

/// How a rule's last evaluation went, as the rules API shows it (upstream's `rules.RuleHealth`).
package enum RuleHealth: String, Sendable, Equatable {
    /// Not evaluated yet.
    case unknown
    /// The last evaluation succeeded.
    case ok
    /// The last evaluation failed; `lastError` says why.
    case err
}

/// One rule of a running group: the rule, how its last evaluation went, and what it keeps
/// between evaluations (alerts, the series it wrote last, for staleness markers).
package struct RuleState: Sendable {
    /// The rule, with its expression parsed.
    package let rule: LoadedRule
    /// The last evaluation's outcome.
    package internal(set) var health = RuleHealth.unknown
    /// Why the last evaluation failed; empty when it did not.
    package internal(set) var lastError = ""
    /// When the rule was last evaluated (milliseconds), `nil` before the first evaluation.
    package internal(set) var lastEvaluationMs: Int64?
    /// How long the last evaluation took.
    package internal(set) var evaluationDuration = Duration.zero
    /// The alerts of an alerting rule; `nil` for a recording rule.
    package internal(set) var alerting: AlertingRuleState?
    /// The series written by the last successful evaluation; those missing next time get a
    /// staleness marker.
    var writtenSeries: Set<Labels> = []

    /// A rule not evaluated yet.
    /// - Parameter isRestored: for an alerting rule, `false` when its `for` state must be
    ///   restored from `ALERTS_FOR_STATE` after the first evaluation (a group loaded at start).
    init(rule: LoadedRule, groupLabels: [String: String], isRestored: Bool) {
        self.rule = rule
        if rule.rule.isAlerting {
            var labels = groupLabels
            labels.merge(rule.rule.labels) { _, own in own }
            alerting = AlertingRuleState(
                name: rule.rule.alert, holdDuration: rule.rule.holdDuration, keepFiringFor: rule.rule.keepFiringFor,
                ruleLabels: Labels(labels.map { Label(name: $0.key, value: $0.value) }), isRestored: isRestored)
        }
    }

    /// Whether `other` is the same rule, so a reload carries its state over (upstream's
    /// `CopyState` matches rules by name and labels).
    func isSameRule(as other: RuleState) -> Bool {
        rule.rule.name == other.rule.rule.name && rule.rule.labels == other.rule.rule.labels
            && rule.rule.isAlerting == other.rule.rule.isAlerting
    }
}
