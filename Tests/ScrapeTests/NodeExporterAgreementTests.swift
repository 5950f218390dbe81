import AsyncHTTPClient
import Foundation
import Model
import NIOCore
import NIOHTTP1
import PharosTestSupport
import Testing
import TSDB

/// Pharos and Debian's Prometheus scrape the same Debian node_exporter: after a few scrapes
/// both have stored the same series (names and label sets; values and timestamps differ by
/// nature). The synthetic `up`/`scrape_*` series are compared by name only.
@Suite(.serialized, .timeLimit(.minutes(2))) struct NodeExporterAgreementTests {
    static let nodeExporter = "/usr/bin/prometheus-node-exporter"
    static let prometheus = "/usr/bin/prometheus"
    static var peersInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: nodeExporter) && FileManager.default.isExecutableFile(atPath: prometheus)
    }

    /// Collectors whose series do not come and go from one scrape to the next.
    static let collectors = ["cpu", "meminfo", "loadavg", "stat", "vmstat", "uname", "time", "filesystem", "netdev"]

    @Test(.enabled(if: peersInstalled, "needs Debian's prometheus and prometheus-node-exporter (apt-get install prometheus prometheus-node-exporter)"))
    func storesTheSameSeriesAsPrometheus() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-scrape-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let client = HTTPClient.shared

        let exporterPort = try Daemon.freePort()
        let exporter = try Daemon(Self.nodeExporter, ["--web.listen-address=127.0.0.1:\(exporterPort)", "--collector.disable-defaults"]
            + Self.collectors.map { "--collector.\($0)" }
            // Other tests mount and unmount small filesystems under the temporary directory
            // (TSDB's DiskFullTests); one appearing between the two scrapes is not a difference.
            + ["--collector.filesystem.mount-points-exclude=^/(dev|proc|run|sys|tmp)($|/)"],
            output: .file(directory + "/node_exporter.log"))
        defer { exporter.stop() }
        try await Self.waitUntilServing("http://127.0.0.1:\(exporterPort)/metrics", client: client)

        let yaml = """
            global:  # node_exporter answered after more than 1 s on a loaded machine
              scrape_interval: 2s
              scrape_timeout: 2s
            scrape_configs:
              - job_name: node
                static_configs:
                  - targets: ['127.0.0.1:\(exporterPort)']
            """
        try yaml.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheusPort = try Daemon.freePort()
        let prometheus = try Daemon(Self.prometheus, [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(prometheusPort)",
        ], output: .file(directory + "/prometheus.log"))
        defer { prometheus.stop() }

        let harness = try ScrapeHarness(yaml: yaml)
        harness.discover("node", ["127.0.0.1:\(exporterPort)"])
        let batches = try await harness.batches(3, instance: "127.0.0.1:\(exporterPort)")
        #expect(batches.allSatisfy { $0.up == 1 })
        let api = "http://127.0.0.1:\(prometheusPort)/api/v1"
        try await Self.waitUntilServing(api + "/query?query=count_over_time(up%7Bjob%3D%22node%22%7D%5B1m%5D)%3E%3D3", client: client, nonEmptyResult: true)
        try await harness.shutdown()

        let theirs = try await Self.series(api + "/series?match%5B%5D=%7Bjob%3D%22node%22%7D", client: client)
        let matcher = try Matcher(.equal, "job", "node")
        let ours = Set(try harness.sink.head.querier().select([matcher], mint: .min, maxt: .max).map { Self.key($0.labels) })
        #expect(theirs.count > 100, "node_exporter exposed a realistic set")
        #expect(ours.subtracting(theirs).sorted().prefix(10) == [], "only Pharos stored these")
        #expect(theirs.subtracting(ours).sorted().prefix(10) == [], "only Prometheus stored these")
    }

    /// A series as compared: the synthetic ones by name, the others by every label.
    static func key(_ labels: Labels) -> String {
        let name = labels.metricName ?? ""
        return name == "up" || name.hasPrefix("scrape_") ? name : labels.description
    }

    static func series(_ url: String, client: HTTPClient) async throws -> Set<String> {
        let data = try await get(url, client: client)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try #require(json["data"] as? [[String: String]])
        return Set(list.map { key(Labels($0.map { Label(name: $0.key, value: $0.value) })) })
    }

    static func get(_ url: String, client: HTTPClient) async throws -> Data {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        guard response.status == .ok else { throw HTTPClientError.invalidURL }
        return Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
    }

    /// Polls an external process until it answers (and, for a query, has a result): it gives
    /// no other signal. Bounded to 60 tries.
    static func waitUntilServing(_ url: String, client: HTTPClient, nonEmptyResult: Bool = false) async throws {
        for _ in 0..<60 {
            if let data = try? await get(url, client: client) {
                if !nonEmptyResult { return }
                let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                if let result = (json?["data"] as? [String: Any])?["result"] as? [Any], !result.isEmpty { return }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        Issue.record("\(url) did not answer in 30 s")
    }
}
