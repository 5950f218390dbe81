import Foundation
import Model
import Testing
import TSDB
@testable import Rules

/// Groups evaluated against a real TSDB head with explicit times: what they write, when, and
/// what their alerts do (scenarios after upstream's `rules/manager_test.go`, `group_test.go`).
@Suite struct RuleGroupStateTests {
    static let t0: Int64 = 1_700_000_000_000
    static let second: Int64 = 1000
    static let minute: Int64 = 60_000

    /// A head and the environment evaluating against it.
    struct Fixture {
        let head: Head
        var environment: RuleEvaluationEnvironment

        init(externalLabels: Labels = Labels()) {
            let head = Head()
            self.head = head
            environment = RuleEvaluationEnvironment(
                querier: { _, _ in head.querier() }, appendable: head, externalLabels: externalLabels,
                externalURL: "http://pharos.example:9090/")
        }

        /// Appends one sample per entry and commits.
        func append(_ samples: [(labels: Labels, timestampMs: Int64, value: Double)]) throws {
            var appender = head.makeAppender()
            for sample in samples {
                _ = try appender.append(ref: 0, labels: sample.labels, timestamp: sample.timestampMs, value: sample.value)
            }
            try appender.commitBatch()
        }

        /// `up{job=…} 1` for each of `jobs` at `timestampMs`.
        func appendUp(jobs: [String], atMs timestampMs: Int64) throws {
            try append(jobs.map { (Labels(["__name__": "up", "job": $0]), timestampMs, 1) })
        }

        /// Every sample of the series named `name`, by labels.
        func samples(_ name: String) throws -> [Labels: [(t: Int64, v: Double)]] {
            let series = try head.querier().select([try Matcher(.equal, Labels.metricNameLabel, name)], mint: .min, maxt: .max)
            var result: [Labels: [(t: Int64, v: Double)]] = [:]
            var iterator = SeriesIterator()
            for one in series {
                iterator.reset(one)
                while iterator.next() { result[one.labels, default: []].append((iterator.timestamp, iterator.value)) }
            }
            return result
        }
    }

