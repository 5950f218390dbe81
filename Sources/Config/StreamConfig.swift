internal import Yams

/// `stream`: Pharos's own top-level section (Prometheus has none): the durable log between
/// producers and ingesters (docs/stream.md).
///
/// ```yaml
/// stream:
///   kind: kafka              # local (default) | kafka
///   partitions: 12
///   brokers: [kafka-1:9092, kafka-2:9092]
///   topic: pharos-samples
///   replication_factor: 3
///   record_format: chained   # chained (default) | remote_write_v2
///   ingester_client:         # queriers' and the ruler's requests to ingesters
///     scheme: https
///     tls_config: {ca_file: ca.pem}
///   client:                  # librdkafka settings, passed through (TLS, SASL, timeouts)
///     security.protocol: sasl_ssl
///     sasl.mechanism: SCRAM-SHA-512
/// ```
package struct StreamConfig: Sendable, Equatable, YAMLStruct {
    /// Which log implements the stream.
    package enum Kind: String, Sendable, Equatable, CaseIterable {
        /// `LocalLog`: segment files in the data directory.
        case local
        /// `KafkaLog`: a Kafka topic.
        case kafka
    }

    /// `kind`.
    package var kind = Kind.local
    /// `partitions`: how many partitions series are spread over.
    package var partitions = 1
    /// `segment_size` (local): the size at which a segment file is sealed.
    package var segmentSize = ByteSize(bytes: 64 << 20)
    /// `retention_size` (local): per partition; 0 keeps everything.
    package var retentionSize = ByteSize(bytes: 0)
    /// `retention_time` (local): sealed segments older than this are deleted; 0 keeps them.
    package var retentionTime: Duration = .zero
    /// `brokers` (kafka): bootstrap brokers, `host:port`.
    package var brokers: [String] = []
    /// `topic` (kafka).
    package var topic = "pharos"
    /// `replication_factor` (kafka): replicas per partition when Pharos creates the topic.
    package var replicationFactor = 3
    /// `client` (kafka): librdkafka configuration properties, applied after Pharos's defaults.
    package var client: [String: String] = [:]
    /// `record_format` (kafka): how distributors encode records.
    package var recordFormat = StreamRecordFormat.chained
    /// `ingester_client`: how queriers and the ruler reach the ingesters (scheme, TLS, credentials).
    package var ingesterClient = StreamIngesterClientConfig()
    /// `ingesters`: the ingesters and the partitions each owns, for queriers (static
    /// membership; docs/cluster.md). Empty unless a querier runs.
    package var ingesters: [StreamIngesterConfig] = []

    /// The defaults: a local log with one partition.
    package init() {}

    /// The librdkafka properties Pharos sets itself and `client` must not change, with why.
    static let reservedClientSettings: [String: (allowed: Set<String>, reason: String)] = [
        "bootstrap.servers": ([], "set stream.brokers instead"),
        "metadata.broker.list": ([], "set stream.brokers instead"),
        "group.id": ([], "Pharos names its consumer groups itself"),
        "acks": (["all", "-1"], "every append waits for all in-sync replicas"),
        "request.required.acks": (["all", "-1"], "every append waits for all in-sync replicas"),
        "enable.idempotence": (["true"], "the producer must be idempotent so retries cannot duplicate records"),
        "enable.auto.commit": (["false"], "offsets are committed only after the ingester persisted the data"),
        "enable.auto.offset.store": (["false"], "offsets are committed only after the ingester persisted the data"),
    ]

    /// `client` keys whose values are shown as `<secret>` by the status API.
    static func isSecretClientSetting(_ key: String) -> Bool {
        key.hasSuffix(".password") || key.hasSuffix(".secret") || key == "ssl.key.pem" || key == "sasl.oauthbearer.config"
    }

    /// Whether `name` is a legal Kafka topic or group name: 1 to 249 characters of
    /// `[A-Za-z0-9._-]`, not `.` or `..` (Kafka's `Topic.validate`); such names are safe file names.
    package static func isLegalKafkaName(_ name: String) -> Bool {
        let legal = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return legal && (1...249).contains(name.utf8.count) && name != "." && name != ".."
    }

    static var yamlTypeName: String { "config.StreamConfig" }
    static var yamlFields: [YAMLField<StreamConfig>] {
        [
            .oneOf("kind", \.kind, section: "stream"),
            YAMLField("partitions", \.partitions), YAMLField("segment_size", \.segmentSize),
            YAMLField("retention_size", \.retentionSize), YAMLField("retention_time", \.retentionTime),
            YAMLField("brokers", \.brokers), YAMLField("topic", \.topic),
            YAMLField("replication_factor", \.replicationFactor),
            YAMLField("ingesters", \.ingesters), YAMLField("ingester_client", \.ingesterClient),
            .oneOf("record_format", \.recordFormat, section: "stream"),
            YAMLField(
                key: "client",
                decode: { (config: inout StreamConfig, node: Node, _: Node) throws(ConfigError) in
                    config.client = try [String: String].decode(node)
                },
                encode: { config in
                    guard !config.client.isEmpty else { return nil }
                    let shown = Dictionary(uniqueKeysWithValues: config.client.map { key, value in
                        (key, isSecretClientSetting(key) ? "<secret>" : value)
                    })
                    return shown.encode()
                }),
        ]
    }

    /// Whether `text` is `host:port` with a port in 1...65535.
    static func isHostAndPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), !text[..<colon].isEmpty,
            let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { return false }
        return true
    }

    mutating func validate(line: Int) throws(ConfigError) {
        guard (1...10_000).contains(partitions) else {
            throw .invalid("stream.partitions must be between 1 and 10000, got \(partitions)", line: line)
        }
        try validateIngesters(line: line)
        switch kind {
        case .local:
            for (key, isSet) in [("brokers", !brokers.isEmpty), ("client", !client.isEmpty), ("record_format", recordFormat != .chained)] where isSet {
                throw .invalid("stream.\(key) applies only to kind: kafka (stream.kind is local)", line: line)
            }
            guard segmentSize.bytes >= 64 << 10 else {
                throw .invalid("stream.segment_size must be at least 64KiB, got \(segmentSize.prometheusString)", line: line)
            }
            guard retentionSize.bytes >= 0, retentionTime >= .zero else {
                throw .invalid("stream.retention_size and stream.retention_time must not be negative", line: line)
            }
        case .kafka:
            guard !brokers.isEmpty else {
                throw .invalid("stream.brokers must list at least one host:port when stream.kind is kafka", line: line)
            }
            for broker in brokers where !Self.isHostAndPort(broker) {
                throw .invalid("stream.brokers: \"\(broker)\" is not host:port", line: line)
            }
            guard Self.isLegalKafkaName(topic) else {
                throw .invalid("stream.topic \"\(topic)\" is not a valid Kafka topic name: use 1 to 249 characters of [A-Za-z0-9._-]", line: line)
            }
            guard replicationFactor >= 1 else {
                throw .invalid("stream.replication_factor must be at least 1, got \(replicationFactor)", line: line)
            }
            for (key, value) in client.sorted(by: { $0.key < $1.key }) {
                guard !key.isEmpty else { throw .invalid("stream.client: empty setting name", line: line) }
                if let reserved = Self.reservedClientSettings[key], !reserved.allowed.contains(value.lowercased()) {
                    throw .invalid("stream.client.\(key) cannot be \"\(value)\": \(reserved.reason)", line: line)
                }
            }
        }
    }
}

