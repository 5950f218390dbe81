internal import Yams

/// One `stream.ingesters` entry: an ingester queriers read from, and the partitions it consumes
/// (static membership; docs/cluster.md).
///
/// ```yaml
/// stream:
///   ingesters:
///     - address: ingester-0a:9090
///       partitions: [0, 1]
/// ```
package struct StreamIngesterConfig: Sendable, Equatable, YAMLStruct {
    /// `address`: `host:port` of the ingester's HTTP listener (`--web.listen-address`).
    package var address = ""
    /// `partitions`: the partitions the ingester owns (its `--ingester.partitions`).
    package var partitions: [Int] = []

    /// An entry with no address (invalid until both keys are set).
    package init() {}

    /// An entry for `address` owning `partitions`.
    package init(address: String, partitions: [Int]) {
        self.address = address
        self.partitions = partitions
    }

    static var yamlTypeName: String { "config.StreamIngesterConfig" }
    static var yamlFields: [YAMLField<StreamIngesterConfig>] {
        [YAMLField("address", \.address), YAMLField("partitions", \.partitions)]
    }

    static func decodeNull(line: Int) throws(ConfigError) -> StreamIngesterConfig {
        throw .invalid("empty or null entry in stream.ingesters", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        guard StreamConfig.isHostAndPort(address) else {
            throw .invalid("stream.ingesters: address \"\(address)\" is not host:port", line: line)
        }
        guard !partitions.isEmpty else {
            throw .invalid("stream.ingesters: ingester \(address) lists no partitions", line: line)
        }
        guard Set(partitions).count == partitions.count else {
            throw .invalid("stream.ingesters: ingester \(address) lists a partition twice", line: line)
        }
    }
}
