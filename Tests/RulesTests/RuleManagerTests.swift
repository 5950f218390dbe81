import Config
import Foundation
import Logging
import Model
import Testing
@testable import Rules

/// Loading and reloading rule files through the manager, evaluations driven by hand.
@Suite struct RuleManagerTests {
    static let t0: Int64 = 1_700_000_000_000

    @Test func reloadKeepsAlertsOfUnchangedRulesAndRefusesInvalidFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rules.yml").path
        let fixture = RuleGroupStateTests.Fixture()
        try fixture.append([(Labels(["__name__": "up", "job": "a"]), Self.t0 - 1000, 0)])
        let manager = RuleManager(environment: fixture.environment, notifier: nil, logger: Logger(label: "test"))
        var config = PrometheusConfig()
        config.ruleFiles = [directory.path + "/*.yml"]

        let alertRule = """
            groups:
              - name: g
                rules:
                  - alert: JobDown
                    expr: up == 0
                    for: 5m
            """
        try alertRule.write(toFile: file, atomically: true, encoding: .utf8)
        try manager.applyConfig(config)
        let key = try #require(manager.groups.first?.loaded.key)
        manager.evaluateGroup(key, atMs: Self.t0)
        #expect(manager.groups.first?.rules.first?.alerting?.active.values.first?.activeAtMs == Self.t0)

        try (alertRule + "\n      - record: job:up\n        expr: up\n").write(toFile: file, atomically: true, encoding: .utf8)
        try manager.applyConfig(config)
        let reloaded = try #require(manager.groups.first)
        #expect(reloaded.rules.count == 2)
        #expect(reloaded.rules[0].alerting?.active.values.first?.activeAtMs == Self.t0)

        try "groups:\n  - name: g\n    rules:\n      - record: bad\n        expr: up{\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: RulesError.self) { try manager.applyConfig(config) }
        #expect(manager.groups.first?.rules.count == 2)

        // A rule removed by a reload has its series marked stale after the next evaluation;
        // a removed group has its series marked stale at once.
        manager.evaluateGroup(key, atMs: Self.t0 + 60_000)
        try alertRule.write(toFile: file, atomically: true, encoding: .utf8)
        try manager.applyConfig(config)
        manager.evaluateGroup(key, atMs: Self.t0 + 120_000)
        let recorded = try fixture.samples("job:up")[Labels(["__name__": "job:up", "job": "a"])] ?? []
        #expect(recorded.map(\.t) == [Self.t0 + 60_000, Self.t0 + 120_000])
        #expect(recorded.last?.v.isStaleMarker == true)
        try "groups:\n  - name: other\n    rules:\n      - record: other:up\n        expr: up\n".write(toFile: file, atomically: true, encoding: .utf8)
        try manager.applyConfig(config)
        let pending = try fixture.samples("ALERTS")[Labels(["__name__": "ALERTS", "alertname": "JobDown", "alertstate": "pending", "job": "a"])] ?? []
        #expect(pending.count == 3 && pending.last?.v.isStaleMarker == true)
    }

    @Test func scheduleSpreadsGroupsAndCountsMissedIterations() {
        let schedule = RuleGroupSchedule(file: "rules.yml", name: "g", interval: .seconds(60))
        #expect((0..<60_000).contains(schedule.offsetMs))
        let at = schedule.evaluationTime(atOrBefore: Self.t0)
        #expect(at <= Self.t0 && Self.t0 - at < 60_000)
        #expect((at - schedule.offsetMs) % 60_000 == 0)
        let onTime = schedule.next(after: at, finishedAtMs: at + 1_000)
        #expect(onTime.timeMs == at + 60_000 && onTime.missed == 0)
        // An evaluation that took 2.5 intervals skips the slot it overran entirely.
        let overrun = schedule.next(after: at, finishedAtMs: at + 150_000)
        #expect(overrun.timeMs == at + 120_000 && overrun.missed == 1)
    }
}
