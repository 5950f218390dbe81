import Foundation
import Model
import PromQL
import TSDB
import Template

/// One test group of a rule unit-test file run against a fresh in-memory head (upstream's
/// `testGroup.test`).
struct RuleTestGroupRun {
    let group: RuleTestFile.TestGroup
    let evaluationIntervalMs: Int64
    let inputIntervalMs: Int64
    let head = Head()
    let environment: RuleEvaluationEnvironment
    /// Input samples not yet appended, per series, oldest first.
    private var pending: [(labels: Labels, samples: ArraySlice<(t: Int64, v: Double)>)] = []

    init(group: RuleTestFile.TestGroup, evaluationInterval: Duration) {
        self.group = group
        evaluationIntervalMs = evaluationInterval.wholeMilliseconds
        // Prometheus 3: a group without `interval` spaces its samples by the evaluation interval.
        inputIntervalMs = (group.interval == .zero ? evaluationInterval : group.interval).wholeMilliseconds
        let head = head
        environment = RuleEvaluationEnvironment(
            engine: RuleUnitTest.engine(evaluationInterval: evaluationInterval), querier: { _, _ in head.querier() },
            appendable: head, externalLabels: Labels(group.externalLabels.map { Label(name: $0.key, value: $0.value) }),
            externalURL: group.externalURL)
    }

    /// Runs the group's tests over the rules of `ruleFiles`; returns its failures.
    /// - Parameter groupOrder: `group_eval_order` positions by group name.
    mutating func run(ruleFiles: [String], groupOrder: [String: Int]) -> [String] {
        do {
            try loadInputSeries()
        } catch {
            return [error.description]
        }
        let loaded: [LoadedRuleGroup]
        do {
            loaded = try RuleGroupLoader.load(
                files: ruleFiles, evaluationInterval: group.interval == .zero ? .milliseconds(evaluationIntervalMs) : group.interval,
                queryOffset: .zero)
        } catch {
            guard case .several(let errors) = error else { return [error.description] }
            // As upstream's `LoadGroups`, only the first invalid file is reported.
            guard case .inFile(let firstPath, _)? = errors.first else { return errors.map(\.description) }
            return errors.filter { if case .inFile(let path, _) = $0 { path == firstPath } else { false } }.map(\.description)
        }
        // Groups named in `group_eval_order` in that order, the others first (position 0 ties
        // with the first named group; upstream's order among those is random, ours is file order).
        let ordered = loaded.enumerated().sorted { lhs, rhs in
            let (left, right) = (groupOrder[lhs.element.group.name] ?? 0, groupOrder[rhs.element.group.name] ?? 0)
            return left != right ? left < right : lhs.offset < rhs.offset
        }
        // As promtool, alerting rules count as restored so `ALERTS` is written from the start.
        var groups = ordered.map { RuleGroupState($0.element, restoresForState: false) }

        for test in group.alertTests where test.alertName.isEmpty {
            let name = group.name.isEmpty ? "" : " (in TestGroup \(group.name))"
            return ["an item under alert_rule_test misses required attribute alertname at eval_time \(test.evalTime.prometheusString)\(name)"]
        }
        let alertTimes = Set(group.alertTests.map { $0.evalTime.wholeMilliseconds }).sorted()
        var nextAlertTime = 0
        let maxt = (group.alertTests.map(\.evalTime) + group.exprTests.map(\.evalTime)).max()?.wholeMilliseconds ?? 0

        var failures: [String] = []
        var ts: Int64 = 0
        while ts <= maxt {
            var evaluationFailures: [String] = []
            do {
                try appendInput(through: ts)
                for index in groups.indices {
                    _ = groups[index].evaluate(atMs: ts, environment: environment)
                    for rule in groups[index].rules where rule.health == .err {
                        evaluationFailures.append("    rule: \(rule.rule.rule.name), time: \(GoDuration.format(milliseconds: ts)), err: \(rule.lastError)")
                    }
                }
            } catch {
                failures.append(error.description)
            }
            failures += evaluationFailures
            if !evaluationFailures.isEmpty { return failures }

            while nextAlertTime < alertTimes.count, ts <= alertTimes[nextAlertTime], alertTimes[nextAlertTime] < ts + evaluationIntervalMs {
                let time = alertTimes[nextAlertTime]
                for test in group.alertTests where test.evalTime.wholeMilliseconds == time {
                    if let failure = checkAlerts(test, groups: groups) { failures.append(failure) }
                }
                nextAlertTime += 1
            }
            ts += evaluationIntervalMs
        }
        for test in group.exprTests {
            if let failure = checkExpression(test) { failures.append(failure) }
        }
        return failures
    }

    // MARK: Input series

    /// Parses `input_series` as a `load` block at the group's interval (a later definition of the
    /// same series replaces an earlier one, as upstream).
    private mutating func loadInputSeries() throws(PromQLError) {
        var bySeries: [Labels: Int] = [:]
        for input in group.inputSeries {
            let description = try SeriesDescription(parsing: input.series + " " + input.values)
            var samples: [(t: Int64, v: Double)] = []
            var t: Int64 = 0
            for value in description.values {
                switch value {
                case .omitted: break
                case .float(let v): samples.append((t, v))
                case .histogram, .histogramSequence:
                    throw .parse(message: "native histogram samples are not supported by pharos test rules", position: PositionRange(start: 0, end: 0), query: input.values)
                }
                t += inputIntervalMs
            }
            if let index = bySeries[description.labels] {
                pending[index].samples = samples[...]
            } else {
                bySeries[description.labels] = pending.count
                pending.append((description.labels, samples[...]))
            }
        }
    }

