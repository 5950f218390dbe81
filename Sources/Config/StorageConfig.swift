internal import Yams

/// `storage`: the runtime-reloadable TSDB and exemplar settings.
package struct StorageConfig: Sendable, Equatable, YAMLStruct {
    /// `tsdb`.
    package var tsdb = TSDBConfig()
    /// `exemplars`.
    package var exemplars = ExemplarsConfig()

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "config.StorageConfig" }
    static var yamlFields: [YAMLField<StorageConfig>] {
        [YAMLField("tsdb", \.tsdb), YAMLField("exemplars", \.exemplars)]
    }
}

/// `storage.tsdb`.
package struct TSDBConfig: Sendable, Equatable, YAMLStruct {
    /// `out_of_order_time_window`: how far back out-of-order samples are accepted; 0 refuses them.
    package var outOfOrderTimeWindow: Duration = .zero
    /// `stale_series_compaction_threshold`: fraction of stale head series that triggers compaction.
    package var staleSeriesCompactionThreshold: Double = 0
    /// `chunk_encoding.floats`: `xor`, `xor2` or empty.
    package var floatChunkEncoding = ""
    /// `retention`.
    package var retention = Retention()

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "config.TSDBConfig" }
    static var yamlFields: [YAMLField<TSDBConfig>] {
        [
            YAMLField("out_of_order_time_window", \.outOfOrderTimeWindow),
            YAMLField("stale_series_compaction_threshold", \.staleSeriesCompactionThreshold),
            YAMLField("chunk_encoding", \.chunkEncoding), YAMLField("retention", \.retention),
        ]
    }

    private var chunkEncoding: ChunkEncoding {
        get { ChunkEncoding(floats: floatChunkEncoding) }
        set { floatChunkEncoding = newValue.floats }
    }

    mutating func validate(line: Int) throws(ConfigError) {
        if !["", "xor", "xor2"].contains(floatChunkEncoding) {
            throw .invalid("'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got \"\(floatChunkEncoding)\"", line: line)
        }
    }

    /// `storage.tsdb.chunk_encoding`.
    struct ChunkEncoding: YAMLStruct, Equatable {
        var floats = ""
        init() {}
        init(floats: String) { self.floats = floats }
        static var yamlTypeName: String { "config.ChunkEncodingConfig" }
        static var yamlFields: [YAMLField<ChunkEncoding>] { [YAMLField("floats", \.floats)] }
    }

    /// `storage.tsdb.retention`: limits that override the command-line flags.
    package struct Retention: Sendable, Equatable, YAMLStruct {
        /// `time`; 0 leaves it to the flag.
        package var time: Duration = .zero
        /// `size`; 0 leaves it to the flag.
        package var size = ByteSize(bytes: 0)
        /// `percentage` of the disk; 0 leaves it to the flag.
        package var percentage: Double = 0

        /// No override.
        package init() {}

        static var yamlTypeName: String { "config.TSDBRetentionConfig" }
        static var yamlFields: [YAMLField<Retention>] {
            [YAMLField("time", \.time), YAMLField("size", \.size), YAMLField("percentage", \.percentage)]
        }

        mutating func validate(line: Int) throws(ConfigError) {
            if size.bytes < 0 {
                throw .invalid("'storage.tsdb.retention.size' must be greater than or equal to 0, got \(size.prometheusString)", line: line)
            }
            if percentage < 0 || percentage > 100 {
                throw .invalid("'storage.tsdb.retention.percentage' must be in the range [0, 100], got \(percentage)", line: line)
            }
        }
    }
}

/// `storage.exemplars`.
package struct ExemplarsConfig: Sendable, Equatable, YAMLStruct {
    /// `max_exemplars`: the size of the exemplar ring buffer; 100000. 0 or less disables it.
    package var maxExemplars: Int = 100_000

    /// The defaults.
    package init() {}

    static var yamlTypeName: String { "config.ExemplarsConfig" }
    static var yamlFields: [YAMLField<ExemplarsConfig>] { [YAMLField("max_exemplars", \.maxExemplars)] }
}
