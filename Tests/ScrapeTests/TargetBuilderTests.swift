import Config
import Discovery
import Model
@testable import Scrape
import Testing

/// Target relabeling and the labels every target gets (upstream's `TestPopulateLabels`).
@Suite struct TargetBuilderTests {
    private func builder(_ yaml: String) throws -> TargetBuilder {
        let config = try #require(try PrometheusConfig.parse(yaml).scrapeConfigs.first)
        return TargetBuilder(config: config, relabeler: try Relabeler(config.relabelConfigs))
    }

    @Test func defaultsJobInstanceSchemePathAndDropsMetaLabels() throws {
        let result = try builder(scrapeYAML(interval: "15s", timeout: "10s", extra: "params:\n  module: [http_2xx, x]")).targets(from: [
            DiscoveredTargetGroup(
                source: "0", targets: [Labels(["__address__": "h:9100", "__meta_x": "y"])], labels: Labels(["team": "a"])),
        ])
        let target = try #require(result.targets.first)
        #expect(target.publicLabels == Labels(["instance": "h:9100", "job": "test", "team": "a"]))
        #expect(target.url == "http://h:9100/metrics?module=http_2xx&module=x")
        #expect(target.interval == .seconds(15) && target.timeout == .seconds(10))
        #expect(target.labels["__meta_x"] == nil && target.labels["__param_module"] == "http_2xx")
        #expect(target.discoveredLabels["__meta_x"] == "y" && target.discoveredLabels["__scrape_interval__"] == "15s")
        let status = target.status(pool: "test")
        #expect(status.scrapeInterval == "15s" && status.scrapeTimeout == "10s" && status.health == .unknown)
        #expect(status.lastScrapeMs == nil && status.lastError.isEmpty)
    }

    @Test func relabelingRewritesAddressPathAndParamsAndDrops() throws {
        let yaml = scrapeYAML(interval: "15s", timeout: "10s", extra: """
            relabel_configs:
              - source_labels: [__address__]
                regex: drop-.*
                action: drop
              - source_labels: [__address__]
                target_label: __param_target
              - target_label: __address__
                replacement: prober:9115
              - target_label: __metrics_path__
                replacement: /probe
              - source_labels: [__param_target]
                target_label: instance
            """)
        let result = try builder(yaml).targets(from: [
            DiscoveredTargetGroup(source: "0", targets: ["a.example", "drop-me", "b example"].map(DiscoveredTargetGroup.target(address:))),
        ])
        #expect(result.targets.map(\.url) == ["http://prober:9115/probe?target=a.example", "http://prober:9115/probe?target=b+example"])
        #expect(result.targets.map { $0.publicLabels["instance"] } == ["a.example", "b example"])
        #expect(result.dropped.map { $0.labels["__address__"] } == ["drop-me"])
    }

    @Test(arguments: [
        ("__address__", "", "no address"),
        ("__address__", "h/x", "\"h/x\" is not a valid hostname"),
        ("__scrape_timeout__", "20s", "scrape timeout cannot be greater than scrape interval (\"20s\" > \"15s\")"),
        ("__scrape_interval__", "0s", "scrape interval cannot be 0"),
    ])
    func refusesBrokenTargets(label: String, value: String, reason: String) throws {
        let yaml = scrapeYAML(interval: "15s", timeout: "10s", extra: """
            relabel_configs:
              - target_label: \(label)
                replacement: "\(value)"
            """)
        let result = try builder(yaml).targets(from: [DiscoveredTargetGroup(source: "0", targets: [DiscoveredTargetGroup.target(address: "h:1")])])
        #expect(result.targets.isEmpty && result.failures == [reason])
    }

    @Test func sameLabelsAndURLAreTheSameTarget() throws {
        let builder = try builder(scrapeYAML())
        let groups = [DiscoveredTargetGroup(source: "0", targets: [DiscoveredTargetGroup.target(address: "h:1")])]
        let first = try #require(builder.targets(from: groups).targets.first)
        let second = try #require(builder.targets(from: groups).targets.first)
        #expect(first.identity == second.identity)
    }
}
