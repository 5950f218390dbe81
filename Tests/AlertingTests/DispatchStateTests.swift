@testable import Alerting
import Model
import Testing

/// The dispatch state machine driven by explicit times: no sockets, no sleeps.
@Suite struct DispatchStateTests {
    static let t0: Int64 = 1_700_000_000_000

    static func config(_ text: String) throws -> AlertmanagerConfig { try AlertmanagerConfig.parse(text) }

    static func alert(_ labels: [String: String], at t: Int64 = t0, ends: Int64? = nil) throws -> AlertmanagerAlert {
        try AlertmanagerAlert.received(labels: labels, annotations: [:], startsAtMs: t, endsAtMs: ends, generatorURL: "",
                                       nowMs: t, resolveTimeout: .seconds(300))
    }

    static let tree = """
        route:
          receiver: default
          group_by: [alertname]
          group_wait: 30s
          group_interval: 5m
          routes:
            - matchers: ['team="db"']
              receiver: db
              continue: true
            - matchers: ['severity=~"crit.*"']
              receiver: pager
              group_by: ['...']
        receivers: [{name: default}, {name: db}, {name: pager}]
        """

    @Test func groupWaitThenGroupInterval() throws {
        let config = try Self.config(Self.tree)
        var state = DispatchState(route: config.routingTree, inhibitRules: [])
        state.insert(try Self.alert(["alertname": "A", "x": "1"]), nowMs: Self.t0)
        #expect(state.dueFlushes(nowMs: Self.t0 + 29_999).isEmpty)
        let first = state.dueFlushes(nowMs: Self.t0 + 30_000)
        #expect(first.map(\.groupKey) == ["{}:{alertname=\"A\"}"])
        #expect(first.first?.alerts.first?.endsAtMs == nil)  // firing alerts go out without an end
        state.finish(try #require(first.first), delivered: true, nowMs: Self.t0 + 30_000)
        state.insert(try Self.alert(["alertname": "A", "x": "2"], at: Self.t0 + 60_000), nowMs: Self.t0 + 60_000)
        #expect(state.dueFlushes(nowMs: Self.t0 + 329_999).isEmpty)
        let second = state.dueFlushes(nowMs: Self.t0 + 330_000)
        #expect(second.first?.alerts.count == 2)
    }

    @Test func oldAlertFlushesAtOnceInANewGroup() throws {
        let config = try Self.config(Self.tree)
        var state = DispatchState(route: config.routingTree, inhibitRules: [])
        let now = Self.t0 + 3_600_000
        state.insert(try Self.alert(["alertname": "Old"], at: Self.t0, ends: now + 300_000), nowMs: now)
        #expect(state.dueFlushes(nowMs: now).count == 1)
    }

    @Test func continueAndGroupByAll() throws {
        let config = try Self.config(Self.tree)
        var state = DispatchState(route: config.routingTree, inhibitRules: [])
        state.insert(try Self.alert(["alertname": "B", "team": "db", "severity": "critical"]), nowMs: Self.t0)
        let keys = state.dueFlushes(nowMs: Self.t0 + 30_000).map(\.groupKey).sorted()
        #expect(keys == [
            "{}/{severity=~\"crit.*\"}:{alertname=\"B\", severity=\"critical\", team=\"db\"}",
            "{}/{team=\"db\"}:{alertname=\"B\"}",
        ])
    }

    @Test func repeatedAlertsMergeAndTimeoutsResolve() throws {
        let config = try Self.config(Self.tree)
        var state = DispatchState(route: config.routingTree, inhibitRules: [])
        let first = try Self.alert(["alertname": "A"], at: Self.t0)
        state.insert(first, nowMs: Self.t0)
        // A later report with a later start keeps the first start; its timeout end moves on.
        let again = try AlertmanagerAlert.received(labels: ["alertname": "A"], annotations: ["v": "2"], startsAtMs: Self.t0 + 60_000,
                                                   endsAtMs: nil, generatorURL: "", nowMs: Self.t0 + 60_000, resolveTimeout: .seconds(300))
        let stored = state.insert(again, nowMs: Self.t0 + 60_000)
        #expect(stored.startsAtMs == Self.t0)
        #expect(stored.endsAtMs == Self.t0 + 360_000)
        #expect(stored.annotations == ["v": "2"])
        #expect(!stored.isResolved(at: Self.t0 + 359_999))
        #expect(stored.isResolved(at: Self.t0 + 360_000))
        #expect(state.collectGarbage(nowMs: Self.t0 + 360_000) == [stored.fingerprint])
    }

    @Test func deliveredResolvedAlertsLeaveTheGroup() throws {
        let config = try Self.config(Self.tree)
        var state = DispatchState(route: config.routingTree, inhibitRules: [])
        state.insert(try Self.alert(["alertname": "A"], at: Self.t0, ends: Self.t0 + 10_000), nowMs: Self.t0)
        let flush = try #require(state.dueFlushes(nowMs: Self.t0 + 30_000).first)
        #expect(flush.alerts.first?.endsAtMs == Self.t0 + 10_000)
        state.finish(flush, delivered: false, nowMs: Self.t0 + 30_000)
        #expect(state.groups.values.first?.alerts.count == 1)  // kept for the next try
        let retry = try #require(state.dueFlushes(nowMs: Self.t0 + 330_000).first)
        state.finish(retry, delivered: true, nowMs: Self.t0 + 330_000)
        #expect(state.groups.values.first?.alerts.isEmpty == true)
    }

    @Test func fingerprintIsAlertmanagers() {
        // As Debian's Alertmanager 0.25 reported them in /api/v2/alerts.
        #expect(Fingerprint(["alertname": "Disk", "instance": "a", "severity": "critical"]).description == "7480436c2163908f")
        #expect(Fingerprint(["alertname": "Silenced", "severity": "info"]).description == "33a619c019d0d2fa")
        #expect(Fingerprint(["alertname": "Slow", "instance": "a", "severity": "warning"]).description == "63266f6ea6b4414e")
        #expect(Fingerprint([:]).description == "cbf29ce484222325")  // FNV-1a's offset basis
    }

    @Test func refusesInvalidAlerts() {
        #expect(throws: AlertingError.invalidAlert("at least one label pair required")) {
            try AlertmanagerAlert.received(labels: ["a": ""], annotations: [:], startsAtMs: nil, endsAtMs: nil, generatorURL: "",
                                           nowMs: Self.t0, resolveTimeout: .seconds(1))
        }
        #expect(throws: AlertingError.invalidAlert("start time must be before end time")) {
            try AlertmanagerAlert.received(labels: ["a": "b"], annotations: [:], startsAtMs: Self.t0, endsAtMs: Self.t0 - 1,
                                           generatorURL: "", nowMs: Self.t0, resolveTimeout: .seconds(1))
        }
        #expect(throws: AlertingError.invalidAlert("invalid label set: invalid name \"0x\"")) {
            try AlertmanagerAlert.received(labels: ["0x": "b"], annotations: [:], startsAtMs: nil, endsAtMs: nil, generatorURL: "",
                                           nowMs: Self.t0, resolveTimeout: .seconds(1))
        }
    }
}

