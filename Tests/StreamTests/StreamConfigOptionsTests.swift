import Config
import Testing

@testable import Stream

/// The `stream:` section becomes the options of the log it names.
@Suite struct StreamConfigOptionsTests {
    @Test func localSectionBecomesLocalLogOptions() throws {
        let config = try PrometheusConfig.parse(
            "stream:\n  partitions: 3\n  segment_size: 1MB\n  retention_size: 1GB\n  retention_time: 6h\n", environment: [:]).stream
        let options = LocalLog.Options(config)
        #expect(options.partitionCount == 3)
        #expect(options.segmentBytes == 1 << 20)
        #expect(options.retentionBytes == 1 << 30)
        #expect(options.retentionTime == .seconds(6 * 3600))
        let unlimited = LocalLog.Options(StreamConfig())
        #expect(unlimited.retentionBytes == nil && unlimited.retentionTime == nil)
    }

    @Test func kafkaSectionBecomesKafkaLogOptions() throws {
        let config = try PrometheusConfig.parse("""
            stream: {kind: kafka, partitions: 6, brokers: [a:9092, b:9092], topic: t, replication_factor: 2,
                     client: {linger.ms: 20, compression.type: lz4}}
            """, environment: [:]).stream
        let options = KafkaLog.Options(config)
        #expect(options.brokers == ["a:9092", "b:9092"])
        #expect(options.topic == "t" && options.partitionCount == 6 && options.replicationFactor == 2)
        let producer = Dictionary(options.producerSettings, uniquingKeysWith: { $1 })
        #expect(producer["bootstrap.servers"] == "a:9092,b:9092")
        #expect(producer["linger.ms"] == "20", "client settings override Pharos's defaults")
        #expect(producer["compression.type"] == "lz4")
        #expect(producer["acks"] == "all" && producer["enable.idempotence"] == "true")
        let consumer = Dictionary(options.consumerSettings(group: "g"), uniquingKeysWith: { $1 })
        #expect(consumer["group.id"] == "g" && consumer["enable.auto.commit"] == "false")
    }

    /// librdkafka itself refuses settings it does not know, naming the key.
    @Test func unknownClientSettingIsRefusedByLibrdkafka() {
        let options = KafkaLog.Options(brokers: ["127.0.0.1:9"], topic: "t", partitionCount: 1, replicationFactor: 1,
                                       client: ["no.such.setting": "1"])
        #expect(throws: StreamError.invalidKafkaSetting(key: "no.such.setting", message: "No such configuration property: \"no.such.setting\"")) {
            try KafkaLog(options: options, logger: quietLogger)
        }
    }
}
