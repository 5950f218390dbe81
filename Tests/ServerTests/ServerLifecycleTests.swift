import Foundation
import Glibc
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// Flags, lifecycle endpoints, signals, self-metrics and status endpoints of a real
/// `pharos server` process.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct ServerLifecycleTests {
    @Test func healthReadyAndDisabledLifecycle() async throws {
        let pharos = try await PharosInstance()
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        #expect(try await pharos.get("/-/healthy").body == "Pharos Server is Healthy.\n")
        #expect(try await pharos.get("/-/ready").status == 200)
        let reload = try await pharos.get("/-/reload", method: .POST)
        #expect(reload.status == 403 && reload.body == "Lifecycle API is not enabled.\n")
        #expect(try await pharos.get("/-/quit", method: .POST).status == 403)
        #expect(try await pharos.get("/api/v1/nope").status == 404)
    }

    @Test func reloadBySignalAndHTTPThenQuit() async throws {
        let pharos = try await PharosInstance(config: "global:\n  external_labels:\n    dc: one\n", flags: ["--web.enable-lifecycle"])
        try await pharos.waitUntilReady()
        let before = try await pharos.data("/api/v1/status/config") as? [String: String]
        #expect(before?["yaml"]?.contains("dc: one") == true)

        try "global:\n  external_labels:\n    dc: two\n".write(toFile: pharos.directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        pharos.daemon.signal(SIGHUP)
        var reloaded = false
        for _ in 0..<100 where !reloaded {
            try await Task.sleep(for: .milliseconds(50))
            reloaded = (try await pharos.data("/api/v1/status/config") as? [String: String])?["yaml"]?.contains("dc: two") == true
        }
        #expect(reloaded, "SIGHUP did not reload:\n\(pharos.daemon.log)")

        // An invalid config is refused over HTTP and the old one stays in effect.
        try "global:\n  scrape_interval: banana\n".write(toFile: pharos.directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let failed = try await pharos.get("/-/reload", method: .POST)
        #expect(failed.status == 500 && failed.body.contains("banana"))
        let runtime = try await pharos.data("/api/v1/status/runtimeinfo") as? [String: Any]
        #expect(runtime?["reloadConfigSuccess"] as? Bool == false)
        #expect(runtime?["corruptionCount"] as? Int == 0)
        #expect((try await pharos.data("/api/v1/status/config") as? [String: String])?["yaml"]?.contains("dc: two") == true)

        let quit = try await pharos.get("/-/quit", method: .POST)
        #expect(quit.status == 200)
        #expect(await pharos.daemon.waitForExit(timeout: .seconds(20)) == 0, "\(pharos.daemon.log)")
    }

    @Test func sigtermShutsDownGracefullyAndKeepsData() async throws {
        let now = WallClock.milliseconds()
        let labels = Labels(["__name__": "kept", "job": "x"])
        let first = try await PharosInstance(samples: [(labels, [(now - 1000, 42)])])
        try await first.waitUntilReady()
        first.daemon.signal(SIGTERM)
        #expect(await first.daemon.waitForExit(timeout: .seconds(20)) == 0, "\(first.daemon.log)")
        #expect(first.daemon.log.contains("See you next time!"))
    }

    @Test func unknownAndInvalidFlagsFailClearly() async throws {
        guard let binary = PharosInstance.binary else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-flags-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unknown = try Daemon(binary, ["server", "--storage.tsdb.bogus=1"], output: .file(directory + "/unknown.log"))
        #expect(await unknown.waitForExit(timeout: .seconds(20)) != 0)
        #expect(unknown.log.contains("--storage.tsdb.bogus"), "\(unknown.log)")
        let badDuration = try Daemon(binary, ["server", "--query.lookback-delta=soon"], output: .file(directory + "/duration.log"))
        #expect(await badDuration.waitForExit(timeout: .seconds(20)) != 0)
        #expect(badDuration.log.contains("invalid value for --query.lookback-delta: \"soon\""), "\(badDuration.log)")
        let missingConfig = try Daemon(binary, ["server", "--config.file=\(directory)/absent.yml", "--web.listen-address=127.0.0.1:0"],
                                       output: .file(directory + "/config.log"))
        #expect(await missingConfig.waitForExit(timeout: .seconds(20)) == 1)
        #expect(missingConfig.log.contains("couldn't load configuration (--config.file="), "\(missingConfig.log)")
        #expect(missingConfig.log.contains("absent.yml: no such file or directory"), "\(missingConfig.log)")
    }

    @Test func selfMetricsAndStatusEndpoints() async throws {
        // `--flag=` is an empty value, as Prometheus's flag parser reads it.
        let pharos = try await PharosInstance(samples: QueryAPITests.samples(), flags: ["--query.max-concurrency=3", "--web.external-url="])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        _ = try await pharos.get("/api/v1/query?query=up")
        let metrics = try await pharos.get("/metrics")
        #expect(metrics.headers.first(name: "content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        for line in [#"prometheus_http_requests_total{code="200",handler="/api/v1/query"} 1"#,
                     #"prometheus_engine_query_duration_seconds_count{slice="inner_eval"} 1"#,
                     "prometheus_tsdb_head_series 3", "process_resident_memory_bytes ", "process_cpu_seconds_total "] {
            #expect(metrics.body.contains(line), "missing \(line) in\n\(metrics.body)")
        }
        let flags = try await pharos.data("/api/v1/status/flags") as? [String: String]
        #expect(flags?["query.max-concurrency"] == "3")
        #expect(flags?["web.external-url"] == "")
        #expect(flags?["web.listen-address"] == "127.0.0.1:\(pharos.port)")
        let replay = try await pharos.data("/api/v1/status/walreplay") as? [String: Int]
        #expect(replay?["current"] == replay?["max"] && replay?["min"] == 0, "\(String(describing: replay))")
        let build = try await pharos.data("/api/v1/status/buildinfo") as? [String: String]
        #expect(build?["version"] == BuildInfo.version)
        let tsdb = try await pharos.data("/api/v1/status/tsdb") as? [String: Any]
        #expect((tsdb?["headStats"] as? [String: Any])?["numSeries"] as? Int == 3)
        let byName = tsdb?["seriesCountByMetricName"] as? [[String: Any]]
        #expect(byName?.first?["name"] as? String == "up" && byName?.first?["value"] as? Int == 2)
    }

    @Test func gzipWhenAsked() async throws {
        let pharos = try await PharosInstance(samples: QueryAPITests.samples())
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let plain = try await pharos.get("/api/v1/labels")
        #expect(plain.headers.first(name: "content-encoding") == nil)
        let zipped = try await pharos.get("/api/v1/labels", headers: [("Accept-Encoding", "gzip")])
        #expect(zipped.headers.first(name: "content-encoding") == "gzip")
        #expect(zipped.bytes.starts(with: [0x1F, 0x8B]))
        let unzipped = try Gunzip.run(zipped.bytes, directory: pharos.directory)
        #expect(unzipped == plain.body)
    }
}

/// Decompresses with the system's `gzip -d`, an implementation independent of the server's.
enum Gunzip {
    static func run(_ bytes: [UInt8], directory: String) throws -> String {
        let path = directory + "/body.gz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let daemon = try Daemon("/bin/gzip", ["-d", "-f", path], output: .file(directory + "/gzip.log"))
        var status: Int32?
        for _ in 0..<200 where status == nil {
            status = daemon.exited()
            if status == nil { usleep(10_000) }
        }
        guard status == 0 else { throw DaemonError("gzip failed: \(daemon.log)") }
        return try String(contentsOfFile: directory + "/body", encoding: .utf8)
    }
}
