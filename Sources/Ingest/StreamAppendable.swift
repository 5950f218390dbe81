package import Config
package import Exposition
package import Model
package import Stream
internal import Dispatch
internal import Synchronization

/// The distributor's sink: batches from producers (the remote-write receiver, scrape loops, the
/// Pushgateway's ingester) become stream records, one or more per partition, and a batch is
/// committed only once the stream acknowledged every record of it (`acks=all` for Kafka).
///
/// Each series goes to `partitioner.partition(of:)` of its labels. Records hold at most
/// `maxSamplesPerRecord` samples, well under Kafka's default 1 MB message limit after
/// compression. By default records are chained (`ChainedRecordFormat`: labels once per
/// chain, timestamps and values as deltas of the chain's previous ones; one chain per
/// partition shared by every batch of this sink); `.remoteWriteV2` writes self-contained records.
/// Samples are not checked against stored data here: out-of-order or duplicate
/// samples are dropped by the ingesters' TSDB (docs/cluster.md).
package struct StreamAppendable<Log: Stream>: SampleAppendable {
    /// Where records go.
    package let stream: Log
    /// Maps a series to its partition.
    package let partitioner: StreamPartitioner
    /// How records are encoded.
    package let recordFormat: StreamRecordFormat
    /// The most samples one record carries.
    package var maxSamplesPerRecord = 20_000
    /// The wall clock (ms) chains are dated by.
    package var clock: @Sendable () -> Int64 = ChainedRecordFormat.wallClockMs
    /// The chain of each partition (chained records only).
    private let chains: [ChainedPartitionWriter]

    /// A sink appending to `stream`, partitioned by `partitioner`, in `recordFormat`; chains
    /// last `chainMaxAgeMs`.
    package init(stream: Log, partitioner: StreamPartitioner, recordFormat: StreamRecordFormat = .chained,
                 chainMaxAgeMs: Int64 = ChainedRecordFormat.defaultMaxAgeMs) {
        self.stream = stream
        self.partitioner = partitioner
        self.recordFormat = recordFormat
        chains = recordFormat == .chained ? (0..<partitioner.partitionCount).map { _ in ChainedPartitionWriter(maxAgeMs: chainMaxAgeMs) } : []
    }

    package func makeAppender() -> any SampleAppender & ~Copyable {
        StreamAppender(stream: stream, partitioner: partitioner, chains: chains, maxSamplesPerRecord: maxSamplesPerRecord, clock: clock)
    }
}

/// One batch on its way to the stream: a `RemoteWriteBatch` per partition being filled, and the
/// full ones waiting for the commit.
struct StreamAppender<Log: Stream>: SampleAppender {
    let stream: Log
    let partitioner: StreamPartitioner
    let chains: [ChainedPartitionWriter]
    let maxSamplesPerRecord: Int
    let clock: @Sendable () -> Int64
    /// The record being filled for each partition.
    private var filling: [RemoteWriteBatch]
    /// Full records, with their partitions, in the order they filled.
    private var full: [(partition: Int, batch: RemoteWriteBatch)] = []
    /// The last series appended and its partition, so its next samples extend it.
    private var last: (labels: Labels, partition: Int)?
    private var sampleCount = 0

    init(stream: Log, partitioner: StreamPartitioner, chains: [ChainedPartitionWriter], maxSamplesPerRecord: Int,
         clock: @escaping @Sendable () -> Int64) {
        self.stream = stream
        self.clock = clock
        self.partitioner = partitioner
        self.chains = chains
        self.maxSamplesPerRecord = maxSamplesPerRecord
        filling = Array(repeating: RemoteWriteBatch(), count: partitioner.partitionCount)
    }

    mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double) throws(AppendError) -> UInt64 {
        try append(ref: ref, labels: labels, timestamp: timestamp, value: value, startTimestamp: 0)
    }

    /// Start timestamps travel in `remote_write_v2` records; chained records drop them.
    mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double,
                         startTimestamp: Int64) throws(AppendError) -> UInt64 {
        guard !labels.isEmpty else { throw AppendError(.invalid, "empty label set") }
        let sample = Sample(timestampMs: timestamp, value: value)
        if let last, last.labels == labels, filling[last.partition].timestampsMs.count < maxSamplesPerRecord,
           !filling[last.partition].labels.isEmpty {
            extendLastSeries(of: last.partition, with: sample, startTimestamp: startTimestamp)
        } else {
            let partition = if let last, last.labels == labels { last.partition } else { partitioner.partition(of: labels) }
            if filling[partition].timestampsMs.count >= maxSamplesPerRecord {
                full.append((partition, filling[partition]))
                filling[partition] = RemoteWriteBatch()
            }
            filling[partition].appendSeries(labels, samples: CollectionOfOne(sample), startTimestampMs: startTimestamp)
            last = (labels, partition)
        }
        sampleCount += 1
        return 0
    }

    /// Adds `sample` to the newest series of partition `partition`'s record.
    private mutating func extendLastSeries(of partition: Int, with sample: Sample, startTimestamp: Int64) {
        filling[partition].timestampsMs.append(sample.timestampMs)
        filling[partition].values.append(sample.value)
        filling[partition].startTimestampsMs.append(startTimestamp)
        let series = filling[partition].sampleRanges.count - 1
        filling[partition].sampleRanges[series] = filling[partition].sampleRanges[series].lowerBound..<filling[partition].timestampsMs.count
    }

    /// Waits for the stream's acknowledgement by blocking the thread, for synchronous producers
    /// (the rule evaluator): the acknowledgement comes on the stream's own thread, so the wait
    /// needs no other thread of the concurrency pool. Async code calls `commitBatchAsync`.
    mutating func commitBatch() throws(AppendError) -> Int {
        let (count, records) = takeRecords()
        guard count > 0 else { return 0 }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<StreamError?>(nil)
        append(records) { failure in
            outcome.withLock { $0 = failure }
            done.signal()
        }
        done.wait()
        if let failure = outcome.withLock({ $0 }) { throw AppendError(.storage, "stream append failed: \(failure)") }
        return count
    }

    mutating func commitBatchAsync() async throws(AppendError) -> Int {
        let (count, records) = takeRecords()
        guard count > 0 else { return 0 }
        let failure = await withCheckedContinuation { (continuation: CheckedContinuation<StreamError?, Never>) in
            append(records) { continuation.resume(returning: $0) }
        }
        if let failure { throw AppendError(.storage, "stream append failed: \(failure)") }
        return count
    }

    /// Encodes and queues `records` (by partition) and calls `completion` once, with the first
    /// failure or `nil` when every record is durable.
    private func append(_ records: [[RemoteWriteBatch]], completion: @escaping @Sendable (StreamError?) -> Void) {
        let partitions = records.indices.filter { !records[$0].isEmpty }
        let join = CompletionJoin(count: partitions.count) { result in
            if case .failure(let error) = result { completion(error) } else { completion(nil) }
        }
        let nowMs = clock()
        var codec = StreamRecordCodec()
        for partition in partitions {
            if chains.isEmpty {
                stream.enqueue(records[partition].map { codec.encode($0) }, to: partition) { join.report($0.map { _ in () }) }
            } else {
                chains[partition].append(records[partition], to: stream, partition: partition, nowMs: nowMs, completion: join.report)
            }
        }
    }

    /// The batch's records by partition and its sample count; empties the batch.
    private mutating func takeRecords() -> (count: Int, records: [[RemoteWriteBatch]]) {
        var records = [[RemoteWriteBatch]](repeating: [], count: partitioner.partitionCount)
        for (partition, batch) in full { records[partition].append(batch) }
        for (partition, batch) in filling.enumerated() where !batch.labels.isEmpty { records[partition].append(batch) }
        let count = sampleCount
        rollback()
        return (count, records)
    }

    mutating func rollback() {
        for index in filling.indices where !filling[index].labels.isEmpty { filling[index] = RemoteWriteBatch() }
        full = []
        last = nil
        sampleCount = 0
    }
}
