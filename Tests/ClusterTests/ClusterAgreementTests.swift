import AsyncHTTPClient
import Exposition
import Foundation
import Model
import NIOCore
import PharosTestSupport
import Stream
import Testing

/// The cluster against a single process fed the same data: one distributor, two partitions with
/// two ingesters each, one querier and one ruler, each a `pharos server` process, next to a
/// `pharos server --role=all` (the reference) and a `pharos server --role=alertmanager`. A
/// test client sends every remote-write request to both the distributor and the single node;
/// instant and range queries, series and label values must then answer the same over the HTTP
/// API of the querier and of the single node. The ruler evaluates a recording rule and an
/// alerting rule through the ingesters: the recorded series and `ALERTS` become queryable
/// through the querier, and the alerts reach the Alertmanager.
///
/// The broker is librdkafka's mock cluster (`rdkafka_mock.h`, three brokers, replication
/// factor 3) hosted by this test process: no Kafka broker can run here, and the mock cluster
/// speaks the real Kafka protocol on loopback TCP.
extension ClusterProcessTests {
    @Test func clusterAnswersAsASingleNodeAndTheRulerRecordsThroughIt() async throws {
        guard let binary = TestBinaries.built("pharos") else { throw DaemonError("pharos is not built") }
        let kafka = try KafkaMockCluster(brokers: 3)
        try kafka.createTopic("pharos", partitions: 2, replicationFactor: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-agree-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ports = try (0..<9).map { _ in try Daemon.freePort() }
        let (distributorPort, ingesterPorts, querierPort) = (ports[0], Array(ports[1...4]), ports[5])
        let (rulerPort, singlePort, alertmanagerPort) = (ports[6], ports[7], ports[8])
        let brokers = kafka.bootstraps.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ", ")
        try """
            groups:
              - name: cluster
                interval: 1s
                rules:
                  - record: job:cluster_requests:rate10m
                    expr: sum by (job) (rate(cluster_requests_total[10m]))
                  - alert: ClusterGaugeHigh
                    expr: last_over_time(cluster_gauge[10m]) > 5
                    labels: {severity: page}
            """.write(toFile: directory + "/rules.yml", atomically: true, encoding: .utf8)
        try """
            global:
              evaluation_interval: 1s
            rule_files: ["\(directory)/rules.yml"]
            alerting:
              alertmanagers:
                - static_configs: [{targets: ["127.0.0.1:\(alertmanagerPort)"]}]
            stream:
              kind: kafka
              partitions: 2
              brokers: [\(brokers)]
              topic: pharos
              replication_factor: 3
              ingesters:
                - {address: "127.0.0.1:\(ingesterPorts[0])", partitions: [0]}
                - {address: "127.0.0.1:\(ingesterPorts[1])", partitions: [0]}
                - {address: "127.0.0.1:\(ingesterPorts[2])", partitions: [1]}
                - {address: "127.0.0.1:\(ingesterPorts[3])", partitions: [1]}
            """.write(toFile: directory + "/cluster.yml", atomically: true, encoding: .utf8)
        try "global:\n  scrape_interval: 15s\n".write(toFile: directory + "/single.yml", atomically: true, encoding: .utf8)
        try "route: {receiver: \"null\", group_wait: 1s}\nreceivers: [{name: \"null\"}]\n"
            .write(toFile: directory + "/alertmanager.yml", atomically: true, encoding: .utf8)
        func spawn(_ name: String, port: Int, config: String = "cluster.yml", _ flags: [String]) throws -> Daemon {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
            return try Daemon(binary, ["server", "--config.file=\(directory)/\(config)", "--storage.tsdb.path=\(directory)/\(name)/data",
                                       "--web.listen-address=127.0.0.1:\(port)", "--pushgateway.listen-address", ""] + flags,
                              output: .file("\(directory)/\(name)/pharos.log"))
        }
        // Ingester ids end in their partition (ingester-a-0 owns partition 0), as Mimir derives it.
        var daemons: [(Daemon, Int)] = []
        defer { for (daemon, _) in daemons { daemon.signal(SIGKILL) } }
        daemons.append((try spawn("distributor", port: distributorPort, ["--role=distributor"]), distributorPort))
        for (index, id) in ["ingester-a-0", "ingester-b-0", "ingester-a-1", "ingester-b-1"].enumerated() {
            daemons.append((try spawn(id, port: ingesterPorts[index], ["--role=ingester", "--ingester.id=\(id)"]), ingesterPorts[index]))
        }
        daemons.append((try spawn("querier", port: querierPort, ["--role=querier"]), querierPort))
        daemons.append((try spawn("single", port: singlePort, config: "single.yml", ["--web.enable-remote-write-receiver"]), singlePort))
        try FileManager.default.createDirectory(atPath: directory + "/alertmanager", withIntermediateDirectories: true)
        let alertmanager = try Daemon(binary, ["server", "--role=alertmanager", "--config.file=\(directory)/alertmanager.yml",
                                               "--storage.path=\(directory)/alertmanager", "--web.listen-address=127.0.0.1:\(alertmanagerPort)"],
                                      output: .file(directory + "/alertmanager/pharos.log"))
        daemons.append((alertmanager, alertmanagerPort))
        for (daemon, port) in daemons { try await waitUntilReady(port: port, daemon: daemon) }

        // 40 rounds 15 s apart ending 15 s ago: 16 counters and 16 gauges in two jobs.
        let end = (Int64(Date().timeIntervalSince1970) - 15) * 1000
        let start = end - 39 * 15_000
        var encoder = RemoteWriteEncoder()
        for round in 0..<40 {
            var batch = RemoteWriteBatch()
            let timestamp = start + Int64(round) * 15_000
            for job in ["api", "db"] {
                for instance in 0..<8 {
                    batch.appendSeries(Labels(["__name__": "cluster_requests_total", "instance": "i\(instance)", "job": job]),
                                       samples: [Sample(timestampMs: timestamp, value: Double(round * (instance + 1)) * 1.5)])
                    batch.appendSeries(Labels(["__name__": "cluster_gauge", "instance": "i\(instance)", "job": job]),
                                       samples: [Sample(timestampMs: timestamp, value: Double((round + instance) % 10))])
                }
            }
            let body = Snappy.compress(encoder.encode(batch, version: .v1))
            async let toCluster = post("http://127.0.0.1:\(distributorPort)/api/v1/write", body: body)
            async let toSingle = post("http://127.0.0.1:\(singlePort)/api/v1/write", body: body)
            let (clusterReply, singleReply) = try await (toCluster, toSingle)
            try #require(clusterReply.status == 204 && singleReply.status == 204, "round \(round): \(clusterReply.body) \(singleReply.body)")
        }

        // Ingesters consume asynchronously: wait until the querier has everything, then compare.
        let (first, last, middle) = (Double(start) / 1000, Double(end) / 1000, Double(start + 20 * 15_000) / 1000)
        let everything = "query_range?query=cluster_requests_total&start=\(first)&end=\(last)&step=15"
        try await expectSameAnswer(everything, querierPort: querierPort, singlePort: singlePort, waiting: .seconds(60))
        for query in ["cluster_requests_total", "cluster_gauge{job=\"api\"}", "rate(cluster_requests_total[1m])",
                      "sum by (job) (rate(cluster_requests_total[2m]))", "count by (instance) (cluster_gauge > 3)",
                      "max_over_time(cluster_gauge{instance=~\"i[0-3]\"}[5m])"] {
            let encoded = Self.encode(query)
            for time in [middle, last] {
                try await expectSameAnswer("query?query=\(encoded)&time=\(time)", querierPort: querierPort, singlePort: singlePort)
            }
            try await expectSameAnswer("query_range?query=\(encoded)&start=\(first)&end=\(last)&step=30",
                                       querierPort: querierPort, singlePort: singlePort)
        }
        try await expectSameAnswer("series?match%5B%5D=cluster_gauge&start=\(first)&end=\(last)", querierPort: querierPort, singlePort: singlePort)
        try await expectSameAnswer("label/instance/values?match%5B%5D=cluster_gauge&start=\(first)&end=\(last)",
                                   querierPort: querierPort, singlePort: singlePort)

        // The ruler: started once the data is in (its rules look back 10 minutes, so they see it
        // however slowly the processes start), its recording rule's output, written through the
        // stream, is queryable through the querier and equals the expression at the rule's
        // timestamp, on the querier and on the single node.
        let ruler = try spawn("ruler", port: rulerPort, ["--role=ruler"])
        daemons.append((ruler, rulerPort))
        try await waitUntilReady(port: rulerPort, daemon: ruler)
        _ = try await waitForResult("job:cluster_requests:rate10m", count: 2, port: querierPort, daemon: ruler)
        let recorded = try Self.matrix(await get("http://127.0.0.1:\(querierPort)/api/v1/query?query=\(Self.encode("job:cluster_requests:rate10m[1m]"))"))
        #expect(recorded.count == 2)
        for (labels, points) in recorded {
            let job = try #require(labels["job"])
            let expression = Self.encode("sum by (job) (rate(cluster_requests_total{job=\"\(job)\"}[10m]))")
            #expect(!points.isEmpty)
            for (time, value) in points {
                for port in [querierPort, singlePort] {
                    let direct = try Self.vector(await get("http://127.0.0.1:\(port)/api/v1/query?query=\(expression)&time=\(time)"))
                    #expect(direct.map(\.value) == [value], "job \(job) at \(time) on port \(port)")
                }
            }
        }
        // The alerting rule: ALERTS written through the stream, and the alerts at the Alertmanager.
        let alerts = try await waitForResult("ALERTS{alertname=\"ClusterGaugeHigh\",alertstate=\"firing\"}", count: 4,
                                             port: querierPort, daemon: ruler)
        #expect(Set(alerts.map { "\($0.labels["job"] ?? "") \($0.labels["instance"] ?? "")" }) == ["api i0", "api i7", "db i0", "db i7"])
        try await expectAlertmanagerAlerts(4, named: "ClusterGaugeHigh", port: alertmanagerPort, ruler: ruler)
        for (daemon, _) in daemons { await daemon.terminate() }
    }

