import Exposition
import Foundation
import Model
import PharosTestSupport
import Server
import Testing

/// Start timestamps of remote write 2.0 samples, kept with `--enable-feature=st-storage` and
/// used by PromQL with `use-start-timestamps` (as Prometheus 3's experimental features), also
/// after a restart (WAL replay).
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct StartTimestampIngestTests {
    static let flags = ["--web.enable-remote-write-receiver", "--enable-feature=st-storage,use-start-timestamps,promql-experimental-functions"]

    /// A counter whose process restarted between two samples without the value dropping
    /// (1, 2, 3, then 4 after a restart): only its start timestamp tells.
    static func request(at t: Int64) -> [UInt8] {
        var batch = RemoteWriteBatch()
        let labels = Labels(["__name__": "jobs_total", "job": "worker"])
        batch.appendSeries(labels, samples: [Sample(timestampMs: t, value: 1), Sample(timestampMs: t + 15_000, value: 2),
                                             Sample(timestampMs: t + 30_000, value: 3)], startTimestampMs: t - 5_000)
        batch.appendSeries(labels, samples: [Sample(timestampMs: t + 45_000, value: 4)], startTimestampMs: t + 40_000)
        var encoder = RemoteWriteEncoder()
        return Snappy.compress(encoder.encode(batch, version: .v2))
    }

    static func value(_ pharos: PharosInstance, _ expr: String, at t: Int64) async throws -> String? {
        let data = try await pharos.data("/api/v1/query?query=\(encoded(expr))&time=\(Double(t) / 1000)") as? [String: Any]
        let result = data?["result"] as? [[String: Any]]
        return (result?.first?["value"] as? [Any])?.last as? String
    }

    @Test func remoteWriteStartTimestampsReachPromQLAndSurviveARestart() async throws {
        let pharos = try await PharosInstance(flags: Self.flags)
        try await pharos.waitUntilReady()
        let t = (WallClock.milliseconds() - 120_000) / 1000 * 1000
        let v2 = [("Content-Type", RemoteWriteVersion.v2.contentType), ("Content-Encoding", "snappy"),
                  ("X-Prometheus-Remote-Write-Version", "2.0.0")]
        let reply = try await pharos.send("/api/v1/write", headers: v2, bytes: Self.request(at: t))
        #expect(reply.status == 204, "\(reply.body)")
        let end = t + 45_000
        #expect(try await Self.value(pharos, "resets(jobs_total[1m])", at: end) == "1")
        #expect(try await Self.value(pharos, "start_timestamp(jobs_total)", at: end) == String((t + 40_000) / 1000))
        await pharos.stop()

        let restarted = try await PharosInstance(flags: Self.flags, restarting: pharos)
        defer { Task { await restarted.stop() } }
        try await restarted.waitUntilReady()
        #expect(try await Self.value(restarted, "resets(jobs_total[1m])", at: end) == "1")
        #expect(try await Self.value(restarted, "start_timestamp(jobs_total)", at: end) == String((t + 40_000) / 1000))

        let plain = try await PharosInstance(flags: ["--web.enable-remote-write-receiver"])
        defer { Task { await plain.stop() } }
        try await plain.waitUntilReady()
        _ = try await plain.send("/api/v1/write", headers: v2, bytes: Self.request(at: t))
        #expect(try await Self.value(plain, "resets(jobs_total[1m])", at: end) == "0")
    }
}
