import Exposition
import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// The remote-write sender against real receivers: Debian's VictoriaMetrics and Prometheus
/// 2.42 (with its receiver flag), and Pharos's own receiver restricted to 1.0. Samples go
/// into Pharos through its receiver, out through `remote_write`, and are read back with the
/// receiver's own API.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct RemoteWriteSenderTests {
    /// Five series, `rwtest{i="0".."4"}`, samples `k` in `range` one second apart from `base`;
    /// the sender's `write_relabel_configs` drop `i="4"` and its external labels add `site`.
    struct Workload {
        let base = (Int64(Date().timeIntervalSince1970) - 600) * 1000

        func samples(_ range: Range<Int>) -> [(Labels, [(Int64, Double)])] {
            (0..<5).map { (i: Int) -> (Labels, [(Int64, Double)]) in
                let labels = Labels(["__name__": "rwtest", "i": String(i)])
                let points = range.map { (k: Int) -> (Int64, Double) in
                    let t: Int64 = base + Int64(k) * 1000
                    let v: Double = Double(k) + Double(i) / 10
                    return (t, v)
                }
                return (labels, points)
            }
        }

        /// What the receiver must hold after `range` was sent: by `i`, every sample once.
        func expected(_ range: Range<Int>) -> [String: [(Int64, Double)]] {
            var out: [String: [(Int64, Double)]] = [:]
            for (labels, points) in samples(range) where labels["i"] != "4" { out[labels["i"] ?? ""] = points }
            return out
        }
    }

    static let senderConfig = """
        global:
          external_labels: {site: pharos}
        remote_write:
          - url: URL
            write_relabel_configs:
              - {source_labels: [i], regex: "4", action: drop}
            queue_config: {batch_send_deadline: 200ms, min_backoff: 50ms, max_backoff: 400ms, max_samples_per_send: 50}
            metadata_config: {send: false}

        """

    /// Pushes `series` into Pharos through its remote-write receiver.
    static func push(_ series: [(Labels, [(Int64, Double)])], to pharos: PharosInstance) async throws {
        try await push(series, url: pharos.baseURL + "/api/v1/write")
    }

    /// Pushes `series` to any remote-write receiver as 1.0.
    static func push(_ series: [(Labels, [(Int64, Double)])], url: String) async throws {
        var batch = RemoteWriteBatch()
        for (labels, points) in series {
            batch.appendSeries(labels, samples: points.map { Sample(timestampMs: $0.0, value: $0.1) })
        }
        var encoder = RemoteWriteEncoder()
        let reply = try await PharosInstance.fetch(url, method: .POST, headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "snappy")],
                                                   body: Snappy.compress(encoder.encode(batch, version: .v1)))
        #expect(reply.status == 204, "\(reply.body)")
    }

    /// The sum of a self-metric's series on Pharos's `/metrics`.
    static func metric(_ name: String, of pharos: PharosInstance) async throws -> Double {
        let text = try await pharos.get("/metrics").body
        return text.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    /// Waits until the queue has started (its shards are up), so it reads what is pushed next.
    static func waitForQueue(_ pharos: PharosInstance) async throws {
        for _ in 0..<600 {
            if try await pharos.get("/metrics").body.contains("prometheus_remote_storage_shards{") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonError("remote write queue did not start:\n\(pharos.daemon.log)")
    }

    /// Polls `read` until it returns `expected` (at most a minute); returns the last reading.
    static func eventually(_ expected: [String: [(Int64, Double)]],
                           _ read: () async throws -> [String: [(Int64, Double)]]) async throws -> [String: [(Int64, Double)]] {
        var last: [String: [(Int64, Double)]] = [:]
        for _ in 0..<240 {
            last = try await read()
            if same(last, expected) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        return last
    }

    static func same(_ a: [String: [(Int64, Double)]], _ b: [String: [(Int64, Double)]]) -> Bool {
        a.keys.sorted() == b.keys.sorted() && a.allSatisfy { key, points in
            let other = b[key] ?? []
            return points.count == other.count && zip(points, other).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        }
    }

    // MARK: - VictoriaMetrics

    /// VictoriaMetrics' raw samples of `rwtest` by `i` (`/api/v1/export`), checking `site`.
    static func victoriaMetricsSamples(port: Int) async throws -> [String: [(Int64, Double)]] {
        let reply = try await PharosInstance.fetch("http://127.0.0.1:\(port)/api/v1/export?match%5B%5D=rwtest")
        var out: [String: [(Int64, Double)]] = [:]
        for line in reply.body.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let metric = object["metric"] as? [String: String], metric["site"] == "pharos",
                  let values = object["values"] as? [Double], let timestamps = object["timestamps"] as? [Int64]
            else { continue }
            out[metric["i"] ?? "", default: []] += zip(timestamps, values).map { ($0, $1) }
        }
        return out.mapValues { $0.sorted { $0.0 < $1.0 } }
    }

    static func startVictoriaMetrics(port: Int, directory: String) async throws -> Daemon {
        let daemon = try Daemon("/usr/bin/victoria-metrics", [
            "-httpListenAddr=127.0.0.1:\(port)", "-storageDataPath=\(directory)/vm-data", "-retentionPeriod=1",
            // Seen in this test: VictoriaMetrics 1.79 exported the first request after its restart
            // twice although Pharos delivered it once (`samples_total` is checked below); with
            // deduplication of equal timestamps the export shows what was stored, once.
            "-dedup.minScrapeInterval=1ms",
        ], output: .file(directory + "/vm.log"))
        try await daemon.waitUntilListening(port: port)
        return daemon
    }

    /// VictoriaMetrics goes away in the middle and comes back on the same port and data:
    /// afterwards it holds every sample exactly once, with the external label and without
    /// the relabeled-away series.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/victoria-metrics")))
    func victoriaMetricsGetsEverySampleOnceAcrossAnOutage() async throws {
        let port = try Daemon.freePort()
        let pharos = try await PharosInstance(
            config: Self.senderConfig.replacingOccurrences(of: "URL", with: "http://127.0.0.1:\(port)/api/v1/write"),
            flags: ["--web.enable-remote-write-receiver"])
        defer { Task { await pharos.stop() } }
        var receiver = try await Self.startVictoriaMetrics(port: port, directory: pharos.directory)
        defer { Task { [receiver] in await receiver.terminate() } }
        try await pharos.waitUntilReady()
        try await Self.waitForQueue(pharos)
        let workload = Workload()

        try await Self.push(workload.samples(0..<20), to: pharos)
        let first = try await Self.eventually(workload.expected(0..<20)) { try await Self.victoriaMetricsSamples(port: port) }
        #expect(Self.same(first, workload.expected(0..<20)), "\(first)\n\(pharos.daemon.log)")

        await receiver.terminate()
        try await Self.push(workload.samples(20..<40), to: pharos)
        for _ in 0..<200 where try await Self.metric("prometheus_remote_storage_samples_retried_total", of: pharos) == 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await Self.metric("prometheus_remote_storage_samples_retried_total", of: pharos) > 0, "sends failed and are retried")
        receiver = try await Self.startVictoriaMetrics(port: port, directory: pharos.directory)
        let all = try await Self.eventually(workload.expected(0..<40)) { try await Self.victoriaMetricsSamples(port: port) }
        #expect(Self.same(all, workload.expected(0..<40)), "\(all)\n\(pharos.daemon.log)")
        #expect(try await Self.metric("prometheus_remote_storage_samples_failed_total", of: pharos) == 0)
        #expect(try await Self.metric("prometheus_remote_storage_samples_total", of: pharos) == 160, "each sample delivered once")
    }

    // MARK: - Prometheus

    /// Prometheus's samples of `rwtest` by `i` over the last hour before `at` (a range query).
    static func prometheusSamples(port: Int, at: Int64) async throws -> [String: [(Int64, Double)]] {
        let query = "rwtest{site=\"pharos\"}[1h]".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let data = try await PharosInstance.data(url: "http://127.0.0.1:\(port)/api/v1/query?query=\(query)&time=\(Double(at) / 1000)")
        var out: [String: [(Int64, Double)]] = [:]
        for series in (data as? [String: Any])?["result"] as? [[String: Any]] ?? [] {
            guard let metric = series["metric"] as? [String: String], let values = series["values"] as? [[Any]] else { continue }
            out[metric["i"] ?? ""] = values.compactMap { pair in
                guard let t = pair.first as? Double, let v = (pair.last as? String).flatMap(Double.init) else { return nil }
                return (Int64((t * 1000).rounded()), v)
            }
        }
        return out
    }

    static func startPrometheus(port: Int, directory: String) async throws -> Daemon {
        try "global: {}\n".write(toFile: directory + "/receiver.yml", atomically: true, encoding: .utf8)
        let daemon = try Daemon("/usr/bin/prometheus", [
            "--config.file=\(directory)/receiver.yml", "--storage.tsdb.path=\(directory)/receiver-data",
            "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver",
        ], output: .file(directory + "/receiver.log"))
        try await daemon.waitUntilListening(port: port)
        for _ in 0..<600 {  // it listens before its storage is open
            if (try? await PharosInstance.fetch("http://127.0.0.1:\(port)/-/ready"))?.status == 200 { return daemon }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonError("prometheus not ready:\n\(daemon.log)")
    }

    /// With `protobuf_message` 2.0, Prometheus 2.42 (which confirms nothing) makes the sender
    /// fall back to 1.0. Prometheus is stopped, samples are pushed, Pharos is stopped and
    /// restarted: the new process resumes from the saved position and Prometheus ends up
    /// with every sample once. Then a sample Prometheus refuses (400, out of order) is
    /// dropped without retries and later samples still arrive.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")))
    func prometheusGetsEverySampleAcrossARestartOfPharos() async throws {
        let port = try Daemon.freePort()
        let config = Self.senderConfig.replacingOccurrences(of: "URL", with: "http://127.0.0.1:\(port)/api/v1/write")
            + "    protobuf_message: io.prometheus.write.v2.Request\n"
        let flags = ["--web.enable-remote-write-receiver", "--storage.remote.flush-deadline=1s"]
        let first = try await PharosInstance(config: config, flags: flags)
        defer { Task { await first.stop() } }
        var receiver = try await Self.startPrometheus(port: port, directory: first.directory)
        defer { Task { [receiver] in await receiver.terminate() } }
        try await first.waitUntilReady()
        try await Self.waitForQueue(first)
        let workload = Workload()
        let end = workload.base + 120_000

        try await Self.push(workload.samples(0..<20), to: first)
        let sent = try await Self.eventually(workload.expected(0..<20)) { try await Self.prometheusSamples(port: port, at: end) }
        #expect(Self.same(sent, workload.expected(0..<20)), "\(sent)\n\(first.daemon.log)")
        #expect(first.daemon.log.contains("falling back to 1.0"))

        await receiver.terminate()
        try await Self.push(workload.samples(20..<40), to: first)
        for _ in 0..<200 where try await Self.metric("prometheus_remote_storage_samples_retried_total", of: first) == 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        await first.stop()
        receiver = try await Self.startPrometheus(port: port, directory: first.directory)
        let second = try await PharosInstance(flags: flags, restarting: first)
        defer { Task { await second.stop() } }
        let all = try await Self.eventually(workload.expected(0..<40)) { try await Self.prometheusSamples(port: port, at: end) }
        #expect(Self.same(all, workload.expected(0..<40)), "\(all)\n\(second.daemon.log)")
        #expect(second.daemon.log.contains("resumes from its saved WAL position"))

        // Prometheus gets rwtest_late{site="pharos"} at +100s straight away; Pharos then sends
        // an older sample of it, which Prometheus refuses as out of order (400).
        let retried = try await Self.metric("prometheus_remote_storage_samples_retried_total", of: second)
        try await Self.push([(Labels(["__name__": "rwtest_late", "site": "pharos"]), [(workload.base + 100_000, 1)])],
                            url: "http://127.0.0.1:\(port)/api/v1/write")
        try await Self.push([(Labels(["__name__": "rwtest_late"]), [(workload.base + 50_000, 2)])], to: second)
        for _ in 0..<200 where try await Self.metric("prometheus_remote_storage_samples_failed_total", of: second) == 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await Self.metric("prometheus_remote_storage_samples_failed_total", of: second) == 1)
        #expect(try await Self.metric("prometheus_remote_storage_samples_retried_total", of: second) == retried, "a 400 is not retried")
        #expect(second.daemon.log.contains("Non-recoverable error"))
        try await Self.push(workload.samples(40..<45), to: second)
        let later = try await Self.eventually(workload.expected(0..<45)) { try await Self.prometheusSamples(port: port, at: end) }
        #expect(Self.same(later, workload.expected(0..<45)), "the queue goes on after a refused batch\n\(second.daemon.log)")
    }

    // MARK: - Pharos receiving 1.0 only

    /// A receiver that answers 415 to 2.0 (Pharos with
    /// `--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest`) makes
    /// the sender fall back to 1.0; every sample arrives, and metric metadata is sent
    /// (`metadata_config`) once the queue speaks 1.0.
    @Test func aReceiverRefusingV2With415GetsV1() async throws {
        let receiver = try await PharosInstance(flags: [
            "--web.enable-remote-write-receiver", "--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest",
        ])
        defer { Task { await receiver.stop() } }
        // The sender also scrapes itself, so it has metric metadata to send every second.
        let senderPort = try Daemon.freePort()
        let config = Self.senderConfig.replacingOccurrences(of: "URL", with: "\(receiver.baseURL)/api/v1/write")
            .replacingOccurrences(of: "metadata_config: {send: false}", with: "metadata_config: {send: true, send_interval: 1s}")
            + "    protobuf_message: io.prometheus.write.v2.Request\n"
            + "scrape_configs:\n  - {job_name: self, scrape_interval: 1s, static_configs: [{targets: ['127.0.0.1:\(senderPort)']}]}\n"
        let sender = try await PharosInstance(config: config, flags: ["--web.enable-remote-write-receiver"], port: senderPort)
        defer { Task { await sender.stop() } }
        try await receiver.waitUntilReady()
        try await sender.waitUntilReady()
        try await Self.waitForQueue(sender)
        let workload = Workload()
        try await Self.push(workload.samples(0..<10), to: sender)
        let end = workload.base + 60_000
        let received = try await Self.eventually(workload.expected(0..<10)) {
            try await Self.prometheusSamples(port: receiver.port, at: end)
        }
        #expect(Self.same(received, workload.expected(0..<10)), "\(received)\n\(sender.daemon.log)")
        #expect(sender.daemon.log.contains("status 415"))
        #expect(try await Self.metric("prometheus_remote_storage_samples_failed_total", of: sender) == 0)
        for _ in 0..<200 where try await Self.metric("prometheus_remote_storage_metadata_total", of: sender) == 0 {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await Self.metric("prometheus_remote_storage_metadata_total", of: sender) > 0, "metadata sent as 1.0")
        #expect(try await Self.metric("prometheus_remote_storage_metadata_failed_total", of: sender) == 0)
    }
}
