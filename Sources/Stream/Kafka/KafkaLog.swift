internal import CRdKafka
internal import Foundation
internal import Model
package import Logging
internal import Synchronization

/// A `Stream` on a Kafka topic, through Debian's librdkafka.
///
/// - The producer runs with `acks=all` and `enable.idempotence=true` (retries cannot duplicate
///   or reorder records, so records queued on a partition land in the order queued), batches
///   with `linger.ms`/`batch.size`, and an append completes only once the delivery report of
///   every record of the batch came back successful.
/// - Payloads are already zstd frames (`StreamRecordCodec`), so producer compression is off
///   by default: compressing them again costs CPU and saves nothing. Set `compression.type`
///   in `stream.client` to change that.
/// - A dedicated thread serves the producer's callbacks (`rd_kafka_poll`); blocking calls
///   (metadata, watermarks, commits, consumer polls) run on worker threads, never on the
///   Swift concurrency pool.
/// - Consumers are assigned one partition at an offset (`rd_kafka_assign`, no group
///   rebalancing); offsets are committed only when `commit` is called, for the group named.
package final class KafkaLog: Stream {
    /// Where the topic is and how to talk to it.
    package struct Options: Sendable {
        /// `host:port` of bootstrap brokers (`stream.brokers`).
        package var brokers: [String]
        /// The topic (`stream.topic`).
        package var topic: String
        /// Partitions of the topic, used when Pharos creates it (`stream.partitions`).
        package var partitionCount: Int
        /// Replicas of each partition, used when Pharos creates it (`stream.replication_factor`).
        package var replicationFactor: Int
        /// librdkafka settings for every client, applied after Pharos's defaults
        /// (`stream.client`: TLS, SASL, timeouts, ...).
        package var client: [String: String]
        /// How long metadata, watermark and commit requests may take.
        package var requestTimeout: Duration = .seconds(10)

        /// Creates options.
        package init(brokers: [String], topic: String, partitionCount: Int, replicationFactor: Int, client: [String: String] = [:]) {
            self.brokers = brokers
            self.topic = topic
            self.partitionCount = partitionCount
            self.replicationFactor = replicationFactor
            self.client = client
        }

        /// Settings every client gets: the brokers, then `client` (sorted, so the order is stable).
        var commonSettings: [(key: String, value: String)] {
            [("bootstrap.servers", brokers.joined(separator: ",")), ("client.id", "pharos")]
                + client.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }

        /// The producer's settings: durability and batching defaults, then `commonSettings`.
        /// `acks` and `enable.idempotence` are set last again: the config checker refuses
        /// weaker values, and nothing may override them.
        var producerSettings: [(key: String, value: String)] {
            // message.timeout.ms: an append fails after 30 s without acknowledgement (librdkafka's
            // default is 5 minutes), the timeout remote-write senders use for a request.
            [("linger.ms", "5"), ("batch.size", "1000000"), ("compression.type", "none"), ("message.timeout.ms", "30000")]
                + commonSettings
                + [("acks", "all"), ("enable.idempotence", "true")]
        }

        /// A consumer's settings: no automatic commits or offset stores, and an error rather than
        /// a silent jump when an offset is gone.
        func consumerSettings(group: String) -> [(key: String, value: String)] {
            [("group.id", group), ("auto.offset.reset", "error")] + commonSettings
                + [("enable.auto.commit", "false"), ("enable.auto.offset.store", "false")]
        }
    }

    /// The options in force.
    package let options: Options
    private let context: KafkaClient.Context
    private let producer: KafkaHandle
    private let topicHandle: KafkaHandle
    private let worker: BlockingWorker
    private let pollThread: KafkaPollThread
    /// Committing clients, one per consumer group, made on first use.
    private let committers = Mutex<[String: KafkaHandle]>([:])
    private let isClosed = Atomic<Bool>(false)

    /// Connects a producer to `options.brokers`. Nothing is sent until the first call. Call
    /// `close()` when done: it stops the client's threads.
    /// - Throws: `.invalidKafkaSetting` for a `stream.client` setting librdkafka refuses.
    package init(options: Options, logger: Logger) throws(StreamError) {
        self.options = options
        context = KafkaClient.Context(logger: logger)
        producer = try KafkaClient.makeHandle(RD_KAFKA_PRODUCER, settings: options.producerSettings, context: context) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                guard let message, let opaque = message.pointee._private else { return }
                let ticket = Unmanaged<DeliveryTicket>.fromOpaque(opaque).takeRetainedValue()
                let error = message.pointee.err
                ticket.batch.delivered(
                    index: ticket.index, result: error == RD_KAFKA_RESP_ERR_NO_ERROR ? .success(message.pointee.offset) : .failure(KafkaClient.error(error)))
            }
        }
        guard let topicHandle = rd_kafka_topic_new(producer.pointer, options.topic, nil) else {
            let error = KafkaClient.error(rd_kafka_last_error())
            rd_kafka_destroy(producer.pointer)
            throw error
        }
        self.topicHandle = KafkaHandle(pointer: topicHandle)
        worker = BlockingWorker(name: "pharos-kafka-admin")
        pollThread = KafkaPollThread(handle: producer.pointer)
    }

    /// Waits for outstanding deliveries (up to the request timeout), then closes every client.
    package func close() async {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let timeoutMs = Int32(clamping: options.requestTimeout.wholeMilliseconds)
        let producer = producer, topicHandle = topicHandle, committers = committers.withLock { $0 }
        await worker.perform {
            _ = rd_kafka_flush(producer.pointer, timeoutMs)
            for committer in committers.values {
                _ = rd_kafka_consumer_close(committer.pointer)
                rd_kafka_destroy(committer.pointer)
            }
        }
        await pollThread.stop()
        rd_kafka_topic_destroy(topicHandle.pointer)
        rd_kafka_destroy(producer.pointer)
        worker.stop()
    }

    private var timeoutMs: Int32 { Int32(clamping: options.requestTimeout.wholeMilliseconds) }

    private func checkOpen() throws(StreamError) {
        guard !isClosed.load(ordering: .acquiring) else { throw .closed }
    }

    // MARK: Stream

    package func partitions() async throws(StreamError) -> [StreamPartitionInfo] {
        try checkOpen()
        let count = try await partitionCount()
        let producer = producer, topic = options.topic, timeoutMs = timeoutMs
        return try await worker.perform { () -> Result<[StreamPartitionInfo], StreamError> in
            var infos: [StreamPartitionInfo] = []
            for partition in 0..<count {
                var low: Int64 = 0, high: Int64 = 0
                let error = rd_kafka_query_watermark_offsets(producer.pointer, topic, Int32(partition), &low, &high, timeoutMs)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaClient.error(error)) }
                infos.append(StreamPartitionInfo(id: partition, startOffset: low, endOffset: high))
            }
            return .success(infos)
        }.get()
    }

    /// The topic's partition count from the cluster's metadata.
    /// - Throws: `.kafka` with `UNKNOWN_TOPIC_OR_PART` when the topic does not exist.
    func partitionCount() async throws(StreamError) -> Int {
        let producer = producer, topicHandle = topicHandle, timeoutMs = timeoutMs
        return try await worker.perform { () -> Result<Int, StreamError> in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let error = rd_kafka_metadata(producer.pointer, 0, topicHandle.pointer, &metadata, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { return .failure(KafkaClient.error(error)) }
            defer { rd_kafka_metadata_destroy(metadata) }
            guard metadata.pointee.topic_cnt == 1, let topic = metadata.pointee.topics else {
                return .failure(KafkaClient.error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART))
            }
            guard topic.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaClient.error(topic.pointee.err)) }
            return .success(Int(topic.pointee.partition_cnt))
        }.get()
    }

    /// Checks that the topic exists with `options.partitionCount` partitions; run it before
    /// serving, so a missing or mis-sized topic stops startup with a clear message.
    /// - Throws: `.topicMissing`, or `.partitionCountMismatch` with the topic's actual count.
    package func checkTopic() async throws(StreamError) {
        try checkOpen()
        let count: Int
        do throws(StreamError) {
            count = try await partitionCount()
        } catch .kafka(let code, _) where code == "UNKNOWN_TOPIC_OR_PART" || code == "_UNKNOWN_TOPIC" {
            throw .topicMissing(topic: options.topic, partitions: options.partitionCount, replicationFactor: options.replicationFactor)
        }
        guard count == options.partitionCount else {
            throw .partitionCountMismatch(found: count, configured: options.partitionCount, path: "kafka topic \(options.topic)")
        }
    }

    package func enqueue(_ payloads: [[UInt8]], to partition: Int,
                         completion: @escaping @Sendable (Result<[Int64], StreamError>) -> Void) {
        do throws(StreamError) {
            try checkOpen()
            guard (0..<options.partitionCount).contains(partition) else {
                throw .noSuchPartition(partition, count: options.partitionCount)
            }
        } catch {
            return completion(.failure(error))
        }
        guard !payloads.isEmpty else { return completion(.success([])) }
        produce(payloads.map { (partition, $0) }, completion: completion)
    }

    /// Produces `records` and calls `completion` once, with their offsets in order, when the
    /// delivery report of every one came back (on the poll thread), or with the first failure.
    private func produce(_ records: [(partition: Int, payload: [UInt8])],
                         completion: @escaping @Sendable (Result<[Int64], StreamError>) -> Void) {
        let topicHandle = topicHandle
        let batch = DeliveryBatch(count: records.count, completion: completion)
        for (index, record) in records.enumerated() {
            let ticket = Unmanaged.passRetained(DeliveryTicket(batch: batch, index: index)).toOpaque()
            // RD_KAFKA_MSG_F_COPY: librdkafka copies the payload, so the array may go.
            let status = record.payload.withUnsafeBytes { bytes in
                rd_kafka_produce(topicHandle.pointer, Int32(record.partition), RD_KAFKA_MSG_F_COPY,
                                 UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count, nil, 0, ticket)
            }
            if status != 0 {
                // Not queued: no delivery report will come for this one or the rest.
                Unmanaged<DeliveryTicket>.fromOpaque(ticket).release()
                let error = KafkaClient.error(rd_kafka_last_error())
                for rest in index..<records.count { batch.delivered(index: rest, result: .failure(error)) }
                break
            }
        }
    }

    package func consumer(partition: Int, from offset: Int64) async throws(StreamError) -> KafkaLogConsumer {
        try checkOpen()
        guard (0..<options.partitionCount).contains(partition) else {
            throw .noSuchPartition(partition, count: options.partitionCount)
        }
        return try KafkaLogConsumer(options: options, context: context, partition: partition, offset: offset)
    }

    package func commit(_ offset: Int64, partition: Int, group: String) async throws(StreamError) {
        try checkOpen()
        try StreamError.checkGroup(group)
        let committer = try committer(group: group), topic = options.topic
        try await worker.perform { () -> Result<Void, StreamError> in
            let list = KafkaClient.partitionList(topic: topic, partition: partition, offset: offset)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_commit(committer.pointer, list, 0)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaClient.error(error)) }
            let entryError = list.pointee.elems[0].err
            guard entryError == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaClient.error(entryError)) }
            return .success(())
        }.get()
    }

    package func committedOffset(partition: Int, group: String) async throws(StreamError) -> Int64? {
        try checkOpen()
        try StreamError.checkGroup(group)
        let committer = try committer(group: group), topic = options.topic, timeoutMs = timeoutMs
        return try await worker.perform { () -> Result<Int64?, StreamError> in
            let list = KafkaClient.partitionList(topic: topic, partition: partition, offset: Int64(RD_KAFKA_OFFSET_INVALID))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_committed(committer.pointer, list, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaClient.error(error)) }
            let entry = list.pointee.elems[0]
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaClient.error(entry.err)) }
            return .success(entry.offset == Int64(RD_KAFKA_OFFSET_INVALID) ? nil : entry.offset)
        }.get()
    }

    /// The client that commits for `group` (a consumer handle that never subscribes).
    private func committer(group: String) throws(StreamError) -> KafkaHandle {
        try committers.withLock { committers throws(StreamError) in
            if let existing = committers[group] { return existing }
            let handle = try KafkaClient.makeHandle(RD_KAFKA_CONSUMER, settings: options.consumerSettings(group: group), context: context)
            committers[group] = handle
            return handle
        }
    }
}

