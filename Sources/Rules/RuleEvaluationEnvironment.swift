package import Model
package import PromQL
package import TSDB
import Template

/// What rule evaluation reads from and writes to, and the settings it runs with; the same for
/// every group of a manager.
package struct RuleEvaluationEnvironment: Sendable {
    /// The engine rules are evaluated with (the server's `--query.*` settings).
    package var engine: Engine
    /// A querier over `[mint, maxt]` of the storage; a new one per rule, so later rules of a
    /// group see what earlier rules of the same evaluation wrote.
    package var querier: @Sendable (_ mint: Int64, _ maxt: Int64) -> any Querier
    /// Where recorded series, `ALERTS` and `ALERTS_FOR_STATE` are written.
    package var appendable: any SampleAppendable
    /// `global.external_labels`: `$externalLabels` in templates, added to sent alerts.
    package var externalLabels: Labels
    /// `--web.external-url`: templates' `externalURL` and alerts' `generatorURL`.
    package var externalURL: String
    /// `--rules.alert.for-outage-tolerance` and `--rules.alert.for-grace-period`.
    package var restore: AlertingRuleState.RestoreOptions
    /// `--rules.alert.resend-delay`: how often a firing alert is sent again.
    package var resendDelay: Duration

    /// An environment; the defaults are Prometheus's flag defaults.
    package init(
        engine: Engine = Engine(), querier: @escaping @Sendable (Int64, Int64) -> any Querier, appendable: any SampleAppendable,
        externalLabels: Labels = Labels(), externalURL: String = "",
        restore: AlertingRuleState.RestoreOptions = AlertingRuleState.RestoreOptions(), resendDelay: Duration = .seconds(60)
    ) {
        self.engine = engine
        self.querier = querier
        self.appendable = appendable
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.restore = restore
        self.resendDelay = resendDelay
    }

    /// The alert's `generatorURL`: the external URL's graph page with the rule's expression,
    /// as upstream's `strutil.TableLinkForExpression`/`GraphLinkForExpression`.
    func generatorURL(expression: String) -> String {
        var base = externalURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/graph?g0.expr=" + GoEscape.queryEscape(expression) + "&g0.tab=1"
    }
}
