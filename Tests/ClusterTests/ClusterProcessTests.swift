import AsyncHTTPClient
import Exposition
import Foundation
import Model
import NIOCore
import NIOHTTP1
import PharosTestSupport
import Stream
import Testing

/// The cluster roles as separate `pharos server` processes on loopback: one distributor, one
/// querier, and three ingesters: A and B both own the topic's two partitions (replicas), C owns
/// partition 1 only, so a querier that avoids a recently failed A asks A for partition 0 and C
/// for partition 1 and must keep only partition 0's series from A's answer.
///
/// The broker is librdkafka's mock cluster (`rdkafka_mock.h`, three brokers, replication
/// factor 3), hosted by this test process: no Kafka broker can run here, and the mock cluster
/// speaks the real Kafka protocol on loopback TCP, so the server processes connect to it as to
/// any Kafka cluster.
@Suite(.serialized) struct ClusterProcessTests {
    @Test func remoteWritesSurviveAnIngesterKilledAndAreQueriedOnce() async throws {
        guard let binary = TestBinaries.built("pharos") else { throw DaemonError("pharos is not built") }
        let kafka = try KafkaMockCluster(brokers: 3)
        try kafka.createTopic("pharos", partitions: 2, replicationFactor: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-cluster-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ports = try (0..<5).map { _ in try Daemon.freePort() }
        let (distributorPort, ingesterPorts, querierPort) = (ports[0], [ports[1], ports[2], ports[4]], ports[3])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let brokers = kafka.bootstraps.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ", ")
        try """
            global:
              scrape_interval: 1s
            scrape_configs:  # scraped by the distributor only
              - job_name: querier
                static_configs: [{targets: ["127.0.0.1:\(querierPort)"]}]
            stream:
              kind: kafka
              partitions: 2
              brokers: [\(brokers)]
              topic: pharos
              replication_factor: 3
              ingesters:
                - {address: "127.0.0.1:\(ingesterPorts[0])", partitions: [0, 1]}
                - {address: "127.0.0.1:\(ingesterPorts[1])", partitions: [0, 1]}
                - {address: "127.0.0.1:\(ingesterPorts[2])", partitions: [1]}
            """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        func spawn(_ name: String, port: Int, _ flags: [String]) throws -> Daemon {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
            return try Daemon(binary, ["server", "--config.file=\(directory)/prometheus.yml",
                                       "--storage.tsdb.path=\(directory)/\(name)/data",
                                       "--web.listen-address=127.0.0.1:\(port)", "--pushgateway.listen-address", ""] + flags,
                              output: .file("\(directory)/\(name)/pharos.log"))
        }
        let ingesterFlags = { (id: String) in ["--role=ingester", "--ingester.id=\(id)", "--ingester.partitions=0-1"] }
        let ingesterC = try spawn("ingester-c", port: ingesterPorts[2], ["--role=ingester", "--ingester.id=ingester-c-1"])
        // All four start at once; each is waited for until it listens and is ready.
        let distributor = try spawn("distributor", port: distributorPort, ["--role=distributor"])
        var ingesterA = try spawn("ingester-a", port: ingesterPorts[0], ingesterFlags("a"))
        let ingesterB = try spawn("ingester-b", port: ingesterPorts[1], ingesterFlags("b"))
        let querier = try spawn("querier", port: querierPort, ["--role=querier"])
        defer { for daemon in [distributor, querier, ingesterA, ingesterB, ingesterC] { daemon.signal(SIGKILL) } }
        for (daemon, port) in [(distributor, distributorPort), (ingesterA, ingesterPorts[0]), (ingesterB, ingesterPorts[1]),
                               (ingesterC, ingesterPorts[2]), (querier, querierPort)] {
            try await waitUntilReady(port: port, daemon: daemon)
        }

        let base = Int64(Date().timeIntervalSince1970 * 1000) - 20 * 60_000
        var sent: [String: [Int64: Double]] = [:]
        var encoder = RemoteWriteEncoder()
        func write(rounds: Range<Int>) async throws {
            for round in rounds {
                var batch = RemoteWriteBatch()
                for series in 0..<16 {
                    let value = Double(round * 100 + series)
                    batch.appendSeries(Labels(["__name__": "cluster_sample", "series": "\(series)"]),
                                       samples: [Sample(timestampMs: base + Int64(round) * 1000, value: value)])
                }
                let reply = try await post("http://127.0.0.1:\(distributorPort)/api/v1/write",
                                           body: Snappy.compress(encoder.encode(batch, version: .v1)))
                #expect(reply.status == 204, "round \(round): \(reply.body)")
                guard reply.status == 204 else { continue }  // only acknowledged samples must be kept
                for series in 0..<16 { sent["\(series)", default: [:]][base + Int64(round) * 1000] = Double(round * 100 + series) }
            }
        }

        try await write(rounds: 0..<10)
        try await expectQueried(sent, querierPort: querierPort)
        // Pushes and scrapes of the distributor take the same path as its remote writes.
        var push = HTTPClientRequest(url: "http://127.0.0.1:\(distributorPort)/pushgateway/metrics/job/batch")
        push.method = .POST
        push.body = .bytes(ByteBuffer(string: "cluster_pushed 7\n"))
        #expect(try await send(push).status == 200)
        try await expectValue("cluster_pushed", 7, querierPort: querierPort)
        try await expectValue("up{job=\"querier\"}", 1, querierPort: querierPort)
        let refused = try await get("http://127.0.0.1:\(distributorPort)/api/v1/query?query=cluster_sample")
        #expect(refused.status != 200 && refused.body.contains("does not answer queries: ask a querier"), "\(refused.body)")

        await ingesterA.kill9()  // queries go to the replica; writes go on
        try await write(rounds: 10..<20)
        try await expectQueried(sent, querierPort: querierPort)

        // Restarted on its data directory, A replays its WAL and reads from its committed offset;
        // it is ready once caught up. With B gone, partition 0 comes from A alone.
        ingesterA = try spawn("ingester-a", port: ingesterPorts[0], ingesterFlags("a"))
        try await waitUntilReady(port: ingesterPorts[0], daemon: ingesterA)
        await ingesterB.kill9()
        try await write(rounds: 20..<25)
        try await expectQueried(sent, querierPort: querierPort)

        // No owner of partition 0 left: the query fails naming it, rather than answering half.
        await ingesterA.kill9()
        let partial = try await get("http://127.0.0.1:\(querierPort)/api/v1/query?query=cluster_sample")
        #expect(partial.status != 200 && partial.body.contains("no ingester answered for partition 0"), "\(partial.body)")
        for daemon in [distributor, querier, ingesterC] { await daemon.terminate() }
    }

