import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// `/api/v1/admin/tsdb/*` of a real `pharos server` process.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct AdminAPITests {
    @Test func deleteSeriesCleanTombstonesAndSnapshot() async throws {
        let pharos = try await PharosInstance(samples: QueryAPITests.samples(), flags: ["--web.enable-admin-api"])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let at = Double(QueryAPITests.base + 300_000) / 1000
        let deleted = try await pharos.get("/api/v1/admin/tsdb/delete_series?match%5B%5D=\(encoded("up{instance=\"b:9100\"}"))", method: .POST)
        #expect(deleted.status == 204, "\(deleted.body)")
        let after = try await pharos.data("/api/v1/query?query=up&time=\(at)") as? [String: Any]
        let instances = (after?["result"] as? [[String: Any]])?.compactMap { ($0["metric"] as? [String: String])?["instance"] }
        #expect(instances == ["a:9100"])
        #expect(try await pharos.get("/api/v1/admin/tsdb/clean_tombstones", method: .POST).status == 204)

        #expect(try await pharos.get("/api/v1/admin/tsdb/snapshot").status != 200, "GET is not an admin method")
        let reply = try await pharos.get("/api/v1/admin/tsdb/snapshot", method: .POST)
        let object = try JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [String: Any]
        let name = try #require((object?["data"] as? [String: String])?["name"], "\(reply.body)")
        #expect(name.range(of: #"^\d{8}T\d{6}Z-[0-9a-f]+$"#, options: .regularExpression) != nil)
        let directory = pharos.directory + "/data/snapshots/" + name
        #expect(FileManager.default.fileExists(atPath: directory))
        // Debian's promtool reads the snapshot: the deleted series is gone, the others are there.
        if let promtool = TestBinaries.onPath("promtool") {
            let dump = try Daemon(promtool, ["tsdb", "dump", directory], output: .file(pharos.directory + "/dump.txt"))
            #expect(await dump.waitForExit(timeout: .seconds(60)) == 0, "\(dump.log)")
            #expect(dump.log.contains(#"instance="a:9100""#) && !dump.log.contains(#"instance="b:9100""#), "\(dump.log.prefix(500))")
            #expect(dump.log.contains("http_requests_total"))
        }
    }

    @Test func disabledByDefault() async throws {
        let pharos = try await PharosInstance()
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let reply = try await pharos.get("/api/v1/admin/tsdb/snapshot", method: .POST)
        #expect(reply.status == 503)
        #expect(reply.body == #"{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}"#)
    }
}
