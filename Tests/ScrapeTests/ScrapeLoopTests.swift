import Config
import Exposition
import Model
@testable import Scrape
import Testing

/// What a loop writes for a steady target, and how series end.
@Suite(.timeLimit(.minutes(1))) struct ScrapeLoopTests {
    static let body = """
        # HELP requests_total Requests served.
        # TYPE requests_total counter
        requests_total{code="200"} 10
        requests_total{code="500"} 2
        # TYPE temperature gauge
        temperature 21.5

        """

    @Test func steadyTargetGivesSamplesAndSyntheticSeriesAtOneAlignedTimestamp() async throws {
        try await withExporters([.body(Self.body)]) { harness, exporters in
            let exporter = exporters[0]
            let batches = try await harness.successes(3, instance: exporter.address)
            for batch in batches {
                #expect(batch.timestamps.count == 1, "one timestamp per scrape")
                #expect(batch.up == 1)
                #expect(batch.value("requests_total", ["code": "500", "job": "test", "instance": exporter.address]) == 2)
                #expect(batch.value("temperature") == 21.5)
                #expect(batch.value("scrape_samples_scraped") == 3)
                #expect(batch.value("scrape_samples_post_metric_relabeling") == 3)
                #expect((batch.value("scrape_duration_seconds") ?? -1) >= 0)
            }
            #expect(batches.map { $0.value("scrape_series_added") } == [3, 0, 0])
            let times = batches.compactMap(\.timestamps.first)
            #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 100 }, "a scrape every interval: \(times)")
            // A scrape within 2 ms of its slot gets the slot's timestamp; a later one (a loaded
            // machine) keeps its own.
            let identity = try #require(harness.manager.scrapeTargets.first).identity
            let seed = ScrapeManager.offsetSeed(try PrometheusConfig.parse(scrapeYAML()))
            let phaseMs = ScrapeSchedule(interval: .milliseconds(200), targetIdentity: identity, offsetSeed: seed).phase.nanoseconds / 1_000_000
            for time in times {
                let sinceSlot = ((time - phaseMs) % 200 + 200) % 200
                #expect(sinceSlot == 0 || (sinceSlot > 2 && sinceSlot < 198), "\(time) is near its slot but not on it")
            }
            let stored = try harness.sink.samples("temperature")
            #expect(stored.count == 1 && stored[0].samples.count >= 3)
            let status = try #require(harness.manager.activeTargets().first)
            #expect(status.health == .up && status.lastError.isEmpty && status.lastScrapeMs != nil)
            #expect(status.scrapeURL == "http://\(exporter.address)/metrics" && status.scrapePool == "test")
            #expect(status.metadata["requests_total"] == MetricMetadata(type: .counter, help: "Requests served."))
            #expect(status.metadata["temperature"]?.type == .gauge)
            let request = try #require(exporter.requests.last)
            #expect(request.contains(
                "Accept: application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,"
                    + "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2\r\n"))
            #expect(request.contains("X-Prometheus-Scrape-Timeout-Seconds: 0.2"))
            #expect(request.contains("Accept-Encoding: gzip"))
        }
    }

    @Test func disappearingSeriesGetsAStalenessMarker() async throws {
        try await withExporters([.body(Self.body)]) { harness, exporters in
            let exporter = exporters[0]
            _ = try await harness.successes(1, instance: exporter.address)
            exporter.reply(.body("temperature 22\n"))
            let batches = try await harness.successes(3, instance: exporter.address)
            // The first batch may still hold the old body (a scrape already under way).
            let changed = try #require(batches.firstIndex { $0.value("requests_total") == nil || ($0.value("requests_total")?.isStaleMarker ?? false) })
            let marked = batches[changed]
            let markers = marked.samples.filter { $0.value.isStaleMarker }
            #expect(Set(markers.map { $0.labels["code"] }) == ["200", "500"])
            #expect(markers.allSatisfy { $0.timestampMs == marked.timestamps.min() })
            #expect(marked.value("temperature") == 22 && marked.up == 1)
            if changed + 1 < batches.count { #expect(!batches[changed + 1].samples.contains { $0.value.isStaleMarker }) }
        }
    }

    @Test func removedTargetMarksAllItsSeriesStaleWhileOthersKeepScraping() async throws {
        try await withExporters([.body(Self.body), .body("temperature 5\n")]) { harness, exporters in
            let (leaving, staying) = (exporters[0], exporters[1])
            _ = try await harness.successes(1, instance: leaving.address)
            harness.discover("test", [staying.address])
            await harness.manager.waitForStoppedLoops()
            let last = try await harness.batches(1) { batch in batch.samples.allSatisfy(\.value.isStaleMarker) }[0]
            let names = Set(last.samples.compactMap { $0.labels.metricName })
            #expect(names == ["requests_total", "temperature", "up", "scrape_duration_seconds", "scrape_samples_scraped",
                              "scrape_samples_post_metric_relabeling", "scrape_series_added"])
            #expect(last.samples.allSatisfy { $0.labels["instance"] == leaving.address })
            #expect(try await harness.successes(2, instance: staying.address).count == 2)
            #expect(harness.manager.activeTargets().map(\.labels["instance"]) == [staying.address])
        }
    }

    @Test(arguments: [false, true])
    func conflictingLabelsBecomeExportedUnlessHonored(honorLabels: Bool) async throws {
        let body = "m{job=\"theirs\",exported_job=\"x\",instance=\"i\"} 1\n"
        try await withExporters([.body(body)], yaml: scrapeYAML(extra: "honor_labels: \(honorLabels)")) { harness, exporters in
            let exporter = exporters[0]
            let batch = try await harness.successes(1, instance: exporter.address)[0]
            let series = try #require(batch.samples.first { $0.labels.metricName == "m" }?.labels)
            if honorLabels {
                #expect(series == Labels(["__name__": "m", "job": "theirs", "exported_job": "x", "instance": "i"]))
            } else {
                #expect(series == Labels([
                    "__name__": "m", "job": "test", "instance": exporter.address, "exported_job": "x",
                    "exported_exported_job": "theirs", "exported_instance": "i",
                ]))
            }
        }
    }

    @Test func metricRelabelingDropsAndRenames() async throws {
        try await withExporters([.body(Self.body)], yaml: scrapeYAML(extra: """
            metric_relabel_configs:
              - source_labels: [code]
                regex: "500"
                action: drop
              - source_labels: [__name__]
                regex: temperature
                target_label: __name__
                replacement: temperature_celsius
            """)) { harness, exporters in
            let batch = try await harness.successes(2, instance: exporters[0].address)[1]
            #expect(batch.value("temperature_celsius") == 21.5 && batch.value("temperature") == nil)
            #expect(batch.value("requests_total", ["code": "500"]) == nil && batch.value("requests_total", ["code": "200"]) == 10)
            #expect(batch.value("scrape_samples_scraped") == 3 && batch.value("scrape_samples_post_metric_relabeling") == 2)
        }
    }

    /// `scrape_protocols: [PrometheusProto]` asks for protobuf, and a real node_exporter page
    /// in that format is stored.
    @Test func protobufScrapeOfNodeExporter() async throws {
        let reply = FakeExporter.Reply.bytes(try expositionFixture("node_exporter.pb"), contentType: ExpositionFormat.protobuf.contentType)
        try await withExporters([reply], yaml: scrapeYAML(extra: "scrape_protocols: [PrometheusProto]")) { harness, exporters in
            let batch = try await harness.successes(1, instance: exporters[0].address)[0]
            #expect((batch.value("scrape_samples_scraped") ?? 0) > 500)
            #expect(batch.value("node_cpu_seconds_total", ["cpu": "0", "mode": "idle"]) != nil)
            #expect(harness.manager.activeTargets().first?.metadata["node_cpu_seconds_total"]?.type == .counter)
            let request = try #require(exporters[0].requests.last)
            #expect(request.contains("Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,*/*;q=0.5\r\n"))
        }
    }

    @Test func requestFollowsTheJobsHTTPSettings() async throws {
        let extra = """
            enable_compression: false
            metrics_path: /probe
            params:
              module: [http_2xx]
            basic_auth:
              username: user
              password: secret
            """
        try await withExporters([.body(Self.body)], yaml: scrapeYAML(extra: extra)) { harness, exporters in
            _ = try await harness.successes(1, instance: exporters[0].address)
            let request = try #require(exporters[0].requests.last)
            #expect(request.hasPrefix("GET /probe?module=http_2xx HTTP/1.1\r\n"))
            #expect(request.contains("Accept-Encoding: identity\r\n"))
            #expect(request.contains("Authorization: Basic dXNlcjpzZWNyZXQ=\r\n"))
        }
    }

    @Test func withoutHonorTimestampsTheScrapeTimeIsUsed() async throws {
        try await withExporters([.body("with_time 1 1700000000000\n")], yaml: scrapeYAML(extra: "honor_timestamps: false")) { harness, exporters in
            let batch = try await harness.successes(1, instance: exporters[0].address)[0]
            #expect(batch.timestamps.count == 1 && batch.timestamps.first != 1_700_000_000_000)
        }
    }

    @Test func honorTimestampsKeepsTheExposedTimestamp() async throws {
        // A timeout (200 ms on a loaded machine) would write `up` at now first, after which the
        // 2023 sample is out of bounds for the head: a timeout that does not fire.
        try await withExporters([.body("with_time 1 1700000000000\n")], yaml: scrapeYAML(interval: "1s", timeout: "1s")) { harness, exporters in
            _ = try await harness.successes(1, instance: exporters[0].address)
            // What was stored, not the batch observed: under load the first batch may come
            // before the wait subscribes, and a repeat of the same sample is a no-op.
            let stored = try harness.sink.samples("with_time")
            #expect(stored.count == 1 && stored[0].samples.map(\.timestampMs) == [1_700_000_000_000])
        }
    }
}
