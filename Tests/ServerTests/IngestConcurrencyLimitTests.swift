import Exposition
import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// More concurrent remote writes or pushes than the limit get 503 with `Retry-After` and a
/// message naming the flag; the others are stored and the server stays up.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct IngestConcurrencyLimitTests {
    @Test func limitSlotsAreTakenAndReleased() {
        let limit = ConcurrencyLimit(limit: 2)
        #expect(limit.tryAcquire() && limit.tryAcquire())
        #expect(!limit.tryAcquire())
        limit.release()
        #expect(limit.tryAcquire())
        #expect(ConcurrencyLimit(limit: 0).limit == 1)
    }

    @Test func remoteWritesAndPushesOverTheLimitGet503() async throws {
        let pharos = try await PharosInstance(flags: [
            "--web.enable-remote-write-receiver", "--web.remote-write-receiver.max-concurrency=1", "--push.max-concurrency=1",
        ])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let t = (Int64(Date().timeIntervalSince1970) - 60) * 1000
        let bodies: [[UInt8]] = (0..<24).map { request in
            var batch = RemoteWriteBatch()
            for i in 0..<2_000 {
                batch.appendSeries(Labels(["__name__": "limited", "request": String(request), "i": String(i)]),
                                   samples: [Sample(timestampMs: t, value: Double(i))])
            }
            var encoder = RemoteWriteEncoder()
            return Snappy.compress(encoder.encode(batch, version: .v1))
        }
        let replies = try await withThrowingTaskGroup(of: PharosInstance.Reply.self) { group in
            for body in bodies {
                group.addTask {
                    try await pharos.send("/api/v1/write", headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "snappy")], bytes: body)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let refused = replies.filter { $0.status == 503 }
        #expect(replies.allSatisfy { $0.status == 204 || $0.status == 503 }, "\(replies.map(\.status))")
        #expect(!refused.isEmpty, "24 concurrent requests of 2,000 series against a limit of 1")
        #expect(refused.allSatisfy { $0.body.contains("--web.remote-write-receiver.max-concurrency") && $0.headers.first(name: "Retry-After") == "1" })
        let stored = try await pharos.data("/api/v1/query?query=\(encoded("count(limited)"))&time=\(t / 1000)") as? [String: Any]
        let count = ((stored?["result"] as? [[String: Any]])?.first?["value"] as? [Any])?.last as? String
        #expect(count == String((replies.count - refused.count) * 2_000), "what was accepted is stored")

        let text = (0..<20_000).map { "pushed_metric{i=\"\($0)\"} \($0)\n" }.joined()
        let pushes = try await withThrowingTaskGroup(of: UInt.self) { group in
            for job in 0..<24 {
                group.addTask { try await pharos.get("/pushgateway/metrics/job/j\(job)", method: .PUT, body: text).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(pushes.allSatisfy { (200..<300).contains($0) || $0 == 503 }, "\(pushes)")
        #expect(pushes.contains(503))
        #expect(try await pharos.get("/-/ready").status == 200)
    }
}
