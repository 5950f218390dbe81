import Foundation
import Model
import PharosTestSupport
import Server
import Testing

/// `POST /api/v1/read` with Debian's Prometheus 2.42 as the remote-read client.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct RemoteReadTests {
    /// Prometheus, holding nothing itself, answers a query from Pharos's samples through
    /// `remote_read` (streamed XOR chunks, its default), external labels included.
    @Test func prometheusReadsFromPharos() async throws {
        guard let prometheus = TestBinaries.onPath("prometheus") else { return }
        let now = WallClock.milliseconds()
        let start = now - 600_000
        let points = (0..<40).map { (start + Int64($0) * 15_000, Double($0) * 1.5) }
        let pharos = try await PharosInstance(
            config: "global:\n  external_labels:\n    site: pharos\n",
            samples: [
                (Labels(["__name__": "remote_metric", "job": "far", "instance": "x"]), points),
                (Labels(["__name__": "other_metric", "job": "far"]), [(now - 5_000, 7)]),
            ])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let port = try Daemon.freePort()
        try """
            remote_read:
              - url: http://127.0.0.1:\(pharos.port)/api/v1/read
                read_recent: true
            """.write(toFile: pharos.directory + "/reader.yml", atomically: true, encoding: .utf8)
        let reader = try Daemon(prometheus, [
            "--config.file=\(pharos.directory)/reader.yml", "--storage.tsdb.path=\(pharos.directory)/reader-data",
            "--web.listen-address=127.0.0.1:\(port)",
        ], output: .file(pharos.directory + "/reader.log"))
        defer { Task { await reader.terminate() } }
        try await reader.waitUntilListening(port: port)
        let end = Double(start + 39 * 15_000) / 1000
        var data: [String: Any]?
        for _ in 0..<50 where data == nil {
            data = try? await PharosInstance.data(url: "http://127.0.0.1:\(port)/api/v1/query_range?query=remote_metric&start=\(Double(start) / 1000)&end=\(end)&step=15")
                as? [String: Any]
            if data == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        let series = try #require((data?["result"] as? [[String: Any]])?.first, "\(reader.log)")
        #expect(series["metric"] as? [String: String] == ["__name__": "remote_metric", "job": "far", "instance": "x", "site": "pharos"])
        let values = (series["values"] as? [[Any]])?.compactMap { $0.last as? String }
        #expect(values == points.map { value in
            var json = JSONWriter()
            json.sampleValue(value.1)
            return String(decoding: json.bytes.dropFirst().dropLast(), as: UTF8.self)
        })
        // A matcher on the external label Pharos adds selects its series too.
        let bySite = try await PharosInstance.data(url: "http://127.0.0.1:\(port)/api/v1/query?query=\(encoded("other_metric{site=\"pharos\"}"))")
            as? [String: Any]
        #expect((bySite?["result"] as? [[String: Any]])?.count == 1, "\(reader.log)")
    }
}
