import AsyncHTTPClient
import Config
import Exposition
import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Query
import Server
import TSDB
import Testing

/// Pharos as a remote-read client (`remote_read:`), end to end: Debian's Prometheus 2.42
/// serves remote read at `/api/v1/read` behind basic auth (`--web.config.file`) over blocks
/// backfilled with promtool; a `pharos server` process whose own data directory holds a
/// block (so local storage has a known start time) reads from it, and is queried over HTTP
/// while its configuration is reloaded through the scenarios.
@Suite(.enabled(if: PharosInstance.binary != nil && TestBinaries.onPath("prometheus") != nil
                && TestBinaries.onPath("promtool") != nil, "needs pharos, prometheus and promtool"))
struct RemoteReadClientTests {
    /// The start of Pharos's only block (on a 2 h boundary, three days ago): its local storage
    /// is trusted from `localStart` = this + 2 × 2 h on.
    static let blockStart: Int64 = {
        let twoHours: Int64 = 2 * 3_600_000
        return (WallClock.milliseconds() - 72 * 3_600_000) / twoHours * twoHours
    }()
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    /// OpenMetrics text of `series` (labels → samples), for promtool.
    static func openMetrics(_ families: [(name: String, series: [(labels: String, samples: [(Int64, Double)])])]) -> String {
        var lines: [String] = []
        for family in families {
            lines.append("# TYPE \(family.name) gauge")
            for series in family.series {
                for (t, v) in series.samples { lines.append("\(family.name){\(series.labels)} \(v) \(Double(t) / 1000)") }
            }
        }
        return (lines + ["# EOF"]).joined(separator: "\n") + "\n"
    }

    /// Samples every `step` from `from` through `to`, valued by their index.
    static func samples(from: Int64, to: Int64, step: Int64) -> [(Int64, Double)] {
        stride(from: from, through: to, by: Int(step)).enumerated().map { (Int64($0.element), Double($0.offset)) }
    }

