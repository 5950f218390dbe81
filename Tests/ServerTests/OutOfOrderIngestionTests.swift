import Exposition
import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// `storage.tsdb.out_of_order_time_window` end to end: the same remote-write requests to
/// Pharos and to Debian's Prometheus 2.42 configured alike get the same answers, store the
/// same samples and count them in the same `prometheus_tsdb_*` metrics; a reload changes the
/// window.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct OutOfOrderIngestionTests {
    static func config(window: String) -> String {
        "global:\n  scrape_interval: 1h\nstorage:\n  tsdb:\n    out_of_order_time_window: \(window)\n"
    }

    /// Posts one v1 request with one sample of `ooo_metric` to `url`; returns the status.
    static func write(_ url: String, _ t: Int64, _ v: Double) async throws -> (status: UInt, body: String) {
        var batch = RemoteWriteBatch()
        batch.appendSeries(Labels(["__name__": "ooo_metric", "job": "push"]), samples: [Sample(timestampMs: t, value: v)])
        var encoder = RemoteWriteEncoder()
        let headers = [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "snappy"),
                       ("X-Prometheus-Remote-Write-Version", "0.1.0")]
        let reply = try await PharosInstance.fetch(url + "/api/v1/write", method: .POST, headers: headers,
                                                   body: Snappy.compress(encoder.encode(batch, version: .v1)))
        return (reply.status, reply.body)
    }

    /// The samples of `ooo_metric` in the last hour as (t, value) pairs.
    static func samples(_ url: String, at time: Int64) async throws -> [[String]] {
        let path = "/api/v1/query?query=\(encoded("ooo_metric[1h]"))&time=\(Double(time) / 1000)"
        let result = (try await PharosInstance.data(url: url + path) as? [String: Any])?["result"] as? [[String: Any]]
        return (result?.first?["values"] as? [[Any]] ?? []).map { $0.map { "\($0)" } }
    }

    /// The named metric lines of a `/metrics` page.
    static func metrics(_ url: String, _ names: [String]) async throws -> [String] {
        let page = try await PharosInstance.fetch(url + "/metrics").body
        return page.split(separator: "\n").map(String.init).filter { line in
            names.contains { line.hasPrefix($0 + " ") || line.hasPrefix($0 + "{") }
        }.sorted()
    }

    @Test func pharosAndPrometheusAcceptAndRefuseTheSameSamples() async throws {
        guard let prometheusBinary = TestBinaries.onPath("prometheus") else { return }
        let pharos = try await PharosInstance(config: Self.config(window: "30m"),
                                              flags: ["--web.enable-remote-write-receiver", "--web.enable-lifecycle"])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let port = try Daemon.freePort()
        try Self.config(window: "30m").write(toFile: pharos.directory + "/prometheus-peer.yml", atomically: true, encoding: .utf8)
        let prometheus = try Daemon(prometheusBinary, [
            "--config.file=\(pharos.directory)/prometheus-peer.yml", "--storage.tsdb.path=\(pharos.directory)/peer-data",
            "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver", "--web.enable-lifecycle",
        ], output: .file(pharos.directory + "/prometheus-peer.log"))
        defer { Task { await prometheus.terminate() } }
        try await prometheus.waitUntilListening(port: port)
        let peer = "http://127.0.0.1:\(port)"
        for _ in 0..<200 {
            if (try? await PharosInstance.fetch(peer + "/-/ready"))?.status == 200 { break }
            try await Task.sleep(for: .milliseconds(50))
        }

        let now = WallClock.milliseconds()
        let t0 = now - 10 * 60_000
        // In order; out of order within 30 m; again (same value: accepted); same time, other
        // value (dropped as upstream); too old; a duplicate of the newest with another value.
        let requests: [(Int64, Double)] = [(t0, 1), (t0 - 60_000, 2), (t0 - 60_000, 2), (t0 - 60_000, 3),
                                           (t0 - 120_000, 4), (t0 - 45 * 60_000, 5), (t0, 6)]
        var ours = [UInt](), theirs = [UInt]()
        for (t, v) in requests {
            let mine = try await Self.write(pharos.baseURL, t, v)
            ours.append(mine.status)
            theirs.append(try await Self.write(peer, t, v).status)
            if mine.status == 400 { #expect(mine.body.contains("ooo_metric"), "\(mine.body)") }
        }
        // Prometheus 2.42 answers 500 for a too-old sample (its handler lists only the
        // out-of-order, out-of-bounds and duplicate errors as bad requests; 2.45 adds it).
        // Pharos answers 400, as later versions: the sample will never be accepted.
        #expect(ours == [204, 204, 204, 204, 204, 400, 400])
        #expect(theirs == [204, 204, 204, 204, 204, 500, 400])
        let stored = try await Self.samples(pharos.baseURL, at: now)
        #expect(stored == (try await Self.samples(peer, at: now)))
        #expect(stored.map { $0[1] } == ["4", "2", "1"])

        let names = ["prometheus_tsdb_head_out_of_order_samples_appended_total", "prometheus_tsdb_too_old_samples_total",
                     "prometheus_tsdb_out_of_order_samples_total"]
        let peerMetrics = try await Self.metrics(peer, names)
        let ourMetrics = try await Self.metrics(pharos.baseURL, names)
        #expect(ourMetrics == peerMetrics)
        #expect(peerMetrics.contains("prometheus_tsdb_head_out_of_order_samples_appended_total 2"), "\(peerMetrics)")

        // Reloaded without a window, both refuse out-of-order samples again.
        try Self.config(window: "0s").write(toFile: pharos.directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        try Self.config(window: "0s").write(toFile: pharos.directory + "/prometheus-peer.yml", atomically: true, encoding: .utf8)
        #expect(try await pharos.get("/-/reload", method: .POST).status == 200)
        #expect(try await PharosInstance.fetch(peer + "/-/reload", method: .POST).status == 200)
        let refused = try await Self.write(pharos.baseURL, t0 - 180_000, 7)
        #expect(refused.status == 400 && refused.body.contains("out of order sample"), "\(refused.body)")
        #expect(try await Self.write(peer, t0 - 180_000, 7).status == 400)
        #expect(try await Self.metrics(pharos.baseURL, names) == (try await Self.metrics(peer, names)))
    }
}
