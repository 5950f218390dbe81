import Config
import Foundation
import Model
import Testing

@testable import Discovery

@Suite struct DiscoveryManagerTests {
    /// The first target set the manager publishes (guarded).
    func nextTargetSets(_ manager: DiscoveryManager<ManualClock>) async throws -> [String: [DiscoveredTargetGroup]] {
        try await withGuardTimeout {
            guard let sets = await manager.targetSets.first(where: { _ in true }) else { throw GuardTimeout() }
            return sets
        }
    }

    @Test func publishesStaticTargetsOfEveryJobAtTheFirstTick() async throws {
        var node = ServiceDiscoveryConfigs()
        node.staticConfigs = [
            TargetGroup(targets: ["a:9100", "b:9100"], labels: Labels(["env": "prod"])),
            TargetGroup(targets: ["c:9100"]),
        ]
        let clock = ManualClock()
        let manager = DiscoveryManager(configs: ["node": node, "idle": ServiceDiscoveryConfigs()], clock: clock)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await manager.run() }
            await clock.waitForSleepers(1)  // the update arrived and the sender waits for the tick
            clock.advance(by: .milliseconds(4_999))
            #expect(clock.sleeperCount == 1, "nothing is published before the 5 s tick")
            clock.advance(by: .milliseconds(1))
            let sets = try await nextTargetSets(manager)
            #expect(sets["idle"] == [], "a job without targets is still published")
            #expect(
                sets["node"] == [
                    DiscoveredTargetGroup(
                        source: "0", targets: [.init(["__address__": "a:9100"]), .init(["__address__": "b:9100"])],
                        labels: Labels(["env": "prod"])),
                    DiscoveredTargetGroup(source: "1", targets: [.init(["__address__": "c:9100"])]),
                ])
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
            // The file provider's refresh timer and the sender's tick, which waits only once an update arrived.
            await clock.waitForSleepers(2)
            clock.advance(by: .seconds(1))
            var sets = try await nextTargetSets(manager)
            #expect(sets["job"]?.map(\.source) == [path + ":0", path + ":1"])
            #expect(sets["job"]?.flatMap { $0.targets.compactMap { $0["__address__"] } } == ["a:1", "b:1"])

            try directory.writeAtomically(path, #"[{"targets": ["a:2"]}]"#)
            await clock.waitForSleepers(2)
            clock.advance(by: .seconds(1))
            sets = try await nextTargetSets(manager)
            #expect(sets["job"]?.flatMap { $0.targets.compactMap { $0["__address__"] } }.sorted() == ["a:2"])
            #expect(sets["job"]?.map(\.source) == [path + ":0"], "the vanished second group is gone")
            tasks.cancelAll()
        }
    }
}

@Suite struct ProviderFactoryTests {
    @Test func buildsOneProviderPerConfigAndNamesTheUnimplementedOnes() throws {
        var configs = ServiceDiscoveryConfigs()
        configs.staticConfigs = [TargetGroup(targets: ["a:1"]), TargetGroup(targets: ["b:1"])]
        var file = FileSDConfig()
        file.files = ["/nonexistent/*.json"]
        configs.fileSDConfigs = [file, file]
        var dns = DNSSDConfig()
        dns.names = ["_x._tcp.example."]
        configs.dnsSDConfigs = [dns]
        #expect(ProviderFactory.unimplementedMechanisms(in: configs).isEmpty)
        let providers = ProviderFactory.providers(for: configs, clock: ManualClock(), metrics: DiscoveryMetrics())
        #expect(providers.count == 4, "one static provider for all static groups, one per file and DNS entry")
        #expect(providers.first is StaticProvider)

        let parsed = try PrometheusConfig.parse(
            """
            scrape_configs:
              - job_name: web
                http_sd_configs: [{url: "http://127.0.0.1:1/sd"}]
                kubernetes_sd_configs: [{role: pod}]
            """)
        let web = try #require(parsed.scrapeConfigs.first)
        #expect(ProviderFactory.unimplementedMechanisms(in: web.serviceDiscovery) == ["http_sd_configs", "kubernetes_sd_configs"])
    }
}
