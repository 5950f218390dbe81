internal import CRdKafka
internal import Model
internal import Logging
internal import Synchronization

/// Reads one partition of a `KafkaLog`'s topic: a librdkafka consumer assigned that partition
/// at an offset (no subscription, no group rebalancing), polled on a thread of its own.
package final class KafkaLogConsumer: StreamConsumer {
    // The handle is used only from `worker`'s thread, one call at a time.
    private let handle: KafkaHandle
    private let worker: BlockingWorker
    private let context: KafkaClient.Context
    private let closed = Atomic<Bool>(false)
    /// The partition read.
    package let partition: Int

    init(options: KafkaLog.Options, context: KafkaClient.Context, partition: Int, offset: Int64) throws(StreamError) {
        // The group id only names the client to the cluster: this consumer never joins the group
        // nor commits; `KafkaLog.commit` does that for the group the caller names.
        handle = try KafkaClient.makeHandle(
            RD_KAFKA_CONSUMER, settings: options.consumerSettings(group: "pharos-reader"), context: context)
        let list = KafkaClient.partitionList(topic: options.topic, partition: partition, offset: offset)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_assign(handle.pointer, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(handle.pointer)
            throw KafkaClient.error(error)
        }
        self.context = context
        self.partition = partition
        worker = BlockingWorker(name: "pharos-kafka-consumer-\(partition)")
    }

    package func poll(maxRecords: Int, maxWait: Duration) async throws(StreamError) -> [StreamRecord] {
        guard !closed.load(ordering: .acquiring) else { throw .closed }
        let handle = handle, logger = context.logger, partition = partition
        let waitMs = Int32(clamping: maxWait.wholeMilliseconds)
        return try await worker.perform { () -> Result<[StreamRecord], StreamError> in
            var records: [StreamRecord] = []
            var timeout = waitMs
            while records.count < maxRecords, let message = rd_kafka_consumer_poll(handle.pointer, timeout) {
                defer { rd_kafka_message_destroy(message) }
                timeout = 0  // after the first message, take only what is already fetched
                let error = message.pointee.err
                switch error {
                case RD_KAFKA_RESP_ERR_NO_ERROR:
                    let payload = message.pointee.payload.map {
                        Array(UnsafeRawBufferPointer(start: $0, count: message.pointee.len))
                    } ?? []
                    records.append(StreamRecord(offset: message.pointee.offset, payload: payload))
                case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                    continue
                case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
                    return .failure(KafkaClient.error(error))
                default:
                    // Broker and network errors are retried by librdkafka itself: report, go on.
                    logger.warning("kafka consumer error", metadata: [
                        "partition": "\(partition)", "error": "\(KafkaClient.error(error))",
                    ])
                    if records.isEmpty { return .success([]) }
                }
            }
            return .success(records)
        }.get()
    }

    deinit {
        // A consumer dropped without `close()`: release it here (the worker is idle, since a
        // poll in flight keeps the consumer alive).
        if !closed.load(ordering: .acquiring) {
            _ = rd_kafka_consumer_close(handle.pointer)
            rd_kafka_destroy(handle.pointer)
            worker.stop()
        }
    }

    package func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let handle = handle
        await worker.perform {
            _ = rd_kafka_consumer_close(handle.pointer)
            rd_kafka_destroy(handle.pointer)
        }
        worker.stop()
    }
}