@Suite struct SilencesTests {
    static let t0 = DispatchStateTests.t0

    static func silence(_ matchers: [Matcher], from start: Int64, to end: Int64) -> Silence {
        Silence(matchers: matchers, startsAtMs: start, endsAtMs: end, createdBy: "me", comment: "c")
    }

    @Test func statesAndMatching() throws {
        var silences = Silences(retention: .seconds(3600))
        let m = [try Matcher(.regexMatch, "job", "api|web"), try Matcher(.notEqual, "env", "dev")]
        var ids = 0
        let id = try silences.set(Self.silence(m, from: Self.t0 + 1000, to: Self.t0 + 5000), nowMs: Self.t0, newID: { ids += 1; return "id\(ids)" })
        #expect(silences.byID[id]?.state(at: Self.t0) == .pending)
        #expect(silences.silencing(["job": "api"], nowMs: Self.t0).isEmpty)
        #expect(silences.silencing(["job": "api"], nowMs: Self.t0 + 1000) == [id])
        #expect(silences.silencing(["job": "api", "env": "dev"], nowMs: Self.t0 + 1000).isEmpty)
        #expect(silences.silencing(["job": "db"], nowMs: Self.t0 + 1000).isEmpty)
        #expect(silences.byID[id]?.state(at: Self.t0 + 5000) == .expired)
    }