    /// Appends and commits the input samples at or before `ts` (upstream's `WithSamplesTill`).
    private mutating func appendInput(through ts: Int64) throws(AppendError) {
        var appender = head.makeAppender()
        for index in pending.indices {
            while let first = pending[index].samples.first, first.t <= ts {
                _ = try appender.append(ref: 0, labels: pending[index].labels, timestamp: first.t, value: first.v)
                pending[index].samples.removeFirst()
            }
        }
        _ = try appender.commitBatch()
    }

    // MARK: Checks

    /// Compares the firing alerts named `test.alertName` of every group with the expected ones.
    private func checkAlerts(_ test: RuleTestFile.AlertTest, groups: [RuleGroupState]) -> String? {
        var got: [RuleTestAlert] = []
        for group in groups {
            for rule in group.rules {
                guard let alerting = rule.alerting, alerting.name == test.alertName else { continue }
                for alert in alerting.active.values where alert.state == .firing {
                    got.append(RuleTestAlert(labels: alert.labels, annotations: alert.annotations))
                }
            }
        }
        let expected = test.expectedAlerts.map { alert in
            var labels = alert.labels
            labels["alertname"] = test.alertName
            return RuleTestAlert(labels: Labels(labels.map { Label(name: $0.key, value: $0.value) }),
                                 annotations: Annotations(alert.annotations))
        }.sorted()
        got.sort()
        guard expected != got else { return nil }
        let name = group.name.isEmpty ? "" : "    name: \(group.name),\n"
        let indent = "            "
        return "\(name)    alertname: \(test.alertName), time: \(test.evalTime.prometheusString), \n"
            + "        exp:\(RuleTestAlert.describe(expected).indentingLines(indent)), \n"
            + "        got:\(RuleTestAlert.describe(got).indentingLines(indent))"
    }

    /// Queries `test.expr` at its time and compares the result with the expected samples.
    private func checkExpression(_ test: RuleTestFile.ExprTest) -> String? {
        let prefix = "    expr: \(GoQuote.quote(test.expr)), time: \(test.evalTime.prometheusString)"
        var got: [RuleTestSample] = []
        do {
            let expression = try PromQLParser.parse(test.expr)
            let result = try environment.engine.instantQuery(expression, at: test.evalTime.wholeMilliseconds, querier: head.querier())
            switch result.value {
            case .vector(let samples): got = samples.map { RuleTestSample(labels: $0.labels, value: $0.v) }
            case .scalar(_, let value): got = [RuleTestSample(labels: Labels(), value: value)]
            case .string, .matrix: return "\(prefix), err: rule result is not a vector or scalar"
            }
        } catch {
            return "\(prefix), err: \(error.description)"
        }
        var expected: [RuleTestSample] = []
        for sample in test.expectedSamples {
            do {
                expected.append(RuleTestSample(labels: try PromQLParser.parseMetric(sample.labels), value: sample.value))
            } catch {
                return "\(prefix), err: labels \(GoQuote.quote(sample.labels)): \(error.description)"
            }
        }
        expected.sort { $0.labels < $1.labels }
        got.sort { $0.labels < $1.labels }
        guard !RuleTestSample.equal(expected, got) else { return nil }
        return "\(prefix),\n        exp: \(RuleTestSample.describe(expected))\n        got: \(RuleTestSample.describe(got))"
    }
}

/// A firing alert as a rule test compares it: labels and annotations.
struct RuleTestAlert: Comparable {
    var labels: Labels
    var annotations: Annotations

    static func < (lhs: RuleTestAlert, rhs: RuleTestAlert) -> Bool {
        lhs.labels != rhs.labels ? lhs.labels < rhs.labels : lhs.annotations < rhs.annotations
    }

    /// promtool's `labelsAndAnnotations.String()`: `[]`, or numbered entries over several lines.
    static func describe(_ alerts: [RuleTestAlert]) -> String {
        guard !alerts.isEmpty else { return "[]" }
        var text = "["
        for (index, alert) in alerts.enumerated() {
            text += (index == 0 ? "\n" : ",\n") + "\(index):"
            text += ("\nLabels:\(alert.labels)\nAnnotations:\(alert.annotations)").indentingLines("  ")
        }
        return text + "\n]"
    }
}

/// A sample of an expression test: labels and value.
struct RuleTestSample {
    var labels: Labels
    var value: Double

    /// Go's `reflect.DeepEqual` on the two lists: same labels and values in order (NaN never
    /// equals NaN).
    static func equal(_ lhs: [RuleTestSample], _ rhs: [RuleTestSample]) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.labels == $1.labels && $0.value == $1.value }
    }

    /// promtool's `parsedSamplesString`: `nil`, or `{labels} 1E+00` joined by `, `.
    static func describe(_ samples: [RuleTestSample]) -> String {
        guard !samples.isEmpty else { return "nil" }
        return samples.map { "\($0.labels) \(Self.goExponent($0.value))" }.joined(separator: ", ")
    }

    /// Go's `strconv.FormatFloat(v, 'E', -1, 64)`.
    static func goExponent(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        return GoFloatFormat.shortestExponent(value).uppercased()
    }
}

extension String {
    /// `indent` put before every line but the first (promtool's `indentLines`).
    func indentingLines(_ indent: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + indent)
    }
}
