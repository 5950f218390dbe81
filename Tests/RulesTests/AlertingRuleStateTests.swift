import Model
import PharosTestSupport
import Testing
@testable import Rules

/// The alert state machine driven with explicit times; scenarios re-expressed from upstream's
/// `rules/alerting_test.go` and `rules/manager_test.go`.
@Suite struct AlertingRuleStateTests {
    static let t0: Int64 = 1_700_000_000_000
    static let minute: Int64 = 60_000
    static let instance = Labels(["alertname": "HighLatency", "instance": "a:9090", "severity": "page"])

    static func candidate(_ labels: Labels = instance, value: Double = 1) -> AlertingRuleState.Candidate {
        .init(labels: labels, value: value)
    }

    /// One evaluation of a table: when, whether the expression produced the alert, and the
    /// state expected afterwards (`nil`: no alert kept).
    struct Step: Sendable, CustomStringConvertible {
        var atMinute: Int64
        var present: Bool
        var expected: AlertState?
        var description: String { "t+\(atMinute)m present=\(present) -> \(expected.map(\.description) ?? "gone")" }
    }

    static let scenarios: [(name: String, hold: Int64, keepFiring: Int64, steps: [Step])] = [
        ("pending then firing after for, then resolved and kept 15m", 10, 0, [
            Step(atMinute: 0, present: true, expected: .pending),
            Step(atMinute: 5, present: true, expected: .pending),
            Step(atMinute: 10, present: true, expected: .firing),
            Step(atMinute: 11, present: false, expected: .inactive),
            Step(atMinute: 26, present: false, expected: .inactive),
            Step(atMinute: 27, present: false, expected: nil),
        ]),
        ("pending alert that stops holding is dropped", 10, 0, [
            Step(atMinute: 0, present: true, expected: .pending),
            Step(atMinute: 5, present: false, expected: nil),
            Step(atMinute: 6, present: true, expected: .pending),
        ]),
        ("no for fires at once", 0, 0, [
            Step(atMinute: 0, present: true, expected: .firing),
            Step(atMinute: 1, present: false, expected: .inactive),
        ]),
        ("resolved alert that comes back starts pending again", 2, 0, [
            Step(atMinute: 0, present: true, expected: .pending),
            Step(atMinute: 2, present: true, expected: .firing),
            Step(atMinute: 3, present: false, expected: .inactive),
            Step(atMinute: 4, present: true, expected: .pending),
            Step(atMinute: 6, present: true, expected: .firing),
        ]),
        ("keep_firing_for keeps firing, then resolves", 0, 10, [
            Step(atMinute: 0, present: true, expected: .firing),
            Step(atMinute: 1, present: false, expected: .firing),
            Step(atMinute: 10, present: false, expected: .firing),
            Step(atMinute: 11, present: false, expected: .inactive),
        ]),
        ("keep_firing_for restarts when the expression holds again", 0, 10, [
            Step(atMinute: 0, present: true, expected: .firing),
            Step(atMinute: 5, present: false, expected: .firing),
            Step(atMinute: 6, present: true, expected: .firing),
            Step(atMinute: 7, present: false, expected: .firing),
            Step(atMinute: 16, present: false, expected: .firing),
            Step(atMinute: 17, present: false, expected: .inactive),
        ]),
        // Upstream's TestKeepFiringFor: `http_requests > 50` over 75 85 70 70 10x5, for 1m, keep 1m.
        ("upstream TestKeepFiringFor", 1, 1, [
            Step(atMinute: 0, present: true, expected: .pending),
            Step(atMinute: 1, present: true, expected: .firing),
            Step(atMinute: 2, present: true, expected: .firing),
            Step(atMinute: 3, present: true, expected: .firing),
            Step(atMinute: 4, present: false, expected: .firing),
            Step(atMinute: 5, present: false, expected: .inactive),
        ]),
        // Upstream's TestPendingAndKeepFiringFor: 75 then 10, for 1m, keep 1m.
        ("upstream TestPendingAndKeepFiringFor", 1, 1, [
            Step(atMinute: 0, present: true, expected: .pending),
            Step(atMinute: 1, present: false, expected: nil),
        ]),
        ("keep_firing_for does not keep a pending alert", 5, 10, [
            Step(atMinute: 0, present: true, expected: .pending),
            Step(atMinute: 1, present: false, expected: nil),
        ]),
    ]