    @Test func updateInPlaceOrReplace() throws {
        var silences = Silences(retention: .seconds(3600))
        var next = 0
        let newID = { () -> String in next += 1; return "s\(next)" }
        let m = [try Matcher(.equal, "a", "b")]
        let id = try silences.set(Self.silence(m, from: Self.t0, to: Self.t0 + 10_000), nowMs: Self.t0, newID: newID)
        // Active: a later end keeps the ID.
        var longer = Self.silence(m, from: Self.t0, to: Self.t0 + 20_000)
        longer.id = id
        #expect(try silences.set(longer, nowMs: Self.t0 + 1000, newID: newID) == id)
        // Other matchers: the old one expires, a new one is made.
        var other = Self.silence([try Matcher(.equal, "a", "c")], from: Self.t0, to: Self.t0 + 20_000)
        other.id = id
        let replaced = try silences.set(other, nowMs: Self.t0 + 2000, newID: newID)
        #expect(replaced != id)
        #expect(silences.byID[id]?.state(at: Self.t0 + 2000) == .expired)
        #expect(silences.byID[replaced]?.startsAtMs == Self.t0 + 2000)
        var unknown = other
        unknown.id = "nope"
        #expect(throws: AlertingError.silenceNotFound("nope")) { try silences.set(unknown, nowMs: Self.t0, newID: newID) }
    }

    @Test func expireAndRetention() throws {
        var silences = Silences(retention: .seconds(100))
        let m = [try Matcher(.equal, "a", "b")]
        let id = try silences.set(Self.silence(m, from: Self.t0, to: Self.t0 + 10_000), nowMs: Self.t0)
        try silences.expire(id: id, nowMs: Self.t0 + 500)
        #expect(silences.byID[id]?.endsAtMs == Self.t0 + 500)
        #expect(throws: AlertingError.silenceAlreadyExpired(id)) { try silences.expire(id: id, nowMs: Self.t0 + 600) }
        #expect(silences.collectGarbage(nowMs: Self.t0 + 500 + 100_000) == 0)
        #expect(silences.collectGarbage(nowMs: Self.t0 + 500 + 100_001) == 1)
    }

    @Test func refusesSilencesMatchingEverything() throws {
        var silences = Silences(retention: .seconds(100))
        #expect(throws: AlertingError.invalidSilence("at least one matcher must not match the empty string")) {
            try silences.set(Self.silence([try Matcher(.regexMatch, "a", ".*")], from: Self.t0, to: Self.t0 + 1), nowMs: Self.t0)
        }
    }
}

@Suite struct NotificationLogTests {
    let key = NotificationLog.Key(receiver: "r", integration: "webhook", index: 0, groupKey: "{}:{}")

    @Test func notifiesOnlyOnChangeOrRepeat() {
        var log = NotificationLog(retention: .seconds(3600))
        let a = Fingerprint(value: 1), b = Fingerprint(value: 2)
        let t = DispatchStateTests.t0
        #expect(!log.needsUpdate(key, firing: [], resolved: [a], sendResolved: true, repeatInterval: .seconds(60), nowMs: t))
        #expect(log.needsUpdate(key, firing: [a], resolved: [], sendResolved: true, repeatInterval: .seconds(60), nowMs: t))
        log.log(key, firing: [a], resolved: [], nowMs: t)
        #expect(!log.needsUpdate(key, firing: [a], resolved: [], sendResolved: true, repeatInterval: .seconds(60), nowMs: t + 60_000))
        #expect(log.needsUpdate(key, firing: [a], resolved: [], sendResolved: true, repeatInterval: .seconds(60), nowMs: t + 60_001))
        #expect(log.needsUpdate(key, firing: [a, b], resolved: [], sendResolved: true, repeatInterval: .seconds(60), nowMs: t + 1))
        #expect(!log.needsUpdate(key, firing: [a], resolved: [b], sendResolved: false, repeatInterval: .seconds(60), nowMs: t + 1))
        #expect(log.needsUpdate(key, firing: [a], resolved: [b], sendResolved: true, repeatInterval: .seconds(60), nowMs: t + 1))
        #expect(log.needsUpdate(key, firing: [], resolved: [a], sendResolved: false, repeatInterval: .seconds(60), nowMs: t + 1))
        #expect(log.collectGarbage(nowMs: t + 3_600_001) == 1)
    }
}

