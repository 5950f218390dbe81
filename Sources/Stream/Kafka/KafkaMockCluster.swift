internal import CRdKafka

/// librdkafka's mock cluster (`rdkafka_mock.h`): Kafka brokers inside this process that speak
/// the real Kafka protocol on loopback TCP, for tests and benchmarks where no broker can be
/// installed. Any Kafka client (`KafkaLog`, `kcat`, another process) can connect to
/// `bootstraps`. Not for production: data lives in memory.
package final class KafkaMockCluster: @unchecked Sendable {
    // @unchecked: the mock cluster's functions are thread-safe (they post to its own thread).
    private let owner: OpaquePointer
    private let cluster: OpaquePointer
    /// `host:port,...` of the brokers, for `bootstrap.servers` (or `KafkaLog.Options.brokers`).
    package let bootstraps: String

    /// Starts `brokers` brokers (ids 1...brokers) on ephemeral loopback ports.
    /// - Throws: `StreamError.kafka` when librdkafka cannot start them.
    package init(brokers: Int = 3) throws(StreamError) {
        let conf = rd_kafka_conf_new()
        var error = [CChar](repeating: 0, count: 256)
        // The owning handle only hosts the cluster; keep its own logging quiet.
        _ = rd_kafka_conf_set(conf, "log_level", "0", &error, error.count)
        guard let owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
            throw .kafka(code: "_INVALID_ARG", message: KafkaClient.text(error))
        }
        guard let cluster = rd_kafka_mock_cluster_new(owner, Int32(brokers)) else {
            rd_kafka_destroy(owner)
            throw .kafka(code: "_FAIL", message: "rd_kafka_mock_cluster_new failed")
        }
        self.owner = owner
        self.cluster = cluster
        bootstraps = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// Creates `topic` with `partitions` partitions of `replicationFactor` replicas.
    package func createTopic(_ topic: String, partitions: Int, replicationFactor: Int) throws(StreamError) {
        let error = rd_kafka_mock_topic_create(cluster, topic, Int32(partitions), Int32(replicationFactor))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaClient.error(error) }
    }

    /// Makes metadata requests for `topic` answer `UNKNOWN_TOPIC_OR_PART`, as a real cluster
    /// with `auto.create.topics.enable=false` answers for a topic that does not exist (the mock
    /// cluster otherwise creates any topic asked for).
    package func answerUnknownTopic(_ topic: String) {
        rd_kafka_mock_topic_set_error(cluster, topic, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    }

    /// Makes `broker` the leader of `partition` of `topic`; `nil` leaves the partition without
    /// a leader (produce requests fail and are retried until `message.timeout.ms`).
    package func setLeader(topic: String, partition: Int, broker: Int?) {
        _ = rd_kafka_mock_partition_set_leader(cluster, topic, Int32(partition), Int32(broker ?? -1))
    }

    /// Takes `broker` down for good: its connections close and new ones are refused. librdkafka
    /// 2.0 closes the listener and binds the same port again at once, and aborts the process (an
    /// `assert`) if that bind fails (another socket took the port in between; seen once in a
    /// parallel test run): use it only where a broker must really go down, prefer
    /// `setLeader(broker: nil)` to make appends fail. There is deliberately no way back up
    /// (`rd_kafka_mock_broker_set_up` asserts on the same listener).
    package func setDown(broker: Int) { _ = rd_kafka_mock_broker_set_down(cluster, Int32(broker)) }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }
}
