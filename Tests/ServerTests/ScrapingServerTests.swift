import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// `pharos server` scraping itself and Debian's real node_exporter, seen through the
/// targets, metadata and query APIs.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct ScrapingServerTests {
    /// A target that refuses connections is down with the refusal as its error at once, not
    /// after the scrape timeout (the connection is not retried until the deadline).
    @Test func refusedTargetIsDownWithoutWaitingForTheTimeout() async throws {
        let closedPort = try Daemon.freePort()
        let config = """
            global:
              scrape_interval: 12s
              scrape_timeout: 10s
            scrape_configs:
              - job_name: closed
                static_configs:
                  - targets: ['127.0.0.1:\(closedPort)']
            """
        let pharos = try await PharosInstance(config: config)
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        var target: [String: Any] = [:]
        for _ in 0..<150 {  // the first scrape comes within one interval (its offset)
            let data = try await pharos.data("/api/v1/targets") as? [String: Any]
            target = (data?["activeTargets"] as? [[String: Any]])?.first ?? [:]
            if target["health"] as? String == "down" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(target["health"] as? String == "down", "\(target)")
        #expect((target["lastError"] as? String)?.contains("refused") == true, "\(target)")
        #expect((target["lastScrapeDuration"] as? Double ?? 99) < 5, "\(target)")
    }

    @Test func scrapesItselfAndNodeExporter() async throws {
        guard let nodeExporter = TestBinaries.onPath("prometheus-node-exporter") else { return }
        let exporterPort = try Daemon.freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-scrape-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exporter = try Daemon(nodeExporter, ["--web.listen-address=127.0.0.1:\(exporterPort)"], output: .file(directory + "/node.log"))
        defer { Task { await exporter.terminate() } }
        try await exporter.waitUntilListening(port: exporterPort)
        let port = try Daemon.freePort()
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: pharos
                static_configs:
                  - targets: ['127.0.0.1:\(port)']
              - job_name: node
                static_configs:
                  - targets: ['127.0.0.1:\(exporterPort)', 'dropped.example:1']
                relabel_configs:
                  - source_labels: [__address__]
                    regex: dropped.*
                    action: drop
            """
        let pharos = try await PharosInstance(config: config, port: port)
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()

        var active: [[String: Any]] = []
        for _ in 0..<100 {
            let data = try await pharos.data("/api/v1/targets") as? [String: Any]
            active = data?["activeTargets"] as? [[String: Any]] ?? []
            if active.count == 2, active.allSatisfy({ $0["health"] as? String == "up" }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(active.map { $0["scrapePool"] as? String } == ["node", "pharos"])
        #expect(active.allSatisfy { $0["health"] as? String == "up" && $0["lastError"] as? String == "" }, "\(active)\n\(pharos.daemon.log)")
        let node = try #require(active.first)
        #expect(node["labels"] as? [String: String] == ["instance": "127.0.0.1:\(exporterPort)", "job": "node"])
        #expect(node["scrapeUrl"] as? String == "http://127.0.0.1:\(exporterPort)/metrics")
        #expect(node["scrapeInterval"] as? String == "1s")
        #expect((node["discoveredLabels"] as? [String: String])?["__address__"] == "127.0.0.1:\(exporterPort)")

        let dropped = try await pharos.data("/api/v1/targets?state=dropped") as? [String: Any]
        #expect((dropped?["activeTargets"] as? [Any])?.isEmpty == true)
        #expect(((dropped?["droppedTargets"] as? [[String: Any]])?.first?["discoveredLabels"] as? [String: String])?["__address__"] == "dropped.example:1")
        #expect((dropped?["droppedTargetCounts"] as? [String: Int])?["node"] == 1)
        #expect((try await pharos.data("/api/v1/scrape_pools") as? [String: [String]])?["scrapePools"] == ["node", "pharos"])

        let up = try await pharos.data("/api/v1/query?query=up") as? [String: Any]
        let values = (up?["result"] as? [[String: Any]])?.compactMap { ($0["value"] as? [Any])?.last as? String }
        #expect(values == ["1", "1"])
        // Pharos's own series arrive through its own /metrics (the request counter from the
        // second scrape on: a request is counted once answered).
        var own: [Any] = []
        for _ in 0..<50 where own.isEmpty {
            let data = try await pharos.data("/api/v1/query?query=\(encoded("prometheus_http_requests_total{job=\"pharos\",handler=\"/metrics\"}"))") as? [String: Any]
            own = data?["result"] as? [Any] ?? []
            if own.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(own.count == 1)

        let metadata = try await pharos.data("/api/v1/metadata?metric=node_cpu_seconds_total") as? [String: [[String: String]]]
        #expect(metadata?["node_cpu_seconds_total"]?.first?["type"] == "counter")
        let targetMetadata = try await pharos.data("/api/v1/targets/metadata?metric=up&match_target=\(encoded("{job=\"node\"}"))") as? [[String: Any]]
        #expect(targetMetadata?.isEmpty == true, "up is synthetic; it has no metadata")
        let cpu = try await pharos.data("/api/v1/targets/metadata?metric=node_cpu_seconds_total&match_target=\(encoded("{job=\"node\"}"))") as? [[String: Any]]
        #expect(cpu?.first?["type"] as? String == "counter")
        #expect((cpu?.first?["target"] as? [String: String])?["job"] == "node")
    }
}
