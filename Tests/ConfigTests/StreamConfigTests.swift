import Config
import Testing

@Suite struct StreamConfigTests {
    @Test func defaultsToOneLocalPartition() throws {
        let config = try PrometheusConfig.parse("", environment: [:])
        #expect(config.stream == StreamConfig())
        #expect(config.stream.kind == .local)
        #expect(config.stream.partitions == 1)
        #expect(!config.yaml().contains("stream"), "a default stream section is not shown")
    }

    @Test func readsAKafkaSection() throws {
        let config = try PrometheusConfig.parse("""
            stream:
              kind: kafka
              partitions: 12
              brokers: [kafka-1:9092, "10.0.0.2:9093"]
              topic: pharos-samples
              replication_factor: 3
              record_format: remote_write_v2
              client:
                security.protocol: sasl_ssl
                sasl.mechanism: SCRAM-SHA-512
                sasl.username: pharos
                sasl.password: hunter2
                linger.ms: 10
                acks: all
            """, environment: [:])
        let stream = config.stream
        #expect(stream.kind == .kafka)
        #expect(stream.partitions == 12)
        #expect(stream.brokers == ["kafka-1:9092", "10.0.0.2:9093"])
        #expect(stream.topic == "pharos-samples")
        #expect(stream.replicationFactor == 3)
        #expect(stream.recordFormat == .remoteWriteV2)
        #expect(stream.client["linger.ms"] == "10")
        #expect(stream.client["sasl.password"] == "hunter2")
        let shown = config.yaml()
        #expect(shown.contains("sasl.password: <secret>"))
        #expect(!shown.contains("hunter2"))
    }

    @Test func readsALocalSection() throws {
        let stream = try PrometheusConfig.parse(
            "stream:\n  kind: local\n  partitions: 4\n  segment_size: 128MB\n  retention_size: 10GB\n  retention_time: 2d\n",
            environment: [:]
        ).stream
        #expect(stream.partitions == 4)
        #expect(stream.segmentSize.bytes == 128 << 20)
        #expect(stream.retentionSize.bytes == 10 << 30)
        #expect(stream.retentionTime == .seconds(2 * 86400))
    }

    /// Malformed sections, as a table: each refused with a message naming the key and the line.
    @Test(arguments: [
        ("stream:\n  kind: pulsar\n", ConfigError.invalid("stream.kind must be \"local\" or \"kafka\", got \"pulsar\"", line: 2)),
        ("stream:\n  kind: kafka\n", .invalid("stream.brokers must list at least one host:port when stream.kind is kafka", line: 2)),
        ("stream:\n  kind: kafka\n  brokers: [kafka]\n", .invalid("stream.brokers: \"kafka\" is not host:port", line: 2)),
        ("stream:\n  kind: kafka\n  brokers: [\"k:99999\"]\n", .invalid("stream.brokers: \"k:99999\" is not host:port", line: 2)),
        ("stream:\n  kind: kafka\n  brokers: [k:9092]\n  topic: a/b\n",
         .invalid("stream.topic \"a/b\" is not a valid Kafka topic name: use 1 to 249 characters of [A-Za-z0-9._-]", line: 2)),
        ("stream:\n  kind: kafka\n  brokers: [k:9092]\n  replication_factor: 0\n",
         .invalid("stream.replication_factor must be at least 1, got 0", line: 2)),
        ("stream:\n  kind: kafka\n  brokers: [k:9092]\n  client: {acks: \"1\"}\n",
         .invalid("stream.client.acks cannot be \"1\": every append waits for all in-sync replicas", line: 2)),
        ("stream:\n  kind: kafka\n  brokers: [k:9092]\n  client: {enable.idempotence: false}\n",
         .invalid("stream.client.enable.idempotence cannot be \"false\": the producer must be idempotent so retries cannot duplicate records", line: 2)),
        ("stream:\n  kind: kafka\n  brokers: [k:9092]\n  client: {bootstrap.servers: \"x:1\"}\n",
         .invalid("stream.client.bootstrap.servers cannot be \"x:1\": set stream.brokers instead", line: 2)),
        ("stream:\n  kind: kafka\n  brokers: [k:9092]\n  client: {ssl: {ca: x}}\n",
         .typeMismatch(found: "!!map", expected: "string", line: 4)),
        ("stream:\n  kind: kafka\n  brokers: [k:9092]\n  record_format: protobuf\n",
         .invalid("stream.record_format must be \"chained\" or \"remote_write_v2\", got \"protobuf\"", line: 4)),
        ("stream:\n  record_format: remote_write_v2\n", .invalid("stream.record_format applies only to kind: kafka (stream.kind is local)", line: 2)),
        ("stream:\n  partitions: 0\n", .invalid("stream.partitions must be between 1 and 10000, got 0", line: 2)),
        ("stream:\n  brokers: [k:9092]\n", .invalid("stream.brokers applies only to kind: kafka (stream.kind is local)", line: 2)),
        ("stream:\n  segment_size: 1KB\n", .invalid("stream.segment_size must be at least 64KiB, got 1KiB", line: 2)),
        ("stream:\n  partitions: many\n", .typeMismatch(found: "!!str `many`", expected: "int", line: 2)),
        ("stream:\n  kafka: {brokers: [k:9092]}\n", .unknownField("kafka", type: "config.StreamConfig", line: 2)),
        ("stream: kafka\n", .typeMismatch(found: "!!str `kafka`", expected: "config.StreamConfig", line: 1)),
    ] as [(String, ConfigError)])
    func malformedSectionsAreRefused(yaml: String, expected: ConfigError) {
        #expect(throws: expected) { try PrometheusConfig.parse(yaml, environment: [:]) }
    }

    @Test(.enabled(if: PharosBinary.path != nil, "needs the pharos binary from swift build"))
    func checkConfigRefusesAMalformedSection() throws {
        let directory = try Fixtures.scratchDirectory()
        let bad = try Fixtures.write("stream:\n  kind: kafka\n  brokers: [k:9092]\n  client: {acks: \"0\"}\n", to: "bad.yml", in: directory)
        let result = try PharosBinary.run(["check", "config", bad])
        #expect(result.status == 1)
        #expect(result.error == "  FAILED: parsing YAML file \(bad): line 2: stream.client.acks cannot be \"0\": every append waits for all in-sync replicas\n")
        let good = try Fixtures.write("stream:\n  kind: kafka\n  brokers: [k:9092]\n  topic: t\n", to: "good.yml", in: directory)
        #expect(try PharosBinary.run(["check", "config", good]).status == 0)
    }
}