    /// Backfills `text` into `directory` with promtool.
    static func backfill(_ text: String, into directory: String) async throws {
        let promtool = try #require(TestBinaries.onPath("promtool"))
        let input = directory + ".om"
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let run = try Daemon(promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", input, directory], output: .file(input + ".log"))
        #expect(await run.waitForExit(timeout: .seconds(120)) == 0, "\(run.log)")
    }

    /// The whole JSON answer of a Pharos API call.
    static func answer(_ pharos: PharosInstance, _ path: String) async throws -> [String: Any] {
        let reply = try await pharos.get(path)
        let object = try JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [String: Any]
        guard reply.status == 200, let object, object["status"] as? String == "success" else {
            throw DaemonError("\(path): \(reply.status) \(reply.body)")
        }
        return object
    }

    /// An instant query's result: each series' labels (as `k=v,…`, sorted) and value.
    static func instant(_ pharos: PharosInstance, _ query: String, at time: Int64) async throws -> (series: [String: String], warnings: [String]) {
        let object = try await answer(pharos, "/api/v1/query?query=\(encoded(query))&time=\(Double(time) / 1000)")
        let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        var series: [String: String] = [:]
        for one in result {
            let metric = (one["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            series[metric] = (one["value"] as? [Any])?.last as? String
        }
        return (series, object["warnings"] as? [String] ?? [])
    }

    /// Reloads Pharos with `remoteRead` (the entries' YAML) and `global`.
    static func reload(_ pharos: PharosInstance, global: String = "external_labels: {region: eu}", _ remoteRead: String) async throws {
        try "global: {\(global)}\nrule_files: [rules.yml]\nremote_read:\n\(remoteRead)".write(toFile: pharos.directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let reply = try await pharos.get("/-/reload", method: .POST)
        try #require(reply.status == 200, "reload: \(reply.body)")
    }

    @Test func pharosReadsFromPrometheus() async throws {
        let prometheus = try #require(TestBinaries.onPath("prometheus"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-remote-read-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (start, minute, hour) = (Self.blockStart, Self.minute, Self.hour)
        // `rr`'s last sample, half an hour ago or a little more (on a 10 min mark).
        let lastRR = (WallClock.milliseconds() - 30 * minute) / (10 * minute) * (10 * minute)

        // Prometheus: series carry the external label `region` as its remote-write senders
        // would have added; `rr` runs from before Pharos's block to half an hour ago.
        let firstHour = Self.samples(from: start, to: start + hour, step: minute)
        try await Self.backfill(Self.openMetrics([
            ("shared", [("job=\"s\",region=\"eu\"", firstHour)]),
            ("remote_only", [("job=\"r\",region=\"eu\"", firstHour)]),
            ("ext", [("region=\"eu\"", firstHour.map { ($0.0, 1) }), ("region=\"us\"", firstHour.map { ($0.0, 2) })]),
            ("rr", [("region=\"eu\"", Self.samples(from: start - 2 * hour, to: lastRR, step: 10 * minute))]),
        ]), into: directory + "/prometheus")
        // bcrypt of "s3cret" (libxcrypt, cost 4), as FederationAndAuthTests.
        try "basic_auth_users:\n  alice: $2b$04$0PzpbzPtSfvQdHjgv.S/SuGnOzpX0rLnePW3d3pcZeerEyYm/rZEO\n"
            .write(toFile: directory + "/web.yml", atomically: true, encoding: .utf8)
        let prometheusPort = try Daemon.freePort()
        try """
            global: {scrape_interval: 1s}
            scrape_configs:
              - {job_name: prom, basic_auth: {username: alice, password: s3cret}, static_configs: [{targets: ["127.0.0.1:\(prometheusPort)"]}]}

            """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let server = try Daemon(prometheus, [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/prometheus",
            "--web.listen-address=127.0.0.1:\(prometheusPort)", "--web.config.file=\(directory)/web.yml",
        ], output: .file(directory + "/prometheus.log"))
        defer { Task { await server.terminate() } }
        try await server.waitUntilListening(port: prometheusPort)
        let url = "http://127.0.0.1:\(prometheusPort)/api/v1/read"
        let auth = "basic_auth: {username: alice, password: s3cret}"

        // Pharos: its block holds `shared` as Prometheus has it (without the external label).
        let rules = "groups:\n  - name: remote\n    rules:\n      - {record: remote_up, expr: 'up{job=\"prom\"}'}\n"
        let pharos = try await PharosInstance(config: "global: {}\n", files: ["rules.yml": rules], flags: ["--web.enable-lifecycle"]) { data in
            try await Self.backfill(Self.openMetrics([
                ("local_marker", [("", [(start, 1)])]), ("shared", [("job=\"s\"", firstHour)]),
            ]), into: data)
        }
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()

        // External labels are added as matchers and removed from the answer; a series in both
        // places comes back once, its samples not doubled; read_recent is false.
        try await Self.reload(pharos, "  - {url: \"\(url)\", \(auth)}\n")
        var answer = try await Self.instant(pharos, "count_over_time(shared[2h])", at: start + hour)
        #expect(answer.series == ["job=s": "61"], "\(answer)")
        #expect(answer.warnings.isEmpty)
        answer = try await Self.instant(pharos, "remote_only", at: start + 30 * minute)
        #expect(answer.series == ["__name__=remote_only,job=r": "30"], "\(answer)")
        answer = try await Self.instant(pharos, "ext", at: start + 30 * minute)
        #expect(answer.series == ["__name__=ext": "1"], "\(answer)")
        // A matcher on an external label's name replaces it, and the label stays.
        answer = try await Self.instant(pharos, "ext{region=\"us\"}", at: start + 30 * minute)
        #expect(answer.series == ["__name__=ext,region=us": "2"], "\(answer)")
        // read_recent: false: nothing asked after local storage's start (block start + 4 h).
        answer = try await Self.instant(pharos, "rr", at: lastRR)
        #expect(answer.series.isEmpty, "\(answer)")
        let range = "/api/v1/query_range?query=rr&start=\(start / 1000)&end=\(lastRR / 1000)&step=3600"
        var points = try await Self.rangePoints(pharos, range)
        #expect(points.first == start && points.last == start + 4 * hour, "\(points)")
        // /api/v1/series merges remote read; label names do not (as Prometheus: "not implemented").
        let series = try await Self.answer(pharos, "/api/v1/series?match%5B%5D=remote_only&start=\(start / 1000)&end=\((start + hour) / 1000)")
        #expect((series["data"] as? [[String: String]]) == [["__name__": "remote_only", "job": "r"]], "\(series)")
        let labels = try await Self.answer(pharos, "/api/v1/labels")
        #expect((labels["data"] as? [String]) == ["__name__", "job"], "\(labels)")
        #expect((labels["warnings"] as? [String] ?? []).contains { $0.contains("not implemented") }, "\(labels)")

        // Pharos's own remote-read endpoint serves what it reads, as Prometheus's (its external
        // labels added to the answer).
        let query = RemoteReadQuery(startTimestampMs: start, endTimestampMs: start + hour,
                                    matchers: [try Matcher(.equal, "__name__", "remote_only")])
        let served = try await Self.read(query, from: pharos.baseURL + "/api/v1/read")
        #expect(served.series.map(\.labels) == [Labels(["__name__": "remote_only", "job": "r", "region": "eu"])], "\(served.series.map(\.labels))")

        // read_recent: true and filter_external_labels: false; a recording rule reads remote data.
        try await Self.reload(pharos, global: "evaluation_interval: 1s",
                              "  - {url: \"\(url)\", \(auth), read_recent: true, filter_external_labels: false}\n")
        answer = try await Self.instant(pharos, "rr", at: lastRR)
        #expect(answer.series.keys.sorted() == ["__name__=rr,region=eu"], "\(answer)")
        points = try await Self.rangePoints(pharos, range)
        #expect(points.count == Int((lastRR - start) / hour) + 1, "\(points)")
        answer = try await Self.instant(pharos, "ext", at: start + 30 * minute)
        #expect(answer.series == ["__name__=ext,region=eu": "1", "__name__=ext,region=us": "2"], "\(answer)")
        // Prometheus's own `up` (it scrapes itself every second) comes back from a query, but
        // federation reads local storage only, as Prometheus's.
        var up: [String: String] = [:]
        for _ in 0..<100 where up.isEmpty {
            up = try await Self.instant(pharos, "up{job=\"prom\"}", at: WallClock.milliseconds()).series
            if up.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(up.keys.sorted() == ["__name__=up,instance=127.0.0.1:\(prometheusPort),job=prom"], "\(up)")
        let federated = try await pharos.get("/federate?match%5B%5D=up")
        #expect(federated.status == 200 && !federated.body.contains("prom"), "\(federated.body)")
        var recorded: [String: String] = [:]
        for _ in 0..<100 where recorded.isEmpty {
            recorded = try await Self.instant(pharos, "remote_up", at: WallClock.milliseconds()).series
            if recorded.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recorded == ["__name__=remote_up,instance=127.0.0.1:\(prometheusPort),job=prom": "1"], "\(recorded)")

        // required_matchers: asked only for selectors with job="r".
        try await Self.reload(pharos, "  - {url: \"\(url)\", \(auth), required_matchers: {job: r}}\n")
        answer = try await Self.instant(pharos, "remote_only", at: start + 30 * minute)
        #expect(answer.series.isEmpty, "\(answer)")
        answer = try await Self.instant(pharos, "remote_only{job=\"r\"}", at: start + 30 * minute)
        #expect(answer.series == ["__name__=remote_only,job=r": "30"], "\(answer)")

        // An endpoint that is down and one refusing the credentials: the answer has what the
        // others gave, with a warning each, not an error.
        let closed = try Daemon.freePort()
        try await Self.reload(pharos, """
              - {url: "\(url)", \(auth)}
              - {url: "http://127.0.0.1:\(closed)/api/v1/read", name: down}
              - {url: "\(url)", name: wrong, basic_auth: {username: alice, password: nope}}

            """)
        answer = try await Self.instant(pharos, "remote_only", at: start + 30 * minute)
        #expect(answer.series == ["__name__=remote_only,job=r": "30"], "\(answer)")
        #expect(answer.warnings.count == 2, "\(answer.warnings)")
        #expect(answer.warnings.contains { $0.hasPrefix("remote_read: ") && $0.contains("127.0.0.1:\(closed)") }, "\(answer.warnings)")
        #expect(answer.warnings.contains { $0.contains("401") }, "\(answer.warnings)")
        let metrics = try await pharos.get("/metrics")
        for name in ["prometheus_remote_storage_read_queries_total{", "prometheus_remote_storage_read_request_duration_seconds_bucket{",
                     "prometheus_remote_storage_remote_read_queries{"] {
            #expect(metrics.body.contains(name), "\(name)")
        }
    }

    /// The series a remote-read endpoint answers to `query`, through Pharos's client.
    static func read(_ query: RemoteReadQuery, from url: String, types: [RemoteReadResponseType] = [.streamedXORChunks, .samples]) async throws
        -> (series: [Series], responseType: RemoteReadResponseType)
    {
        var client = RemoteReadClient(httpClient: HTTPClient.shared, http: .init(), tls: nil)
        client.responseTypes = types
        let pending = client.send([query], to: url)
        let answer = try await onOwnThread { try pending.wait() }
        return (answer.series[0], answer.responseType)
    }

    /// The timestamps (ms) of a range query's single series.
    static func rangePoints(_ pharos: PharosInstance, _ path: String) async throws -> [Int64] {
        let object = try await answer(pharos, path)
        let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        return (result.first?["values"] as? [[Any]] ?? []).compactMap { ($0.first as? Double).map { Int64($0 * 1000) } }
    }

    /// The client's `SAMPLES` and `STREAMED_XOR_CHUNKS` decoding give the same series for
    /// the same query to Prometheus, which answers each as asked.
    @Test func samplesAndChunkedAnswersAgree() async throws {
        let prometheus = try #require(TestBinaries.onPath("prometheus"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-remote-read-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let start = Self.blockStart
        try await Self.backfill(Self.openMetrics([
            ("a", (0..<20).map { ("i=\"\($0)\"", Self.samples(from: start + Int64($0) * 1_000, to: start + 3 * Self.hour, step: 15_000)) }),
        ]), into: directory + "/data")
        try "global: {}\n".write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = try Daemon.freePort()
        let server = try Daemon(prometheus, [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data", "--web.listen-address=127.0.0.1:\(port)",
        ], output: .file(directory + "/prometheus.log"))
        defer { Task { await server.terminate() } }
        try await server.waitUntilListening(port: port)
        for _ in 0..<200 where (try? await PharosInstance.fetch("http://127.0.0.1:\(port)/-/ready"))?.status != 200 {
            try await Task.sleep(for: .milliseconds(50))
        }

        let query = RemoteReadQuery(startTimestampMs: start + Self.hour, endTimestampMs: start + 2 * Self.hour,
                                    matchers: [try Matcher(.equal, "__name__", "a"), try Matcher(.regexMatch, "i", "1.*")])
        var answers: [[(String, [Int64], [Double])]] = []
        for types in [[RemoteReadResponseType.samples], [.streamedXORChunks]] {
            let answer = try await Self.read(query, from: "http://127.0.0.1:\(port)/api/v1/read", types: types)
            #expect(answer.responseType == types[0])
            answers.append(answer.series.map { series in
                var iterator = series.makeIterator()
                var (ts, vs) = ([Int64](), [Double]())
                iterator.appendRemaining(timestamps: &ts, values: &vs, skippingStaleMarkers: false)
                return ("\(series.labels)", ts, vs)
            })
        }
        #expect(answers[0].count == 11)  // i = 1, 10…19
        #expect(answers[0].map(\.0) == answers[1].map(\.0))
        #expect(answers[0].map(\.1) == answers[1].map(\.1))
        #expect(answers[0].map(\.2) == answers[1].map(\.2))
        #expect(answers[0].allSatisfy { $0.1.count == 240 || $0.1.count == 241 }, "\(answers[0].map(\.1.count))")
    }
}
