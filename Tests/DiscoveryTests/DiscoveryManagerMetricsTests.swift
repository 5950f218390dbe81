import Config
import Foundation
import Model
import Testing

@testable import Discovery

/// The manager's own metrics (upstream's `discovery.Metrics`) and the provider names it stamps
/// on published groups.
@Suite struct DiscoveryManagerMetricsTests {
    /// Three working providers and one whose configuration cannot be used (a CA file that does
    /// not exist): groups carry `<config key>/<index>`, the broken one counts as a failed config
    /// until a reload drops it, and updates are counted.
    @Test func namesProvidersAndCountsFailedConfigsAndUpdates() async throws {
        let first = try TemporaryDirectory(), second = try TemporaryDirectory()
        try first.writeAtomically(first.path("a.json"), #"[{"targets": ["file0:1"]}]"#)
        try second.writeAtomically(second.path("b.json"), #"[{"targets": ["file1:1"]}]"#)
        var job = ServiceDiscoveryConfigs()
        job.staticConfigs = [TargetGroup(targets: ["static:1"])]
        var fileSD = FileSDConfig()
        fileSD.files = [first.path("*.json")]
        var otherFileSD = FileSDConfig()
        otherFileSD.files = [second.path("*.json")]
        job.fileSDConfigs = [fileSD, otherFileSD]
        var broken = HTTPSDConfig()
        broken.url = "https://127.0.0.1:1/sd"
        broken.http.tls.caFile = first.path("missing-ca.pem")
        job.httpSDConfigs = [broken]
        var healthy = job
        healthy.httpSDConfigs = []

        let clock = ManualClock()
        let metrics = DiscoveryMetrics()
        let manager = DiscoveryManager(configs: ["web": job], clock: clock, updateInterval: .seconds(1), metrics: metrics)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            // Two file providers wait for their refresh interval, plus the sender.
            let sets = try await nextPublication(manager, clock: clock, interval: .seconds(1), sleepers: 3) {
                $0["web"]?.count == 3
            }
            #expect(sets["web"]?.sorted() == ["file0:1", "file1:1", "static:1"])
            try await withGuardTimeout { while metrics.updates()?.failedConfigs != 1 { try await Task.sleep(for: .milliseconds(5)) } }
            let updates = try #require(metrics.updates())
            #expect(updates.received >= 3 && updates.sent >= 1 && updates.failedConfigs == 1, "\(updates)")
            #expect(metrics.discoveredTargets(job: "web") == 3)

            manager.applyConfig(["web": healthy])
            #expect(metrics.updates()?.failedConfigs == 0, "a reload without the broken config clears it")
            tasks.cancelAll()
        }
        var text: [UInt8] = []
        metrics.write(into: &text)
        let exposition = String(decoding: text, as: UTF8.self)
        for line in [
            #"prometheus_sd_failed_configs{name="scrape"} 0"#, #"prometheus_sd_discovered_targets{config="web",name="scrape"} 3"#,
            "# TYPE prometheus_sd_received_updates_total counter", "# TYPE prometheus_sd_updates_total counter",
            #"prometheus_sd_updates_delayed_total{name="scrape"} "#, #"prometheus_sd_kubernetes_events_total{event="add",role="pod"} 0"#,
            "# TYPE prometheus_sd_file_scan_duration_seconds summary", "prometheus_sd_file_scan_duration_seconds_count ",
            "prometheus_sd_file_watcher_errors_total 0",
        ] {
            #expect(exposition.contains(line), "\(line)")
        }
    }

    @Test func publishedGroupsNameTheirProvider() async throws {
        let directory = try TemporaryDirectory()
        try directory.writeAtomically(directory.path("a.json"), #"[{"targets": ["file:1"]}]"#)
        var job = ServiceDiscoveryConfigs()
        job.staticConfigs = [TargetGroup(targets: ["static:1"]), TargetGroup(targets: ["static:2"])]
        var fileSD = FileSDConfig()
        fileSD.files = [directory.path("*.json")]
        job.fileSDConfigs = [fileSD]
        let clock = ManualClock()
        let manager = DiscoveryManager(configs: ["web": job], clock: clock, updateInterval: .seconds(1))
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            // As `nextPublication`: the file provider's update may come after the first tick.
            var providers: [String: String] = [:]
            for _ in 0..<2 {
                await clock.waitForSleepers(2)
                clock.advance(by: .seconds(1))
                let sets = try await withGuardTimeout { await manager.targetSets.first(where: { _ in true }) }
                for group in sets?["web"] ?? [] {
                    for target in group.targets { providers[target["__address__"] ?? ""] = group.provider }
                }
                if providers.count == 3 { break }
            }
            #expect(providers == ["static:1": "static_configs/0", "static:2": "static_configs/0", "file:1": "file_sd_configs/0"])
            tasks.cancelAll()
        }
    }

    /// A publication the consumer has not taken when the next one comes is replaced by it and
    /// counted as delayed (upstream: the receiver's channel was full).
    @Test func anUnconsumedPublicationCountsAsDelayed() async throws {
        var job = ServiceDiscoveryConfigs()
        job.staticConfigs = [TargetGroup(targets: ["a:1"])]
        let clock = ManualClock()
        let metrics = DiscoveryMetrics()
        let manager = DiscoveryManager(configs: ["job": job], clock: clock, metrics: metrics, name: "notify")
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            for round in 1...2 {
                await clock.waitForSleepers(1)
                clock.advance(by: .seconds(5))
                try await withGuardTimeout { while metrics.updates(manager: "notify")?.sent != round { try await Task.sleep(for: .milliseconds(5)) } }
                if round == 1 { manager.applyConfig(["job": job]) }  // a reload publishes again
            }
            #expect(metrics.updates(manager: "notify")?.delayed == 1)
            #expect(metrics.updates(manager: "scrape") == nil)
            let sets = try await withGuardTimeout { await manager.targetSets.first(where: { _ in true }) }
            #expect(sets?["job"]?.first?.provider == "static_configs/0")
            tasks.cancelAll()
        }
    }

    /// Summaries: quantiles over the last 10 minutes (NaN when none), sum and count over all.
    @Test func slidingWindowSummaryKeepsTheLastTenMinutes() {
        var summary = SlidingWindowSummary()
        let start = ContinuousClock.now
        #expect(summary.quantileValues(at: start).allSatisfy { $0.isNaN })
        for value in 1...100 { summary.observe(Double(value), at: start) }
        #expect(summary.quantileValues(at: start) == [50, 90, 99])
        summary.observe(1_000, at: start.advanced(by: .seconds(601)))
        #expect(summary.quantileValues(at: start.advanced(by: .seconds(601))) == [1_000, 1_000, 1_000])
        #expect(summary.count == 101 && summary.sum == 6_050)
        var text = ""
        summary.write(name: "m", labels: "", at: start.advanced(by: .seconds(1_300)), into: &text)
        #expect(text == "m{quantile=\"0.5\"} NaN\nm{quantile=\"0.9\"} NaN\nm{quantile=\"0.99\"} NaN\nm_sum 6050.0\nm_count 101\n")
    }
}
