import Exposition
import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// `POST /api/v1/write` with Debian's Prometheus 2.42 as a real sender, and hostile bodies.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct RemoteWriteReceiverTests {
    /// Prometheus scrapes a real node_exporter and `remote_write`s to Pharos: Pharos ends up
    /// with the same series Prometheus stored.
    @Test func prometheusRemoteWritesNodeExporterSeries() async throws {
        guard let prometheus = TestBinaries.onPath("prometheus"),
              let nodeExporter = TestBinaries.onPath("prometheus-node-exporter")
        else { return }
        let pharos = try await PharosInstance(flags: ["--web.enable-remote-write-receiver"])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let exporterPort = try Daemon.freePort()
        let exporter = try Daemon(nodeExporter, ["--web.listen-address=127.0.0.1:\(exporterPort)"],
                                  output: .file(pharos.directory + "/node_exporter.log"))
        defer { Task { await exporter.terminate() } }
        try await exporter.waitUntilListening(port: exporterPort)
        let port = try Daemon.freePort()
        try """
            global:
              scrape_interval: 2s
            scrape_configs:
              - job_name: node
                static_configs:
                  - targets: ['127.0.0.1:\(exporterPort)']
            remote_write:
              - url: http://127.0.0.1:\(pharos.port)/api/v1/write
                queue_config:
                  batch_send_deadline: 1s
            """.write(toFile: pharos.directory + "/sender.yml", atomically: true, encoding: .utf8)
        let sender = try Daemon(prometheus, [
            "--config.file=\(pharos.directory)/sender.yml", "--storage.tsdb.path=\(pharos.directory)/sender-data",
            "--web.listen-address=127.0.0.1:\(port)",
        ], output: .file(pharos.directory + "/sender.log"))
        defer { Task { await sender.terminate() } }
        try await sender.waitUntilListening(port: port)

        // Every series Prometheus stored reaches Pharos (remote write lags by a batch or two).
        let selector = "/api/v1/series?match%5B%5D=\(encoded("{job=\"node\"}"))"
        var theirs: Set<[String: String]> = [], ours: Set<[String: String]> = []
        try await Task.sleep(for: .seconds(5))
        for _ in 0..<60 {
            theirs = Set(try await PharosInstance.data(url: "http://127.0.0.1:\(port)" + selector) as? [[String: String]] ?? [])
            ours = Set(try await pharos.data(selector) as? [[String: String]] ?? [])
            if !theirs.isEmpty, theirs.isSubset(of: ours) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(theirs.count > 100, "node_exporter yields hundreds of series")
        #expect(theirs.subtracting(ours).isEmpty, "missing in Pharos: \(theirs.subtracting(ours).prefix(5))\n\(pharos.daemon.log)")
        #expect(pharos.daemon.log.contains("level=error") == false, "\(pharos.daemon.log)")
    }

    @Test func hostileRequestsGetPreciseErrors() async throws {
        let pharos = try await PharosInstance(flags: ["--web.enable-remote-write-receiver", "--web.max-request-body-bytes=1000"])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let protobuf = [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "snappy")]
        let wrongType = try await pharos.get("/api/v1/write", method: .POST, headers: [("Content-Type", "application/json")], body: "{}")
        #expect(wrongType.status == 415)
        let wrongEncoding = try await pharos.get("/api/v1/write", method: .POST,
                                                 headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "gzip")], body: "x")
        #expect(wrongEncoding.status == 415 && wrongEncoding.body.contains("snappy"))
        let badSnappy = try await pharos.get("/api/v1/write", method: .POST, headers: protobuf, body: "\u{7F}garbage")
        #expect(badSnappy.status == 400)
        let huge = try await pharos.get("/api/v1/write", method: .POST, headers: protobuf, body: String(repeating: "x", count: 5000))
        #expect(huge.status == 413 && huge.body.contains("--web.max-request-body-bytes"))

        let disabled = try await PharosInstance()
        defer { Task { await disabled.stop() } }
        try await disabled.waitUntilReady()
        let off = try await disabled.get("/api/v1/write", method: .POST, headers: protobuf, body: "")
        #expect(off.status == 404 && off.body.contains("--web.enable-remote-write-receiver"))
    }

    /// A 2.0 request is written and answered with the written counts; a later request with
    /// one out-of-order sample writes the rest and says what it refused.
    @Test func v2CountsAndPartialWrites() async throws {
        let pharos = try await PharosInstance(flags: ["--web.enable-remote-write-receiver"])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let t = WallClock.milliseconds() - 60_000
        let a = Labels(["__name__": "rw_metric", "job": "push", "series": "a"])
        let b = Labels(["__name__": "rw_metric", "job": "push", "series": "b"])
        var batch = RemoteWriteBatch()
        batch.appendSeries(a, samples: [Sample(timestampMs: t, value: 1), Sample(timestampMs: t + 1000, value: 2)])
        batch.appendSeries(b, samples: [Sample(timestampMs: t, value: 10)])
        var encoder = RemoteWriteEncoder()
        let v2 = [("Content-Type", RemoteWriteVersion.v2.contentType), ("Content-Encoding", "snappy"),
                  ("X-Prometheus-Remote-Write-Version", "2.0.0")]
        let first = try await pharos.send("/api/v1/write", headers: v2, bytes: Snappy.compress(encoder.encode(batch, version: .v2)))
        #expect(first.status == 204, "\(first.body)")
        #expect(first.headers.first(name: "X-Prometheus-Remote-Write-Samples-Written") == "3")

        var late = RemoteWriteBatch()
        late.appendSeries(a, samples: [Sample(timestampMs: t + 500, value: 99)])
        late.appendSeries(b, samples: [Sample(timestampMs: t + 2000, value: 11)])
        let second = try await pharos.send("/api/v1/write", headers: v2, bytes: Snappy.compress(encoder.encode(late, version: .v2)))
        #expect(second.status == 400)
        #expect(second.body.contains("1 samples rejected"), "\(second.body)")
        #expect(second.headers.first(name: "X-Prometheus-Remote-Write-Samples-Written") == "1")
        let values = try await pharos.data("/api/v1/query?query=\(encoded("rw_metric[5m]"))") as? [String: Any]
        let counts = (values?["result"] as? [[String: Any]])?.map { ($0["values"] as? [Any])?.count ?? 0 }
        #expect(counts == [2, 2])
    }
}
