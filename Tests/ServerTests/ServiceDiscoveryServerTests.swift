import Foundation
import PharosTestSupport
import Testing

/// `pharos server` with file, static and HTTP discovery, seen through `/api/v1/targets`,
/// `/metrics` and the query API: the provider of each target, discovered and dropped targets
/// (`keep_dropped_targets`), the discovery metrics, `pharos_scrape_failure`, and targets that
/// survive a failing provider until their source says they are gone.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct ServiceDiscoveryServerTests {
    @Test func targetsShowTheirProviderAndSurviveProviderFailures() async throws {
        let port = try Daemon.freePort(), closedPort = try Daemon.freePort()
        let pharos = try await PharosInstance(
            config: """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: files
                    keep_dropped_targets: 1
                    file_sd_configs:
                      - files: [targets.json]
                        refresh_interval: 1s
                    relabel_configs:
                      - {source_labels: [__address__], regex: 'drop-.*', action: drop}
                  - job_name: closed
                    static_configs:
                      - targets: ['127.0.0.1:\(closedPort)']
                  - job_name: broken_http
                    http_sd_configs:
                      - url: http://127.0.0.1:\(closedPort)/sd
                        refresh_interval: 1s
                """,
            files: ["targets.json": #"[{"targets": ["127.0.0.1:\#(port)", "drop-a:1", "drop-b:1"], "labels": {"team": "db"}}]"#],
            port: port)
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let sdFile = pharos.directory + "/targets.json"

        // Discovery publishes within its 5 s throttle; the first scrapes follow within 1 s.
        var targets: [String: Any] = [:]
        var active: [[String: Any]] = []
        for _ in 0..<150 {
            targets = try await pharos.data("/api/v1/targets?state=any") as? [String: Any] ?? [:]
            active = targets["activeTargets"] as? [[String: Any]] ?? []
            if active.count == 2, active.allSatisfy({ $0["health"] as? String != "unknown" }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let files = try #require(active.first { $0["scrapePool"] as? String == "files" }, "\(active)\n\(pharos.daemon.log)")
        #expect(files["discoveryProvider"] as? String == "file_sd_configs/0")
        #expect(files["health"] as? String == "up")
        let discovered = files["discoveredLabels"] as? [String: String] ?? [:]
        #expect(discovered["__meta_filepath"] == sdFile && discovered["team"] == "db" && discovered["job"] == "files", "\(discovered)")
        let closed = try #require(active.first { $0["scrapePool"] as? String == "closed" })
        #expect(closed["discoveryProvider"] as? String == "static_configs/0" && closed["health"] as? String == "down")
        let dropped = targets["droppedTargets"] as? [[String: Any]] ?? []
        #expect(dropped.count == 1, "keep_dropped_targets: 1 of 2")
        #expect(dropped.first?["discoveryProvider"] as? String == "file_sd_configs/0")
        #expect((dropped.first?["discoveredLabels"] as? [String: String])?["__address__"] == "drop-a:1")
        #expect(targets["droppedTargetCounts"] as? [String: Int] == ["files": 2, "closed": 0, "broken_http": 0])
        let onlyActive = try await pharos.data("/api/v1/targets?state=active") as? [String: Any]
        #expect((onlyActive?["droppedTargets"] as? [Any])?.isEmpty == true && (onlyActive?["activeTargets"] as? [Any])?.count == 2)

        // The refused target's failure reason, through storage and PromQL.
        var failure: [[String: Any]] = []
        for _ in 0..<50 where failure.isEmpty {
            let data = try await pharos.data("/api/v1/query?query=" + encoded("pharos_scrape_failure")) as? [String: Any]
            failure = data?["result"] as? [[String: Any]] ?? []
            if failure.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(failure.map { $0["metric"] as? [String: String] } == [
            ["__name__": "pharos_scrape_failure", "instance": "127.0.0.1:\(closedPort)", "job": "closed", "reason": "connection_refused"],
        ])
        #expect((failure.first?["value"] as? [Any])?.last as? String == "1")

        // The discovery metrics: the failing HTTP provider's refreshes, the managers' counters.
        let metrics = try await waitForMetrics(pharos) {
            ($0[#"prometheus_sd_refresh_failures_total{config="broken_http",mechanism="http"}"#] ?? 0) >= 1
        }
        #expect(metrics[#"prometheus_sd_refresh_duration_seconds_count{config="broken_http",mechanism="http"}"#] ?? 0 >= 1)
        #expect(metrics[#"prometheus_sd_discovered_targets{config="files",name="scrape"}"#] == 3)
        #expect(metrics[#"prometheus_sd_discovered_targets{config="broken_http",name="scrape"}"#] == 0)
        #expect(metrics[#"prometheus_sd_failed_configs{name="scrape"}"#] == 0)
        #expect(metrics[#"prometheus_sd_updates_total{name="scrape"}"#] ?? 0 >= 1)
        #expect(metrics[#"prometheus_sd_received_updates_total{name="scrape"}"#] ?? 0 >= 2)
        #expect(metrics[#"prometheus_sd_updates_total{name="notify"}"#] != nil, "the Alertmanager discovery reports under name=\"notify\"")
        #expect(metrics[#"prometheus_sd_kubernetes_events_total{event="add",role="pod"}"#] == 0)
        #expect(metrics["prometheus_sd_file_scan_duration_seconds_count"] ?? 0 >= 1)

        // A broken file is a provider failure: counted, and its targets stay and are scraped.
        try "[{\"targets\": [".write(toFile: sdFile, atomically: true, encoding: .utf8)
        let broken = try await waitForMetrics(pharos) { ($0["prometheus_sd_file_read_errors_total"] ?? 0) >= 3 }
        #expect(broken[#"prometheus_sd_discovered_targets{config="files",name="scrape"}"#] == 3)
        let during = try await pharos.data("/api/v1/targets?scrapePool=files") as? [String: Any]
        let kept = (during?["activeTargets"] as? [[String: Any]])?.first
        #expect(kept?["health"] as? String == "up" && kept?["discoveryProvider"] as? String == "file_sd_configs/0", "\(during ?? [:])")

        // The source says the targets are gone: they go.
        try "[]".write(toFile: sdFile, atomically: true, encoding: .utf8)
        var remaining = 1
        for _ in 0..<100 where remaining > 0 {
            let data = try await pharos.data("/api/v1/targets?scrapePool=files") as? [String: Any]
            remaining = (data?["activeTargets"] as? [Any])?.count ?? 0
            if remaining > 0 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(remaining == 0, "\(pharos.daemon.log)")
    }

    /// `/metrics` as series → value, polled until `done` holds (up to 30 s).
    private func waitForMetrics(
        _ pharos: PharosInstance, until done: ([String: Double]) -> Bool
    ) async throws -> [String: Double] {
        var values: [String: Double] = [:]
        for _ in 0..<150 {
            let text = try await pharos.get("/metrics").body
            values = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                values[String(line[..<space])] = value
            }
            if done(values) { return values }
            try await Task.sleep(for: .milliseconds(200))
        }
        return values
    }
}
