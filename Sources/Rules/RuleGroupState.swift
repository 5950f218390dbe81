import Foundation
package import Model
import PromQL
import Template
import TSDB

/// A rule group as it runs: its rules' states and how its last evaluation went. `evaluate`
/// runs every rule once at one timestamp (upstream's `Group.Eval`); the caller owns the clock.
package struct RuleGroupState: Sendable {
    /// The group as loaded, with its interval and query offset.
    package let loaded: LoadedRuleGroup
    /// The rules, in evaluation order.
    package internal(set) var rules: [RuleState]
    /// The timestamp of the last evaluation (milliseconds), `nil` before the first.
    package internal(set) var lastEvaluationMs: Int64?
    /// How long the last evaluation took.
    package internal(set) var evaluationDuration = Duration.zero
    /// Whether `for` state is still to be restored after the first evaluation.
    private var needsRestore: Bool
    /// Series of rules a reload removed from the group: marked stale after the next evaluation.
    private var staleSeries: Set<Labels> = []
    /// The last evaluation's selection cache, whose label table the next one takes over.
    private var selectionCache: SelectionCache?

    /// A group not evaluated yet.
    /// - Parameter restoresForState: `true` for a group loaded at start-up, whose alerts take
    ///   their `for` state from `ALERTS_FOR_STATE`; `false` for one added by a reload.
    package init(_ loaded: LoadedRuleGroup, restoresForState: Bool) {
        self.loaded = loaded
        needsRestore = restoresForState
        rules = loaded.rules.map { RuleState(rule: $0, groupLabels: loaded.group.labels, isRestored: !restoresForState) }
    }

    /// Takes over the state of the rules of `old` that are unchanged, as a reload keeps the
    /// alerts of unchanged rules (upstream's `Group.CopyState`).
    package mutating func copyState(from old: RuleGroupState) {
        var taken = Set<Int>()
        defer {
            staleSeries = old.staleSeries
            for index in old.rules.indices where !taken.contains(index) { staleSeries.formUnion(old.rules[index].writtenSeries) }
        }
        for index in rules.indices {
            guard let match = old.rules.indices.first(where: { !taken.contains($0) && old.rules[$0].isSameRule(as: rules[index]) })
            else { continue }
            taken.insert(match)
            let previous = old.rules[match]
            rules[index].health = previous.health
            rules[index].lastError = previous.lastError
            rules[index].lastEvaluationMs = previous.lastEvaluationMs
            rules[index].evaluationDuration = previous.evaluationDuration
            rules[index].writtenSeries = previous.writtenSeries
            if var alerting = rules[index].alerting, let previousAlerting = previous.alerting {
                alerting.active = previousAlerting.active
                alerting.isRestored = previousAlerting.isRestored
                rules[index].alerting = alerting
            }
        }
        needsRestore = old.needsRestore
        lastEvaluationMs = old.lastEvaluationMs
        evaluationDuration = old.evaluationDuration
    }

    /// What one evaluation produced besides what it wrote to storage.
    package struct Outcome: Sendable {
        /// The alerts due for sending, labels and annotations as the rules made them.
        package var alerts: [NotifierAlert] = []
        /// How many rules failed.
        package var failures = 0
    }

    /// Evaluates every rule at `timestampMs` (the group's `query_offset` is taken off for the
    /// query and the written samples), appending and committing each rule's output before the
    /// next rule runs, so later rules see it.
    package mutating func evaluate(atMs timestampMs: Int64, environment: RuleEvaluationEnvironment) -> Outcome {
        let started = ContinuousClock.now
        let evaluationMs = timestampMs - loaded.queryOffset.wholeMilliseconds
        var outcome = Outcome()
        // Selectors several rules read are decoded once per evaluation.
        let cache = SelectionCache(sharedBy: loaded.rules.map(\.expression), after: selectionCache)
        selectionCache = cache
        for index in rules.indices {
            let ruleStarted = ContinuousClock.now
            do {
                try evaluate(rule: index, atMs: timestampMs, evaluationMs: evaluationMs, environment: environment, cache: cache,
                             outcome: &outcome)
                rules[index].health = .ok
                rules[index].lastError = ""
            } catch {
                rules[index].health = .err
                rules[index].lastError = error.description
                outcome.failures += 1
            }
            cache.finished(expression: index)
            rules[index].lastEvaluationMs = timestampMs
            rules[index].evaluationDuration = ContinuousClock.now - ruleStarted
        }
        if needsRestore {
            restoreForState(atMs: timestampMs, environment: environment)
            needsRestore = false
        }
        if !staleSeries.isEmpty {
            // A series a remaining rule wrote again is not stale.
            let stillWritten = rules.reduce(into: Set<Labels>()) { $0.formUnion($1.writtenSeries) }
            Self.writeStaleMarkers(staleSeries.subtracting(stillWritten), atMs: evaluationMs, to: environment.appendable)
            staleSeries = []
        }
        lastEvaluationMs = timestampMs
        evaluationDuration = ContinuousClock.now - started
        return outcome
    }

    private mutating func evaluate(
        rule index: Int, atMs timestampMs: Int64, evaluationMs: Int64, environment: RuleEvaluationEnvironment,
        cache: SelectionCache, outcome: inout Outcome
    ) throws(RulesError) {
        let loadedRule = rules[index].rule
        let rule = loadedRule.rule
        let result = try Self.query(loadedRule.expression, rule: rule.name, atMs: evaluationMs, environment: environment, cache: cache)
        var output: [(labels: Labels, value: Double)]
        if var alerting = rules[index].alerting {
            guard let templates = loadedRule.alertTemplates else { preconditionFailure("BUG: an alerting rule without its templates") }
            let context = PrometheusTemplateContext(
                externalURL: environment.externalURL, timestampMs: timestampMs,
                query: { text in try Self.templateQuery(text, atMs: evaluationMs, environment: environment, cache: cache) })
            let candidates = RuleOutput.alertCandidates(
                result, alertName: rule.alert, templates: templates,
                externalLabels: environment.externalLabels, context: context)
            do {
                output = try alerting.evaluate(candidates, atMs: timestampMs, limit: loaded.group.limit).map { ($0.labels, $0.value) }
            } catch {
                rules[index].alerting = alerting
                throw error
            }
            let generatorURL = environment.generatorURL(expression: rule.expr)
            for alert in alerting.alertsToSend(atMs: timestampMs, resendDelay: environment.resendDelay, groupInterval: loaded.interval) {
                outcome.alerts.append(NotifierAlert(alert, generatorURL: generatorURL))
            }
            rules[index].alerting = alerting
        } else {
            output = try RuleOutput.recordedSeries(result, record: rule.record, labels: loaded.group.labels(of: rule), limit: loaded.group.limit)
                .map { ($0.labels, $0.value) }
        }
        var written = Set<Labels>(minimumCapacity: output.count)
        var appender = environment.appendable.makeAppender(durability: .written)  // nobody waits on a rule's output
        for sample in output {
            written.insert(sample.labels)
            // Out-of-order and duplicate samples are skipped, as upstream logs and skips them.
            _ = try? appender.append(ref: 0, labels: sample.labels, timestamp: evaluationMs, value: sample.value)
        }
        var writtenNames = Set<String>()
        for labels in written { writtenNames.insert(labels[Labels.metricNameLabel] ?? "") }
        for gone in rules[index].writtenSeries where !written.contains(gone) {
            writtenNames.insert(gone[Labels.metricNameLabel] ?? "")
            _ = try? appender.append(ref: 0, labels: gone, timestamp: evaluationMs, value: .staleMarker)
        }
        // Later rules must see this output (or its staleness markers): drop cached selections
        // that could include it, even if the commit fails part way.
        defer { cache.invalidate(metricNames: writtenNames) }
        do {
            try appender.commitBatch()
        } catch {
            throw .evaluation(rule: rule.name, message: error.description)
        }
        rules[index].writtenSeries = written
    }

    /// Every series the group's rules wrote last time and will not write again (the group is
    /// removed by a reload), for marking stale.
    package var writtenSeries: Set<Labels> {
        rules.reduce(into: staleSeries) { $0.formUnion($1.writtenSeries) }
    }

    /// Appends a staleness marker at `timestampMs` for each of `series` (upstream marks the
    /// series of removed rules and groups stale so queries stop seeing them at once).
    package static func writeStaleMarkers(_ series: some Collection<Labels>, atMs timestampMs: Int64, to appendable: any SampleAppendable) {
        guard !series.isEmpty else { return }
        var appender = appendable.makeAppender(durability: .written)
        // Per-sample refusals (a newer sample already there) and a failed commit lose only
        // markers; queries then see the series end after the lookback delta, as without them.
        for labels in series { _ = try? appender.append(ref: 0, labels: labels, timestamp: timestampMs, value: .staleMarker) }
        _ = try? appender.commitBatch()
    }

    /// The expression's instant vector at `evaluationMs`; a scalar becomes one element without
    /// labels, as upstream's `EngineQueryFunc`.
    private static func query(
        _ expression: Expr, rule: String, atMs evaluationMs: Int64, environment: RuleEvaluationEnvironment, cache: SelectionCache
    ) throws(RulesError) -> [RuleResultSample] {
        let result: QueryResult
        do {
            result = try environment.engine.instantQuery(expression, at: evaluationMs, querier: environment.querier(Int64.min, evaluationMs),
                                                         cache: cache)
        } catch {
            throw .evaluation(rule: rule, message: error.description)
        }
        switch result.value {
        case .vector(let samples): return samples.map { RuleResultSample(labels: $0.labels, value: $0.v) }
        case .scalar(_, let value): return [RuleResultSample(labels: Labels(), value: value)]
        case .string, .matrix: throw .evaluation(rule: rule, message: Rule.resultTypeProblem(.matrix) ?? "")
        }
    }

    /// The templates' `query` function: `text` parsed and evaluated at the rule's time.
    private static func templateQuery(
        _ text: String, atMs evaluationMs: Int64, environment: RuleEvaluationEnvironment, cache: SelectionCache
    ) throws -> [QueryResultSample] {
        let expression = try PromQLParser.parse(text)
        return try query(expression, rule: "", atMs: evaluationMs, environment: environment, cache: cache).map { QueryResultSample(labels: $0.labels, value: $0.value) }
    }

    /// Restores each alerting rule's `for` state from the newest `ALERTS_FOR_STATE` sample
    /// within the outage tolerance (upstream's `Group.RestoreForState`).
    private mutating func restoreForState(atMs timestampMs: Int64, environment: RuleEvaluationEnvironment) {
        let mint = timestampMs - environment.restore.outageTolerance.wholeMilliseconds
        let querier = environment.querier(mint, timestampMs)
        for index in rules.indices {
            guard var alerting = rules[index].alerting else { continue }
            guard let nameMatcher = try? Matcher(.equal, Labels.metricNameLabel, "ALERTS_FOR_STATE"),
                let alertMatcher = try? Matcher(.equal, "alertname", alerting.name)
            else { continue }
            let series = (try? querier.select([nameMatcher, alertMatcher], mint: mint, maxt: timestampMs)) ?? []
            var newest: [Labels: AlertingRuleState.ForStateSample] = [:]
            var iterator = SeriesIterator()
            for one in series {
                iterator.reset(one)
                var last: AlertingRuleState.ForStateSample?
                while iterator.next() { last = .init(timestampMs: iterator.timestamp, value: iterator.value) }
                if let last { newest[one.labels] = last }
            }
            let lookup = alerting
            alerting.restoreForState(atMs: timestampMs, options: environment.restore) { newest[lookup.forStateLabels($0)] }
            rules[index].alerting = alerting
        }
    }
}
