import Config
import Testing

/// `stream.ingesters`: the static membership queriers fan out to (issue 7, docs/cluster.md).
@Suite struct StreamIngestersConfigTests {
    private static let kafka = "stream:\n  kind: kafka\n  brokers: [k:9092]\n  partitions: 2\n"

    @Test func readsIngestersAndTheirPartitions() throws {
        let stream = try PrometheusConfig.parse(Self.kafka + """
              ingesters:
                - {address: "ingester-a:9090", partitions: [0, 1]}
                - address: ingester-b:9090
                  partitions: [1]
            """, environment: [:]).stream
        #expect(stream.ingesters == [StreamIngesterConfig(address: "ingester-a:9090", partitions: [0, 1]),
                                     StreamIngesterConfig(address: "ingester-b:9090", partitions: [1])])
    }

    @Test(arguments: [
        ("  ingesters:\n    - {address: a:1, partitions: [0]}\n",
         ConfigError.invalid("stream.ingesters: partition 1 has no ingester; every partition needs at least one", line: 2)),
        ("  ingesters:\n    - {address: a:1, partitions: [0, 2]}\n",
         .invalid("stream.ingesters: ingester a:1 lists partition 2, but stream.partitions is 2 (partitions are 0...1)", line: 2)),
        ("  ingesters:\n    - {address: a:1, partitions: [0, 1]}\n    - {address: a:1, partitions: [1]}\n",
         .invalid("stream.ingesters: address a:1 is listed twice", line: 2)),
        ("  ingesters:\n    - {address: a, partitions: [0, 1]}\n", .invalid("stream.ingesters: address \"a\" is not host:port", line: 6)),
        ("  ingesters:\n    - {address: a:1, partitions: []}\n", .invalid("stream.ingesters: ingester a:1 lists no partitions", line: 6)),
        ("  ingesters:\n    - {address: a:1, partitions: [0, 0, 1]}\n",
         .invalid("stream.ingesters: ingester a:1 lists a partition twice", line: 6)),
        ("  ingesters:\n    - {address: a:1, partitions: [0, 1], zone: x}\n",
         .unknownField("zone", type: "config.StreamIngesterConfig", line: 6)),
        ("  ingesters:\n    -\n", .invalid("empty or null entry in stream.ingesters", line: 6)),
        ("  ingesters: a:1\n", .typeMismatch(found: "!!str `a:1`", expected: "[]StreamIngesterConfig", line: 5)),
    ] as [(String, ConfigError)])
    func malformedIngestersAreRefused(tail: String, expected: ConfigError) {
        #expect(throws: expected) { try PrometheusConfig.parse(Self.kafka + tail, environment: [:]) }
    }

    @Test func ingestersNeedKafka() {
        #expect(throws: ConfigError.invalid("stream.ingesters applies only to kind: kafka (stream.kind is local)", line: 2)) {
            try PrometheusConfig.parse("stream:\n  ingesters:\n    - {address: a:1, partitions: [0]}\n", environment: [:])
        }
    }
}
