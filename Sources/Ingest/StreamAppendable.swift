package import Exposition
package import Model
package import Stream

/// The distributor's sink: batches from producers (the remote-write receiver, scrape loops, the
/// Pushgateway's ingester) become stream records, one or more per partition, and a batch is
/// committed only once the stream acknowledged every record of it (`acks=all` for Kafka).
///
/// Each series goes to `partitioner.partition(of:)` of its labels. Records hold at most
/// `maxSamplesPerRecord` samples, well under Kafka's default 1 MB message limit after
/// compression. Samples are not checked against stored data here: out-of-order or duplicate
/// samples are dropped by the ingesters' TSDB (docs/cluster.md).
package struct StreamAppendable<Log: Stream>: SampleAppendable {
    /// Where records go.
    package let stream: Log
    /// Maps a series to its partition.
    package let partitioner: StreamPartitioner
    /// The most samples one record carries.
    package var maxSamplesPerRecord = 20_000

    /// A sink appending to `stream`, partitioned by `partitioner`.
    package init(stream: Log, partitioner: StreamPartitioner) {
        self.stream = stream
        self.partitioner = partitioner
    }

    package func makeAppender() -> any SampleAppender & ~Copyable {
        StreamAppender(stream: stream, partitioner: partitioner, maxSamplesPerRecord: maxSamplesPerRecord)
    }
}

/// One batch on its way to the stream: a `RemoteWriteBatch` per partition being filled, and the
/// full ones waiting for the commit.
struct StreamAppender<Log: Stream>: SampleAppender {
    let stream: Log
    let partitioner: StreamPartitioner
    let maxSamplesPerRecord: Int
    /// The record being filled for each partition.
    private var filling: [RemoteWriteBatch]
    /// Full records, with their partitions, in the order they filled.
    private var full: [(partition: Int, batch: RemoteWriteBatch)] = []
    /// The last series appended and its partition, so its next samples extend it.
    private var last: (labels: Labels, partition: Int)?
    private var sampleCount = 0

    init(stream: Log, partitioner: StreamPartitioner, maxSamplesPerRecord: Int) {
        self.stream = stream
        self.partitioner = partitioner
        self.maxSamplesPerRecord = maxSamplesPerRecord
        filling = Array(repeating: RemoteWriteBatch(), count: partitioner.partitionCount)
    }

    mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double) throws(AppendError) -> UInt64 {
        guard !labels.isEmpty else { throw AppendError(.invalid, "empty label set") }
        let sample = Sample(timestampMs: timestamp, value: value)
        if let last, last.labels == labels, filling[last.partition].timestampsMs.count < maxSamplesPerRecord,
           !filling[last.partition].labels.isEmpty {
            extendLastSeries(of: last.partition, with: sample)
        } else {
            let partition = if let last, last.labels == labels { last.partition } else { partitioner.partition(of: labels) }
            if filling[partition].timestampsMs.count >= maxSamplesPerRecord {
                full.append((partition, filling[partition]))
                filling[partition] = RemoteWriteBatch()
            }
            filling[partition].appendSeries(labels, samples: CollectionOfOne(sample))
            last = (labels, partition)
        }
        sampleCount += 1
        return 0
    }

    /// Adds `sample` to the newest series of partition `partition`'s record.
    private mutating func extendLastSeries(of partition: Int, with sample: Sample) {
        filling[partition].timestampsMs.append(sample.timestampMs)
        filling[partition].values.append(sample.value)
        filling[partition].startTimestampsMs.append(0)
        let series = filling[partition].sampleRanges.count - 1
        filling[partition].sampleRanges[series] = filling[partition].sampleRanges[series].lowerBound..<filling[partition].timestampsMs.count
    }

    /// Waits for the stream's acknowledgement by blocking the thread: for synchronous producers
    /// (the rule evaluator) on a stream that supports it (`KafkaLog`); async code calls
    /// `commitBatchAsync`.
    mutating func commitBatch() throws(AppendError) -> Int {
        guard let blocking = stream as? any BlockingAppendStream else {
            rollback()
            throw AppendError(.storage, "BUG: this stream commits only asynchronously; call commitBatchAsync()")
        }
        let (count, payloads) = takePayloads()
        guard count > 0 else { return 0 }
        do throws(StreamError) {
            _ = try blocking.appendBlocking(payloads)
        } catch {
            throw AppendError(.storage, "stream append failed: \(error)")
        }
        return count
    }

    mutating func commitBatchAsync() async throws(AppendError) -> Int {
        let (count, payloads) = takePayloads()
        guard count > 0 else { return 0 }
        let stream = stream
        let failure = await withTaskGroup(of: StreamError?.self) { group in
            for (partition, partitionPayloads) in payloads.enumerated() where !partitionPayloads.isEmpty {
                group.addTask {
                    do throws(StreamError) {
                        _ = try await stream.append(partitionPayloads, to: partition)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var first: StreamError?
            for await error in group where first == nil { first = error }
            return first
        }
        if let failure { throw AppendError(.storage, "stream append failed: \(failure)") }
        return count
    }

    /// The batch's samples encoded as records, by partition, and their count; empties the batch.
    private mutating func takePayloads() -> (count: Int, payloads: [[[UInt8]]]) {
        var records = full
        for (partition, batch) in filling.enumerated() where !batch.labels.isEmpty { records.append((partition, batch)) }
        let count = sampleCount
        rollback()
        var codec = StreamRecordCodec()
        var payloads = [[[UInt8]]](repeating: [], count: partitioner.partitionCount)
        for record in records { payloads[record.partition].append(codec.encode(record.batch)) }
        return (count, payloads)
    }

    mutating func rollback() {
        for index in filling.indices where !filling[index].labels.isEmpty { filling[index] = RemoteWriteBatch() }
        full = []
        last = nil
        sampleCount = 0
    }
}
