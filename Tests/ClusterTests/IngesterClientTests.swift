import AsyncHTTPClient
import Config
import Foundation
import Ingest
import Logging
import Model
import PharosTestSupport
import Query
import Stream
import TSDB
import Testing

/// Queriers reach ingesters behind `--web.config.file` TLS and basic auth through
/// `stream.ingester_client`. The ingester is a real `pharos server --role=ingester` process;
/// its partition is on librdkafka's mock cluster hosted by this test (three brokers speaking
/// the real Kafka protocol on loopback; no Kafka broker can be installed here), written to by
/// a `StreamAppendable` as a distributor would.
@Suite(.serialized) struct IngesterClientTests {
    @Test func queriersReadIngestersThroughTLSAndBasicAuth() async throws {
        guard let binary = TestBinaries.built("pharos") else { throw DaemonError("pharos is not built") }
        let certificates = try await TestCertificates()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-ingester-client-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kafka = try KafkaMockCluster()
        try kafka.createTopic("pharos", partitions: 1, replicationFactor: 3)
        let brokers = kafka.bootstraps.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ", ")
        let port = try Daemon.freePort()
        // bcrypt of "s3cret", made with Python's crypt module (libxcrypt), cost 4.
        try """
            tls_server_config: {cert_file: \(certificates.serverCertFile), key_file: \(certificates.serverKeyFile)}
            basic_auth_users: {querier: $2b$04$0PzpbzPtSfvQdHjgv.S/SuGnOzpX0rLnePW3d3pcZeerEyYm/rZEO}
            """.write(toFile: directory + "/web.yml", atomically: true, encoding: .utf8)
        try "s3cret\n".write(toFile: directory + "/password", atomically: true, encoding: .utf8)
        let stream = """
            stream:
              kind: kafka
              partitions: 1
              brokers: [\(brokers)]
              topic: pharos
              ingesters: [{address: "127.0.0.1:\(port)", partitions: [0]}]
            """
        try stream.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let daemon = try Daemon(binary, ["server", "--role=ingester", "--ingester.id=ingester-0", "--config.file=\(directory)/prometheus.yml",
                                         "--storage.tsdb.path=\(directory)/data", "--web.listen-address=127.0.0.1:\(port)",
                                         "--web.config.file=\(directory)/web.yml", "--pushgateway.listen-address", ""],
                                output: .file(directory + "/pharos.log"))
        defer { daemon.stop() }
        try await daemon.waitUntilListening(port: port)

        let config = try PrometheusConfig.parse(stream, environment: [:]).stream
        let log = try KafkaLog(options: KafkaLog.Options(config), logger: Logger(label: "test"))
        var appender = StreamAppendable(stream: log, partitioner: StreamPartitioner(partitionCount: 1)).makeAppender()
        _ = try appender.append(ref: 0, labels: Labels(["__name__": "tls_probe", "job": "t"]), timestamp: 1_000, value: 42)
        #expect(try await appender.commitBatchAsync() == 1)
        await log.close()

        func client(_ yaml: String) throws -> IngesterClient {
            try IngesterClient(try PrometheusConfig.parse(stream + "\n  ingester_client: \(yaml)\n", environment: [:]).stream.ingesterClient)
        }
        let ring = IngesterRing(config: config)
        let matchers = [try Matcher(.equal, "__name__", "tls_probe")]
        func select(_ client: IngesterClient) async throws -> [Series] {
            let querier = IngesterQuerier(ring: ring, httpClient: HTTPClient.shared, client: client, mint: 0, maxt: .max)
            // The querier blocks its thread on the requests: off the cooperative pool.
            return try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread { continuation.resume(with: Result { try querier.select(matchers, mint: 0, maxt: .max) }) }
            }
        }

        let trusted = try client("{scheme: https, tls_config: {ca_file: \(certificates.caFile)}, basic_auth: {username: querier, password_file: \(directory)/password}}")
        var found: [Series] = []
        var lastError = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while found.isEmpty, ContinuousClock.now < deadline {
            do { found = try await select(trusted) } catch { lastError = "\(error)" }
            if found.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        try #require(found.count == 1, "the ingester answered no tls_probe through TLS and basic auth: \(lastError)")
        var iterator = found[0].makeIterator()
        #expect(iterator.next() && iterator.timestamp == 1_000 && iterator.value == 42)

        for (name, refused) in [
            ("no credentials", try client("{scheme: https, tls_config: {ca_file: \(certificates.caFile)}}")),
            ("plain HTTP", IngesterClient.plain),
            ("an unknown CA", try client("{scheme: https, basic_auth: {username: querier, password: s3cret}}")),
        ] {
            await #expect(throws: TSDBError.self, "\(name)") { try await select(refused) }
        }
        #expect(throws: IngesterClientError.self) { try client("{oauth2: {client_id: a, client_secret: b, token_url: \"http://x\"}}") }
    }
}