/// The records of one `append`: their offsets as delivery reports arrive, and what to call
/// when the last one has.
final class DeliveryBatch: Sendable {
    private struct State {
        var offsets: [Int64]
        var remaining: Int
        var failure: StreamError?
        var completion: (@Sendable (Result<[Int64], StreamError>) -> Void)?
    }
    private let state: Mutex<State>

    init(count: Int, completion: @escaping @Sendable (Result<[Int64], StreamError>) -> Void) {
        state = Mutex(State(offsets: [Int64](repeating: -1, count: count), remaining: count, completion: completion))
    }

    /// Records the report of record `index`; calls the completion after the last one.
    func delivered(index: Int, result: Result<Int64, StreamError>) {
        let finished = state.withLock { state -> (@Sendable (Result<[Int64], StreamError>) -> Void, Result<[Int64], StreamError>)? in
            switch result {
            case .success(let offset): state.offsets[index] = offset
            case .failure(let error): if state.failure == nil { state.failure = error }
            }
            state.remaining -= 1
            guard state.remaining == 0, let completion = state.completion else { return nil }
            state.completion = nil
            return (completion, state.failure.map { .failure($0) } ?? .success(state.offsets))
        }
        if let finished { finished.0(finished.1) }
    }
}

/// What a produced message carries to its delivery report: its batch and place in it.
final class DeliveryTicket: Sendable {
    let batch: DeliveryBatch
    let index: Int
    init(batch: DeliveryBatch, index: Int) {
        self.batch = batch
        self.index = index
    }
}

/// Serves a producer's delivery reports and logs: `rd_kafka_poll` in a loop on its own thread.
final class KafkaPollThread: @unchecked Sendable {
    // @unchecked: `handle` is thread-safe in librdkafka; `running` is atomic; `finished` is
    // guarded by `condition`.
    private let handle: OpaquePointer
    private let running = Atomic<Bool>(true)
    private let condition = NSCondition()
    private var finished = false

    init(handle: OpaquePointer) {
        self.handle = handle
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) { _ = rd_kafka_poll(self.handle, 100) }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "pharos-kafka-poll"
        thread.start()
    }

    /// Ends the loop (within one 100 ms poll) and waits for it, off the cooperative pool.
    func stop() async {
        running.store(false, ordering: .releasing)
        let worker = BlockingWorker(name: "pharos-kafka-stop")
        await worker.perform { [self] in
            condition.lock()
            while !finished { condition.wait() }
            condition.unlock()
        }
        worker.stop()
    }
}
