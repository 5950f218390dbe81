package import Config

extension LocalLog.Options {
    /// The options `stream:` (kind `local`) asks for.
    package init(_ config: StreamConfig) {
        self.init()
        partitionCount = config.partitions
        segmentBytes = config.segmentSize.bytes
        retentionBytes = config.retentionSize.bytes > 0 ? config.retentionSize.bytes : nil
        retentionTime = config.retentionTime > .zero ? config.retentionTime : nil
    }
}

extension KafkaLog.Options {
    /// The options `stream:` (kind `kafka`) asks for.
    package init(_ config: StreamConfig) {
        self.init(
            brokers: config.brokers, topic: config.topic, partitionCount: config.partitions,
            replicationFactor: config.replicationFactor, client: config.client)
    }
}