    /// Asks the querier and the single node `path` (under `/api/v1/`) until their `data` agree
    /// and are not empty, for up to `waiting` (once when zero); records the difference otherwise.
    private func expectSameAnswer(_ path: String, querierPort: Int, singlePort: Int, waiting: Duration = .zero) async throws {
        let deadline = ContinuousClock.now + waiting
        var attempts = 0
        while true {
            attempts += 1
            let cluster = try await get("http://127.0.0.1:\(querierPort)/api/v1/\(path)")
            let single = try await get("http://127.0.0.1:\(singlePort)/api/v1/\(path)")
            #expect(single.status == 200, "single node, \(path): \(single.body.prefix(300))")
            let (clusterData, singleData) = (try? Self.normalizedData(cluster.bytes), try? Self.normalizedData(single.bytes))
            if cluster.status == 200, let clusterData, clusterData == singleData, !clusterData.contains("[]") { return }
            if ContinuousClock.now >= deadline || attempts > 600 {
                Issue.record("\(path): the querier answered \(cluster.status) \(cluster.body.prefix(600))\nthe single node \(single.body.prefix(600))")
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The `data` of an API answer as canonical JSON, with a result's or list's entries sorted.
    private static func normalizedData(_ body: [UInt8]) throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], object["status"] as? String == "success",
              var data = object["data"] else { throw DaemonError("not a successful answer") }
        func canonical(_ value: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
        }
        if var result = data as? [String: Any], let entries = result["result"] as? [Any] {
            result["result"] = try entries.sorted { try canonical($0) < canonical($1) }
            data = result
        } else if let entries = data as? [Any] {
            data = try entries.sorted { try canonical($0) < canonical($1) }
        }
        return try canonical(data)
    }

    /// One series of an instant vector: its labels, the sample's time (seconds) and value.
    private struct VectorSample {
        var labels: [String: String]
        var time: Double
        var value: Double
    }

    private static func vector(_ reply: Reply) throws -> [VectorSample] {
        guard reply.status == 200, let object = try JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [String: Any],
              let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]]
        else { throw DaemonError("not a vector answer: \(reply.status) \(reply.body.prefix(400))") }
        return try result.map { entry in
            guard let labels = entry["metric"] as? [String: String], let point = entry["value"] as? [Any], point.count == 2,
                  let time = (point[0] as? NSNumber)?.doubleValue, let value = (point[1] as? String).flatMap(Double.init)
            else { throw DaemonError("malformed vector entry \(entry)") }
            return VectorSample(labels: labels, time: time, value: value)
        }
    }

    /// The series of a range-vector answer: labels and (time in seconds, value) samples.
    private static func matrix(_ reply: Reply) throws -> [(labels: [String: String], points: [(time: Double, value: Double)])] {
        guard reply.status == 200, let object = try JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [String: Any],
              let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]]
        else { throw DaemonError("not a matrix answer: \(reply.status) \(reply.body.prefix(400))") }
        return try result.map { entry in
            guard let labels = entry["metric"] as? [String: String], let values = entry["values"] as? [[Any]] else {
                throw DaemonError("malformed matrix entry \(entry)")
            }
            return (labels, try values.map { point in
                guard point.count == 2, let time = (point[0] as? NSNumber)?.doubleValue, let value = (point[1] as? String).flatMap(Double.init)
                else { throw DaemonError("malformed sample \(point)") }
                return (time, value)
            })
        }
    }

    /// Polls the instant query `query` on `port` until it answers `count` series, for up to 60 s.
    private func waitForResult(_ query: String, count: Int, port: Int, daemon: Daemon) async throws -> [VectorSample] {
        var last = "no answer"
        for _ in 0..<240 {
            let reply = try await get("http://127.0.0.1:\(port)/api/v1/query?query=\(Self.encode(query))")
            last = "\(reply.status) \(reply.body.prefix(600))"
            if let samples = try? Self.vector(reply), samples.count == count { return samples }
            if let status = daemon.exited() { throw DaemonError("the ruler exited with \(status):\n\(daemon.log)") }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw DaemonError("\(query) did not answer \(count) series within 60 s: \(last)\nruler log:\n\(daemon.log.suffix(3000))")
    }

    /// Polls the Alertmanager's API v2 until it holds `count` active alerts named `name`, for up to 60 s.
    private func expectAlertmanagerAlerts(_ count: Int, named name: String, port: Int, ruler: Daemon) async throws {
        var last = "no answer"
        for _ in 0..<240 {
            let reply = try await get("http://127.0.0.1:\(port)/api/v2/alerts?filter=\(Self.encode("alertname=\"\(name)\""))")
            last = "\(reply.status) \(reply.body.prefix(600))"
            if reply.status == 200, let alerts = try? JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [[String: Any]],
               alerts.count == count,
               alerts.allSatisfy({ ($0["labels"] as? [String: String])?["severity"] == "page" && ($0["generatorURL"] as? String)?.contains("/graph?g0.expr=") == true }) {
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("the Alertmanager did not get \(count) \(name) alerts within 60 s: \(last)\nruler log:\n\(ruler.log.suffix(3000))")
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