@Suite struct InhibitorTests {
    @Test func sourceInhibitsTargetWithEqualLabels() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: r}
            receivers: [{name: r}]
            inhibit_rules:
              - source_matchers: ['severity="critical"']
                target_matchers: ['severity=~"warning|critical"']
                equal: [cluster]
            """)
        var inhibitor = Inhibitor(rules: config.inhibitRules)
        let t = DispatchStateTests.t0
        let critical = try DispatchStateTests.alert(["alertname": "Down", "severity": "critical", "cluster": "a"])
        inhibitor.observe(critical)
        #expect(inhibitor.inhibitors(of: ["alertname": "Slow", "severity": "warning", "cluster": "a"], nowMs: t) == [critical.fingerprint])
        #expect(inhibitor.inhibitors(of: ["alertname": "Slow", "severity": "warning", "cluster": "b"], nowMs: t).isEmpty)
        // Matching both sides: an alert does not inhibit itself nor other two-sided alerts.
        #expect(inhibitor.inhibitors(of: critical.labels, nowMs: t).isEmpty)
        #expect(inhibitor.inhibitors(of: ["alertname": "Other", "severity": "critical", "cluster": "a"], nowMs: t).isEmpty)
        // A resolved source inhibits nothing.
        #expect(inhibitor.inhibitors(of: ["severity": "warning", "cluster": "a"], nowMs: t + 300_000).isEmpty)
        // A source the store dropped inhibits nothing either.
        let renamed = try DispatchStateTests.alert(["alertname": "Down", "severity": "critical", "cluster": "b"])
        inhibitor.observe(renamed)
        #expect(inhibitor.inhibitors(of: ["severity": "warning", "cluster": "b"], nowMs: t) == [renamed.fingerprint])
        inhibitor.forget(renamed.fingerprint)
        #expect(inhibitor.inhibitors(of: ["severity": "warning", "cluster": "b"], nowMs: t).isEmpty)
        #expect(inhibitor.inhibitors(of: ["severity": "warning", "cluster": "a"], nowMs: t) == [critical.fingerprint])
    }
}

@Suite struct TimeIntervalContainsTests {
    @Test func readsTheTimeInItsLocation() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: r, routes: [{receiver: r, mute_time_intervals: [office]}]}
            receivers: [{name: r}]
            time_intervals:
              - name: office
                time_intervals:
                  - weekdays: ['monday:friday']
                    times: [{start_time: '09:00', end_time: '17:00'}]
                    location: Europe/Berlin
                  - days_of_month: ['-1']
                    months: [december]
            """)
        let office = try #require(config.timeIntervals.first)
        // 2023-11-14 (Tuesday) 08:30 UTC is 09:30 in Berlin; 16:30 UTC is 17:30 there.
        #expect(office.contains(ms: 1_699_950_600_000))
        #expect(!office.contains(ms: 1_699_979_400_000))
        // 2023-11-18 is a Saturday.
        #expect(!office.contains(ms: 1_700_300_000_000))
        // 2023-12-31 12:00 UTC: the last day of December.
        #expect(office.contains(ms: 1_704_024_000_000))
        #expect(!office.contains(ms: 1_703_937_600_000))  // 2023-12-30, a Saturday
    }
}