    /// Polls the querier until `cluster_sample` holds exactly `expected` (each sample once), for up to 30 s.
    private func expectQueried(_ expected: [String: [Int64: Double]], querierPort: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var last = "no answer"
        while ContinuousClock.now < deadline {
            let url = "http://127.0.0.1:\(querierPort)/api/v1/query?query=cluster_sample%5B30m%5D"
            let reply = try await get(url)
            last = "\(reply.status) \(reply.body.prefix(600))"
            if reply.status == 200, let got = try? Self.matrix(reply.bytes) {
                if got.samples == expected, got.duplicates == 0 { return }
                #expect(got.duplicates == 0, "a sample was returned twice: \(last)")
                last = "\(got.samples.values.map(\.count).reduce(0, +)) of \(expected.values.map(\.count).reduce(0, +)) samples"
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the querier did not return what was acknowledged within 30 s: \(last)")
    }

    /// Polls the querier until the instant query `query` answers one series with `value`, for up to 30 s.
    private func expectValue(_ query: String, _ value: Double, querierPort: Int) async throws {
        let url = "http://127.0.0.1:\(querierPort)/api/v1/query?query=" + (query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query)
        var last = "no answer"
        for _ in 0..<150 {
            let reply = try await get(url)
            last = "\(reply.status) \(reply.body.prefix(400))"
            if reply.status == 200, let object = try? JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [String: Any],
               let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]], result.count == 1,
               let sample = result[0]["value"] as? [Any], sample.count == 2, (sample[1] as? String).flatMap(Double.init) == value {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("\(query) did not become \(value) on the querier within 30 s: \(last)")
    }

    /// The samples of a matrix answer by `series` label, and how many timestamps repeated.
    private static func matrix(_ body: [UInt8]) throws -> (samples: [String: [Int64: Double]], duplicates: Int) {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { throw DaemonError("not a query answer") }
        var samples: [String: [Int64: Double]] = [:]
        var duplicates = 0
        for entry in result {
            let series = (entry["metric"] as? [String: String])?["series"] ?? ""
            for point in entry["values"] as? [[Any]] ?? [] {
                guard point.count == 2, let t = (point[0] as? NSNumber)?.doubleValue, let v = (point[1] as? String).flatMap(Double.init) else { continue }
                let ms = Int64((t * 1000).rounded())
                if samples[series]?[ms] != nil { duplicates += 1 }
                samples[series, default: [:]][ms] = v
            }
        }
        return (samples, duplicates)
    }

    /// Waits up to 180 s (debug builds start slowly on a loaded machine) until `/-/ready` answers 200.
    func waitUntilReady(port: Int, daemon: Daemon) async throws {
        for _ in 0..<1800 {
            if let reply = try? await get("http://127.0.0.1:\(port)/-/ready"), reply.status == 200 { return }
            if let status = daemon.exited() { throw DaemonError("exited with \(status):\n\(daemon.log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DaemonError("not ready after 180 s:\n\(daemon.log)")
    }

    struct Reply {
        var status: UInt
        var body: String
        var bytes: [UInt8]
    }

    func get(_ url: String) async throws -> Reply {
        try await send(HTTPClientRequest(url: url))
    }

    func post(_ url: String, body: [UInt8]) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: RemoteWriteVersion.v1.contentType)
        request.headers.add(name: "Content-Encoding", value: "snappy")
        request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request)
    }

    func send(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(40))
        let bytes = Array(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        return Reply(status: response.status.code, body: String(decoding: bytes, as: UTF8.self), bytes: bytes)
    }
}