    @Test(arguments: scenarios.indices)
    func followsUpstreamStateTransitions(index: Int) throws {
        let scenario = Self.scenarios[index]
        var rule = AlertingRuleState(
            name: "HighLatency", holdDuration: .seconds(scenario.hold * 60), keepFiringFor: .seconds(scenario.keepFiring * 60))
        for step in scenario.steps {
            let now = Self.t0 + step.atMinute * Self.minute
            let samples = try rule.evaluate(step.present ? [Self.candidate()] : [], atMs: now)
            let alert = rule.active[Self.instance]
            #expect(alert?.state == step.expected, "\(scenario.name): \(step)")
            // Samples are written for pending and firing alerts only.
            let written = samples.first { $0.labels.metricName == "ALERTS" }?.labels["alertstate"]
            let expectedState = step.expected == .inactive ? nil : step.expected?.description
            #expect(written == expectedState, "\(scenario.name): \(step)")
        }
    }

    @Test func writesAlertsAndForStateSamples() throws {
        var rule = AlertingRuleState(name: "HighLatency", holdDuration: .seconds(600), ruleLabels: Labels(["severity": "{{ template }}"]))
        let samples = try rule.evaluate([Self.candidate(value: 42)], atMs: Self.t0 + 500)
        #expect(samples == [
            .init(labels: Labels(["__name__": "ALERTS", "alertname": "HighLatency", "alertstate": "pending", "instance": "a:9090", "severity": "page"]), value: 1),
            .init(labels: Labels(["__name__": "ALERTS_FOR_STATE", "alertname": "HighLatency", "instance": "a:9090", "severity": "page"]), value: 1_700_000_000),
        ])
        #expect(rule.active[Self.instance]?.value == 42)
        #expect(rule.state == .pending)
    }

    @Test func updatesValueAndAnnotationsButKeepsActiveSince() throws {
        var rule = AlertingRuleState(name: "HighLatency", holdDuration: .seconds(600))
        _ = try rule.evaluate([Self.candidate(value: 1)], atMs: Self.t0)
        let later = AlertingRuleState.Candidate(labels: Self.instance, annotations: Annotations(["summary": "now 2"]), value: 2)
        _ = try rule.evaluate([later], atMs: Self.t0 + Self.minute)
        let alert = try #require(rule.active[Self.instance])
        #expect(alert.value == 2)
        #expect(alert.annotations == Annotations(["summary": "now 2"]))
        #expect(alert.activeAtMs == Self.t0)
    }

    @Test func refusesDuplicateLabelSets() {
        var rule = AlertingRuleState(name: "HighLatency")
        #expect(throws: RulesError.evaluation(rule: "HighLatency", message: "vector contains metrics with the same labelset after applying alert labels")) {
            try rule.evaluate([Self.candidate(value: 1), Self.candidate(value: 2)], atMs: Self.t0)
        }
    }

    @Test func dropsEveryAlertWhenTheLimitIsExceeded() throws {
        var rule = AlertingRuleState(name: "HighLatency")
        let two = [Self.candidate(), Self.candidate(Labels(["alertname": "HighLatency", "instance": "b"]))]
        #expect(try rule.evaluate(two, atMs: Self.t0, limit: 2).count == 4)
        #expect(throws: RulesError.evaluation(rule: "HighLatency", message: "exceeded limit of 1 with 2 alerts")) {
            try rule.evaluate(two, atMs: Self.t0 + Self.minute, limit: 1)
        }
        #expect(rule.active.isEmpty)
    }

    @Test func sendsFiringAlertsEveryResendDelayAndResolutionsAtOnce() throws {
        var rule = AlertingRuleState(name: "HighLatency")
        let resend = Duration.seconds(60), interval = Duration.seconds(15)
        _ = try rule.evaluate([Self.candidate()], atMs: Self.t0)
        let first = rule.alertsToSend(atMs: Self.t0, resendDelay: resend, groupInterval: interval)
        #expect(first.count == 1)
        #expect(first.first?.validUntilMs == Self.t0 + 4 * Self.minute)
        #expect(first.first?.startsAtMs == Self.t0)
        #expect(first.first?.endsAtMs == Self.t0 + 4 * Self.minute)
        #expect(rule.alertsToSend(atMs: Self.t0 + 30_000, resendDelay: resend, groupInterval: interval).isEmpty)
        #expect(rule.alertsToSend(atMs: Self.t0 + 60_000, resendDelay: resend, groupInterval: interval).isEmpty)
        #expect(rule.alertsToSend(atMs: Self.t0 + 60_001, resendDelay: resend, groupInterval: interval).count == 1)

        _ = try rule.evaluate([], atMs: Self.t0 + 70_000)
        let resolved = rule.alertsToSend(atMs: Self.t0 + 70_000, resendDelay: resend, groupInterval: interval)
        #expect(resolved.first?.endsAtMs == Self.t0 + 70_000)
        #expect(rule.alertsToSend(atMs: Self.t0 + 80_000, resendDelay: resend, groupInterval: interval).isEmpty)
    }

    @Test func longerGroupIntervalWidensValidUntil() throws {
        var rule = AlertingRuleState(name: "HighLatency")
        _ = try rule.evaluate([Self.candidate()], atMs: Self.t0)
        let sent = rule.alertsToSend(atMs: Self.t0, resendDelay: .seconds(60), groupInterval: .seconds(300))
        #expect(sent.first?.validUntilMs == Self.t0 + 20 * Self.minute)
    }

    @Test func neverSendsPendingAlerts() throws {
        var rule = AlertingRuleState(name: "HighLatency", holdDuration: .seconds(600))
        _ = try rule.evaluate([Self.candidate()], atMs: Self.t0)
        #expect(rule.alertsToSend(atMs: Self.t0, resendDelay: .seconds(60), groupInterval: .seconds(60)).isEmpty)
    }
}

