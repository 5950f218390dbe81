import Config
import Foundation
import Model
import Testing

@testable import Discovery


/// The next publication's addresses by job, advancing the clock to each pending tick: at most
/// twice, since a provider's update may land just after a tick that `applyConfig` scheduled (it
/// then schedules the next one). `sleepers` counts the other tasks sleeping on the clock, plus one.
func nextPublication(
    _ manager: DiscoveryManager<ManualClock>, clock: ManualClock, interval: Duration = .seconds(5), sleepers: Int = 1,
    until predicate: @escaping @Sendable ([String: [String]]) -> Bool
) async throws -> [String: [String]] {
    var latest: [String: [String]] = [:]
    for _ in 0..<2 {
        await clock.waitForSleepers(sleepers)
        clock.advance(by: interval)
        let sets = try await withGuardTimeout {
            guard let sets = await manager.targetSets.first(where: { _ in true }) else { throw GuardTimeout() }
            return sets
        }
        latest = sets.mapValues { $0.flatMap { $0.targets.compactMap { $0["__address__"] } } }
        if predicate(latest) { return latest }
    }
    return latest
}

@Suite struct DiscoveryManagerTests {
    @Test func publishesStaticTargetsOfEveryJobAtTicks() async throws {
        var node = ServiceDiscoveryConfigs()
        node.staticConfigs = [
            TargetGroup(targets: ["a:9100", "b:9100"], labels: Labels(["env": "prod"])),
            TargetGroup(targets: ["c:9100"]),
        ]
        let clock = ManualClock()
        let manager = DiscoveryManager(configs: ["node": node, "idle": ServiceDiscoveryConfigs()], clock: clock)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(4_999))
            #expect(clock.sleeperCount == 1, "nothing is published before the 5 s tick")
            let sets = try await nextPublication(manager, clock: clock) {
                $0["node"]?.isEmpty == false
            }
            #expect(sets == ["node": ["a:9100", "b:9100", "c:9100"], "idle": []], "a job without targets is still published")
            #expect(manager.metrics.discoveredTargets(job: "node") == 3 && manager.metrics.discoveredTargets(job: "idle") == 0)
            var text: [UInt8] = []
            manager.metrics.write(into: &text)
            #expect(String(decoding: text, as: UTF8.self).contains(#"prometheus_sd_discovered_targets{config="node",name="scrape"} 3"#))
            tasks.cancelAll()
        }
    }

    @Test func groupsKeepTheirSourcesAndLabels() async throws {
        var node = ServiceDiscoveryConfigs()
        node.staticConfigs = [TargetGroup(targets: ["a:9100"], labels: Labels(["env": "prod"])), TargetGroup(targets: ["c:9100"])]
        let clock = ManualClock()
        let manager = DiscoveryManager(providers: ["node": [StaticProvider(node.staticConfigs)]], clock: clock)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            await clock.waitForSleepers(1)  // no applyConfig: the sender waits only once an update arrived
            clock.advance(by: .seconds(5))
            let sets = try await withGuardTimeout { await manager.targetSets.first(where: { _ in true }) }
            var expected = [
                DiscoveredTargetGroup(source: "0", targets: [.init(["__address__": "a:9100"])], labels: Labels(["env": "prod"])),
                DiscoveredTargetGroup(source: "1", targets: [.init(["__address__": "c:9100"])]),
            ]
            for index in expected.indices { expected[index].provider = "static_configs/0" }
            #expect(sets?["node"] == expected)
            tasks.cancelAll()
        }
    }

    @Test func replacesGroupsPerSourceAndDropsRemovedOnes() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("targets.json")
        try directory.writeAtomically(path, #"[{"targets": ["a:1"]}, {"targets": ["b:1"]}]"#)
        var fileSD = FileSDConfig()
        fileSD.files = [directory.path("*.json")]
        var job = ServiceDiscoveryConfigs()
        job.fileSDConfigs = [fileSD]
        let clock = ManualClock()
        let manager = DiscoveryManager(configs: ["job": job], clock: clock, updateInterval: .seconds(1))
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            // The file provider's refresh timer and the sender's tick.
            let first = try await nextPublication(manager, clock: clock, interval: .seconds(1), sleepers: 2) { !($0["job"] ?? []).isEmpty }
            #expect(first == ["job": ["a:1", "b:1"]])

            try directory.writeAtomically(path, #"[{"targets": ["a:2"]}]"#)
            let second = try await nextPublication(manager, clock: clock, interval: .seconds(1), sleepers: 2) { $0["job"] == ["a:2"] }
            #expect(second == ["job": ["a:2"]], "the vanished second group is gone")
            tasks.cancelAll()
        }
    }
}

@Suite struct ProviderFactoryTests {
    @Test func buildsOneProviderPerConfig() throws {
        var configs = ServiceDiscoveryConfigs()
        configs.staticConfigs = [TargetGroup(targets: ["a:1"]), TargetGroup(targets: ["b:1"])]
        var file = FileSDConfig()
        file.files = ["/nonexistent/*.json"]
        configs.fileSDConfigs = [file, file]
        var dns = DNSSDConfig()
        dns.names = ["_x._tcp.example."]
        configs.dnsSDConfigs = [dns]
        var http = HTTPSDConfig()
        http.url = "http://127.0.0.1:1/sd"
        configs.httpSDConfigs = [http]
        let providers = ProviderFactory.providers(for: configs, job: "j", clock: ManualClock(), metrics: DiscoveryMetrics())
        #expect(providers.count == 5, "one static provider for all static groups, one per file, HTTP and DNS entry")
        #expect(providers.first is StaticProvider)

        let parsed = try PrometheusConfig.parse(
            """
            scrape_configs:
              - job_name: web
                http_sd_configs: [{url: "http://127.0.0.1:1/sd"}]
                consul_sd_configs: [{server: "127.0.0.1:1"}]
                kubernetes_sd_configs: [{role: pod}]
            """)
        let web = try #require(parsed.scrapeConfigs.first)
        let kinds = ProviderFactory.providers(for: web.serviceDiscovery, job: "web", clock: ManualClock(), metrics: DiscoveryMetrics())
            .map { String(describing: type(of: $0)) }
        #expect(kinds == ["HTTPProvider<ManualClock>", "ConsulProvider<ManualClock>", "KubernetesProvider<ManualClock>"])
    }
}

@Suite struct DiscoveryManagerReloadTests {
    func staticJob(_ targets: String...) -> ServiceDiscoveryConfigs {
        var configs = ServiceDiscoveryConfigs()
        configs.staticConfigs = [TargetGroup(targets: targets)]
        return configs
    }

    @Test func reloadKeepsUnchangedJobsRestartsChangedOnesAndDropsRemovedOnes() async throws {
        let clock = ManualClock()
        let manager = DiscoveryManager(
            configs: ["keep": staticJob("k:1"), "change": staticJob("old:1"), "remove": staticJob("r:1")], clock: clock)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            let first = try await nextPublication(manager, clock: clock) { $0.count == 3 && $0.values.allSatisfy { !$0.isEmpty } }
            #expect(first == ["keep": ["k:1"], "change": ["old:1"], "remove": ["r:1"]])

            manager.applyConfig(["keep": staticJob("k:1"), "change": staticJob("new:1"), "add": staticJob("a:1")])
            let second = try await nextPublication(manager, clock: clock) { $0["change"] == ["new:1"] && $0["add"] == ["a:1"] }
            #expect(second == ["keep": ["k:1"], "change": ["new:1"], "add": ["a:1"]])
            tasks.cancelAll()
        }
    }
}
