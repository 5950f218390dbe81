import Config
import Discovery
import Model
@testable import Scrape
import Testing

/// Reloads and the manager's view of its pools.
@Suite(.timeLimit(.minutes(1))) struct ScrapeManagerTests {
    @Test func reloadKeepsAnUnchangedLoop() async throws {
        let yaml = scrapeYAML()
        try await withExporters([.body("a 1\n")], yaml: yaml) { harness, exporters in
            let exporter = exporters[0]
            let started = ContinuousClock.now
            let before = try await harness.successes(1, instance: exporter.address)
            // Adding a job leaves the other jobs' loops alone.
            try harness.manager.applyConfig(PrometheusConfig.parse(yaml + "\n  - job_name: other\n"))
            let status = try #require(harness.manager.activeTargets().first)
            #expect(status.health == .up && status.lastScrapeMs != nil, "the loop and its state survive")
            let after = try await harness.successes(2, instance: exporter.address)
            let times = (before + after).compactMap(\.timestamps.first)
            #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 100 }, "no extra scrape: \(times)")
            #expect(!after.contains { $0.marksTargetSeriesStale })
            // At most one scrape per 200 ms interval since the start (a slow machine delays
            // scrapes; it never adds any).
            let intervals = Int((ContinuousClock.now - started) / .milliseconds(200))
            #expect(exporter.requests.count <= intervals + 2, "one may come before `started`")
            #expect(harness.manager.poolNames() == ["other", "test"])
        }
    }

    @Test func changedJobRestartsWithoutMarkersAndRemovedJobMarksStale() async throws {
        try await withExporters([.body("a 1\n")]) { harness, exporters in
            let exporter = exporters[0]
            _ = try await harness.successes(1, instance: exporter.address)
            try harness.manager.applyConfig(PrometheusConfig.parse(scrapeYAML(extra: "sample_limit: 100")))
            #expect(harness.manager.activeTargets().first?.health == .unknown, "a new loop took over")
            let restarted = try await harness.successes(2, instance: exporter.address)
            #expect(!restarted.contains { $0.marksTargetSeriesStale })
            try harness.manager.applyConfig(PrometheusConfig.parse("scrape_configs: []\n"))
            await harness.manager.waitForStoppedLoops()
            let last = try await harness.batches(1) { batch in batch.samples.allSatisfy(\.value.isStaleMarker) }[0]
            #expect(last.value("a")?.isStaleMarker == true && last.value("up")?.isStaleMarker == true)
            #expect(harness.manager.activeTargets().isEmpty && harness.manager.poolNames().isEmpty)
        }
    }

    /// The new loop takes over the old one's series: those the new config drops go stale at
    /// its first scrape, the others continue.
    @Test func changedJobMarksWhatItNoLongerProducesStale() async throws {
        try await withExporters([.body("a 1\nb 2\n")]) { harness, exporters in
            let exporter = exporters[0]
            _ = try await harness.successes(1, instance: exporter.address)
            try harness.manager.applyConfig(PrometheusConfig.parse(scrapeYAML(extra: """
                metric_relabel_configs:
                  - source_labels: [__name__]
                    regex: b
                    action: drop
                """)))
            let first = try await harness.batches(1) { $0.instance == exporter.address && $0.up == 1 && $0.value("b")?.isStaleMarker != false }[0]
            #expect(first.value("b")?.isStaleMarker == true && first.value("a") == 1)
        }
    }

    @Test func droppedTargetsAreListedAndCounted() async throws {
        try await withExporters([], yaml: scrapeYAML(extra: """
            keep_dropped_targets: 1
            relabel_configs:
              - source_labels: [__address__]
                regex: "drop.*"
                action: drop
            """)) { harness, _ in
            let addresses = ["drop1:1", "drop2:1", "127.0.0.1:1"]
            // Through the harness's discovery stream, after its initial (empty) update: a direct
            // `sync` could be overwritten by that update arriving later.
            harness.discover("test", addresses)
            let deadline = ContinuousClock.now + .seconds(20)
            while harness.manager.activeTargets().count != 1, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(harness.manager.droppedTargetCounts() == ["test": 2])
            let dropped = harness.manager.droppedTargets()
            #expect(dropped.count == 1 && dropped.first?.scrapePool == "test")
            #expect(dropped.first?.discoveredLabels["__address__"] == "drop1:1")
            #expect(harness.manager.activeTargets().count == 1)
        }
    }
}