/// `for` state restoration after a restart (upstream's `TestForStateRestore`), with `for: 30m`,
/// a 10m grace period and the server down from `now - 5m` to `now`.
@Suite struct AlertForStateRestoreTests {
    static let now: Int64 = 1_700_000_000_000
    static let minute: Int64 = 60_000
    static let labels = Labels(["alertname": "A", "instance": "x"])

    /// (stored active-since minutes before now, expected active-since minutes relative to now)
    @Test(arguments: [
        (-40, -40),  // was firing at shutdown: keeps its time and fires at the next evaluation
        (-28, -20),  // 7m left, less than the grace period: waits the grace period
        (-15, -10),  // 20m left: the 5m outage is added
    ] as [(Int64, Int64)])
    func movesActiveSince(storedMinutes: Int64, expectedMinutes: Int64) throws {
        var rule = AlertingRuleState(name: "A", holdDuration: .seconds(1800), isRestored: false)
        #expect(try rule.evaluate([.init(labels: Self.labels, value: 1)], atMs: Self.now).isEmpty)
        let stored = AlertingRuleState.ForStateSample(
            timestampMs: Self.now - 5 * Self.minute, value: Double((Self.now + storedMinutes * Self.minute) / 1000))
        rule.restoreForState(atMs: Self.now) { $0 == Self.labels ? stored : nil }
        #expect(rule.isRestored)
        #expect(rule.active[Self.labels]?.activeAtMs == Self.now + expectedMinutes * Self.minute)
        let firesAt = Self.now + (expectedMinutes + 30) * Self.minute
        if firesAt > Self.now {
            _ = try rule.evaluate([.init(labels: Self.labels, value: 1)], atMs: firesAt - 1)
            #expect(rule.active[Self.labels]?.state == .pending)
        }
        let samples = try rule.evaluate([.init(labels: Self.labels, value: 1)], atMs: max(firesAt, Self.now + Self.minute))
        #expect(rule.active[Self.labels]?.state == .firing)
        #expect(samples.count == 2)
    }