extension StreamConfig {
    /// Checks `ingesters`: partitions in range, each address once, and every partition owned
    /// by at least one ingester (a querier could not answer for a partition without one).
    func validateIngesters(line: Int) throws(ConfigError) {
        guard !ingesters.isEmpty else { return }
        guard kind == .kafka else {
            throw .invalid("stream.ingesters applies only to kind: kafka (stream.kind is local)", line: line)
        }
        var addresses = Set<String>()
        var owned = Set<Int>()
        for ingester in ingesters {
            guard addresses.insert(ingester.address).inserted else {
                throw .invalid("stream.ingesters: address \(ingester.address) is listed twice", line: line)
            }
            for partition in ingester.partitions {
                guard (0..<partitions).contains(partition) else {
                    throw .invalid("stream.ingesters: ingester \(ingester.address) lists partition \(partition), but stream.partitions is \(partitions) (partitions are 0...\(partitions - 1))", line: line)
                }
                owned.insert(partition)
            }
        }
        if let missing = (0..<partitions).first(where: { !owned.contains($0) }) {
            throw .invalid("stream.ingesters: partition \(missing) has no ingester; every partition needs at least one", line: line)
        }
    }
}

/// How distributors encode stream records (`stream.record_format`, docs/stream.md).
package enum StreamRecordFormat: String, Sendable, Equatable, CaseIterable {
    /// Chained records: a series' labels once per chain, timestamps and values as deltas of the
    /// chain's previous ones (format 2). A restarted ingester reads back to the oldest chain
    /// start it still needs (at most a few minutes).
    case chained
    /// Self-contained records: a Remote-Write 2.0 request in a zstd frame each (format 1).
    case remoteWriteV2 = "remote_write_v2"
}