    /// The only group of `yaml`, loaded as the manager loads it.
    static func group(_ yaml: String, interval: Duration = .seconds(60), queryOffset: Duration = .zero, restores: Bool = false) throws -> RuleGroupState {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rules.yml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let groups = try RuleGroupLoader.load(files: [file], evaluationInterval: interval, queryOffset: queryOffset)
        return RuleGroupState(try #require(groups.first), restoresForState: restores)
    }

    @Test func recordingRuleWritesAtTheEvaluationTimeLessTheQueryOffset() throws {
        let fixture = Fixture()
        try fixture.append([
            (Labels(["__name__": "up", "job": "a", "instance": "1"]), Self.t0 - 30 * Self.second, 1),
            (Labels(["__name__": "up", "job": "a", "instance": "2"]), Self.t0 - 30 * Self.second, 1),
        ])
        var group = try Self.group("""
            groups:
              - name: g
                rules:
                  - record: job:up:sum
                    expr: sum by (job) (up)
                    labels: {source: rule}
            """, queryOffset: .seconds(10))
        let outcome = group.evaluate(atMs: Self.t0, environment: fixture.environment)
        #expect(outcome.failures == 0)
        let written = try fixture.samples("job:up:sum")
        let series = Labels(["__name__": "job:up:sum", "job": "a", "source": "rule"])
        #expect(written.keys.sorted() == [series])
        #expect(written[series]?.map(\.t) == [Self.t0 - 10 * Self.second])
        #expect(written[series]?.map(\.v) == [2])
        #expect(group.rules[0].health == .ok)
        #expect(group.lastEvaluationMs == Self.t0)
    }

    @Test func laterRulesSeeEarlierRulesOutputOfTheSameEvaluation() throws {
        let fixture = Fixture()
        try fixture.append([(Labels(["__name__": "up", "job": "a"]), Self.t0 - Self.second, 1)])
        var group = try Self.group("""
            groups:
              - name: chain
                rules:
                  - record: job:up:double
                    expr: up * 2
                  - record: job:up:double_plus_one
                    expr: job:up:double + 1
            """)
        _ = group.evaluate(atMs: Self.t0, environment: fixture.environment)
        let written = try fixture.samples("job:up:double_plus_one")
        #expect(written.values.flatMap { $0.map(\.v) } == [3])
        #expect(written.values.flatMap { $0.map(\.t) } == [Self.t0])
    }

    /// Selectors several rules share are decoded once per evaluation (`SelectionCache`), but a
    /// rule writing a series they select makes the rules after it read storage again.
    @Test func sharedSelectorsSeeWhatEarlierRulesWrote() throws {
        let fixture = Fixture()
        try fixture.append([(Labels(["__name__": "up", "job": "a"]), Self.t0 - Self.second, 1)])
        var group = try Self.group("""
            groups:
              - name: shared
                rules:
                  - record: before
                    expr: count(job:up:double or vector(0))
                  - record: job:up:double
                    expr: up * 2
                  - record: after
                    expr: count(job:up:double or vector(0))
            """)
        _ = group.evaluate(atMs: Self.t0, environment: fixture.environment)
        #expect(try fixture.samples("before").values.flatMap { $0.map(\.v) } == [1])
        #expect(try fixture.samples("after").values.flatMap { $0.map(\.v) } == [2])
    }

    @Test func seriesThatDisappearGetStalenessMarkers() throws {
        let fixture = Fixture()
        try fixture.appendUp(jobs: ["a", "b"], atMs: Self.t0 - Self.second)
        var group = try Self.group("""
            groups:
              - name: g
                rules:
                  - record: job:up
                    expr: up
            """)
        _ = group.evaluate(atMs: Self.t0, environment: fixture.environment)
        // Only job b is still up six minutes later; a's sample is out of the lookback by then.
        try fixture.appendUp(jobs: ["b"], atMs: Self.t0 + 6 * Self.minute - Self.second)
        _ = group.evaluate(atMs: Self.t0 + 6 * Self.minute, environment: fixture.environment)
        let written = try fixture.samples("job:up")
        let a = try #require(written[Labels(["__name__": "job:up", "job": "a"])])
        #expect(a.count == 2)
        #expect(a.last?.t == Self.t0 + 6 * Self.minute)
        #expect(a.last?.v.isStaleMarker == true)
        #expect(written[Labels(["__name__": "job:up", "job": "b"])]?.map(\.v) == [1, 1])
    }

    @Test func aRuleOverItsLimitWritesNothingAndReportsTheError() throws {
        let fixture = Fixture()
        try fixture.appendUp(jobs: ["a", "b"], atMs: Self.t0 - Self.second)
        var group = try Self.group("""
            groups:
              - name: g
                limit: 1
                rules:
                  - record: job:up
                    expr: up
            """)
        let outcome = group.evaluate(atMs: Self.t0, environment: fixture.environment)
        #expect(outcome.failures == 1)
        #expect(group.rules[0].health == .err)
        #expect(group.rules[0].lastError == "exceeded limit of 1 with 2 series")
        #expect(try fixture.samples("job:up").isEmpty)
    }

    /// `up == 0` with `for: 2m`: pending, then firing, then resolved once `up` is back.
    @Test func alertGoesPendingFiringAndResolvedWithTheRightALERTSSamples() throws {
        let fixture = Fixture()
        let down = Labels(["__name__": "up", "job": "a"])
        var group = try Self.group("""
            groups:
              - name: alerts
                rules:
                  - alert: JobDown
                    expr: up == 0
                    for: 2m
                    labels: {severity: page}
            """)
        var sent: [[NotifierAlert]] = []
        for minute in Int64(0)...3 {
            let at = Self.t0 + minute * Self.minute
            try fixture.append([(down, at - Self.second, minute < 3 ? 0 : 1)])
            sent.append(group.evaluate(atMs: at, environment: fixture.environment).alerts)
        }
        let alerts = try fixture.samples("ALERTS")
        let pending = Labels(["__name__": "ALERTS", "alertname": "JobDown", "alertstate": "pending", "job": "a", "severity": "page"])
        let firing = Labels(["__name__": "ALERTS", "alertname": "JobDown", "alertstate": "firing", "job": "a", "severity": "page"])
        #expect(alerts[pending]?.filter { !$0.v.isStaleMarker }.map(\.t) == [Self.t0, Self.t0 + Self.minute])
        #expect(alerts[pending]?.last?.v.isStaleMarker == true)
        #expect(alerts[firing]?.filter { !$0.v.isStaleMarker }.map(\.t) == [Self.t0 + 2 * Self.minute])
        #expect(alerts[firing]?.last.map { $0.t == Self.t0 + 3 * Self.minute && $0.v.isStaleMarker } == true)
        let forState = try fixture.samples("ALERTS_FOR_STATE")
        let forStateSeries = Labels(["__name__": "ALERTS_FOR_STATE", "alertname": "JobDown", "job": "a", "severity": "page"])
        #expect(forState[forStateSeries]?.first?.v == Double(Self.t0 / 1000))
        // Nothing is sent while pending; the firing alert at 2m, its resolution at 3m.
        #expect(sent.map(\.count) == [0, 0, 1, 1])
        #expect(sent[2].first?.startsAtMs == Self.t0 + 2 * Self.minute)
        #expect(sent[3].first?.endsAtMs == Self.t0 + 3 * Self.minute)
        #expect(sent[2].first?.generatorURL == "http://pharos.example:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1")
        #expect(group.rules[0].alerting?.state == .inactive)
    }

    @Test func keepFiringForKeepsTheAlertFiringAfterTheExpressionStops() throws {
        let fixture = Fixture()
        let series = Labels(["__name__": "errors", "job": "a"])
        var group = try Self.group("""
            groups:
              - name: alerts
                rules:
                  - alert: Errors
                    expr: errors > 0
                    keep_firing_for: 2m
            """)
        var states: [AlertState] = []
        for (minute, value) in [(Int64(0), 1.0), (1, 0), (2, 0), (3, 0)] {
            let at = Self.t0 + minute * Self.minute
            try fixture.append([(series, at - Self.second, value)])
            _ = group.evaluate(atMs: at, environment: fixture.environment)
            states.append(group.rules[0].alerting?.state ?? .inactive)
        }
        #expect(states == [.firing, .firing, .firing, .inactive])
        let firing = Labels(["__name__": "ALERTS", "alertname": "Errors", "alertstate": "firing", "job": "a"])
        let written = try fixture.samples("ALERTS")[firing] ?? []
        #expect(written.filter { !$0.v.isStaleMarker }.map(\.t) == [0, 1, 2].map { Self.t0 + $0 * Self.minute })
    }

    @Test func annotationsAreExpandedWithLabelsValueAndExternalLabels() throws {
        let fixture = Fixture(externalLabels: Labels(["cluster": "eu1"]))
        try fixture.append([(Labels(["__name__": "queue_length", "queue": "mail"]), Self.t0 - Self.second, 1234)])
        var group = try Self.group("""
            groups:
              - name: alerts
                rules:
                  - alert: QueueLong
                    expr: queue_length > 100
                    labels: {team: '{{ $labels.queue }}-team'}
                    annotations:
                      summary: 'Queue {{ $labels.queue }} in {{ $externalLabels.cluster }} holds {{ $value | humanize }}'
                      broken: '{{ query "up{" }}'
            """)
        _ = group.evaluate(atMs: Self.t0, environment: fixture.environment)
        let alert = try #require(group.rules[0].alerting?.active.values.first)
        #expect(alert.labels == Labels(["alertname": "QueueLong", "queue": "mail", "team": "mail-team"]))
        #expect(alert.annotations["summary"] == "Queue mail in eu1 holds 1.234k")
        #expect(alert.annotations["broken"]?.hasPrefix("<error expanding template: ") == true)
    }

    /// After a restart the `for` clock continues from `ALERTS_FOR_STATE` (outage added).
    @Test func forStateIsRestoredFromALERTS_FOR_STATEAfterARestart() throws {
        let fixture = Fixture()
        let series = Labels(["__name__": "up", "job": "a"])
        let yaml = """
            groups:
              - name: alerts
                rules:
                  - alert: JobDown
                    expr: up == 0
                    for: 20m
            """
        var before = try Self.group(yaml)
        for minute in Int64(0)...5 {
            try fixture.append([(series, Self.t0 + minute * Self.minute - Self.second, 0)])
            _ = before.evaluate(atMs: Self.t0 + minute * Self.minute, environment: fixture.environment)
        }
        // Down for a minute, then a new process loads the group and evaluates at 6m.
        var after = try Self.group(yaml, restores: true)
        let restartMs = Self.t0 + 6 * Self.minute
        try fixture.append([(series, restartMs - Self.second, 0)])
        _ = after.evaluate(atMs: restartMs, environment: fixture.environment)
        let alert = try #require(after.rules[0].alerting?.active.values.first)
        #expect(alert.activeAtMs == Self.t0 + Self.minute)
        #expect(after.rules[0].alerting?.isRestored == true)
    }
}