    @Test func staleMarkerMeansTheAlertWasNotActive() throws {
        var rule = AlertingRuleState(name: "A", holdDuration: .seconds(1800), isRestored: false)
        _ = try rule.evaluate([.init(labels: Self.labels, value: 1)], atMs: Self.now)
        rule.restoreForState(atMs: Self.now) { _ in .init(timestampMs: Self.now - Self.minute, value: .staleMarker) }
        #expect(rule.active[Self.labels]?.activeAtMs == Self.now)
    }

    @Test func forShorterThanGracePeriodIsNotRestored() throws {
        var rule = AlertingRuleState(name: "A", holdDuration: .seconds(300), isRestored: false)
        _ = try rule.evaluate([.init(labels: Self.labels, value: 1)], atMs: Self.now)
        rule.restoreForState(atMs: Self.now) { _ in .init(timestampMs: Self.now - Self.minute, value: Double(Self.now / 1000 - 3600)) }
        #expect(rule.active[Self.labels]?.activeAtMs == Self.now)
        #expect(rule.isRestored)
    }

    @Test func writesNoSamplesUntilRestored() throws {
        var rule = AlertingRuleState(name: "A", holdDuration: .seconds(1800), isRestored: false)
        #expect(try rule.evaluate([.init(labels: Self.labels, value: 1)], atMs: Self.now).isEmpty)
        rule.restoreForState(atMs: Self.now) { _ in nil }
        #expect(try rule.evaluate([.init(labels: Self.labels, value: 1)], atMs: Self.now + Self.minute).count == 2)
    }
}

/// Random evaluation histories with a fixed seed: the invariants of the state machine hold
/// after every step.
@Suite struct AlertingRuleStateInvariantTests {
    @Test func invariantsHoldOverRandomHistories() throws {
        var random = SeededGenerator(seed: 0xA1E7)
        let instances = (0..<6).map { Labels(["alertname": "R", "instance": "i\($0)"]) }
        for _ in 0..<200 {
            let hold = Int64(random.next() % 4) * 60_000
            let keep = Int64(random.next() % 3) * 60_000
            var rule = AlertingRuleState(name: "R", holdDuration: .milliseconds(hold), keepFiringFor: .milliseconds(keep))
            var now: Int64 = 1_700_000_000_000
            for _ in 0..<60 {
                now += Int64(1 + random.next() % 300) * 1000
                let present = instances.filter { _ in random.next() % 3 != 0 }
                let samples = try rule.evaluate(present.map { .init(labels: $0, value: 1) }, atMs: now)
                let presentSet = Set(present)
                var live = 0
                for (labels, alert) in rule.active {
                    #expect(alert.labels == labels)
                    switch alert.state {
                    case .pending:
                        #expect(presentSet.contains(labels))
                        #expect(now - alert.activeAtMs < hold)
                        live += 1
                    case .firing:
                        let firedAt = try #require(alert.firedAtMs)
                        #expect(firedAt - alert.activeAtMs >= hold)
                        #expect(presentSet.contains(labels) || keep > 0)
                        live += 1
                    case .inactive:
                        let resolvedAt = try #require(alert.resolvedAtMs)
                        #expect(now - resolvedAt <= AlertingRuleState.resolvedRetention.wholeMilliseconds + 300_000)
                        #expect(!presentSet.contains(labels))
                    }
                }
                #expect(samples.count == 2 * live)
                for sent in rule.alertsToSend(atMs: now, resendDelay: .seconds(60), groupInterval: .seconds(30)) {
                    #expect(sent.state != .pending)
                    #expect(sent.lastSentAtMs == now)
                }
            }
        }
    }
}
