package import Logging
package import Model
package import Stream
import Exposition

/// Consumes one partition of a stream into a TSDB, as Mimir's ingest-storage ingesters do:
/// from the consumer group's committed offset (the partition's start the first time), one
/// TSDB commit per polled batch of records, and the offset committed to the stream only after
/// that TSDB commit returned (its write-ahead log has the data). A crash between the two makes
/// the next run read some records again; the TSDB drops what it already has (the same sample
/// again is not stored twice; older ones are refused as out of order).
///
/// Chained records (docs/stream.md) decode only after their chain's earlier records, so the
/// offset committed is the oldest chain start a restarted run still needs, not the next
/// record: such a run reads some records again, and the TSDB drops what it already has.
///
/// A record that does not decode is logged and skipped: it can never be ingested, and
/// stopping would hold up the whole partition. Samples the TSDB refuses (out of order, too
/// old) are counted, as a remote-write receiver counts them.
package struct PartitionIngester<Log: Stream>: Sendable {
    /// The stream to consume.
    package let stream: Log
    /// The partition.
    package let partition: Int
    /// The consumer group whose offsets this ingester commits (one per ingester, so replicas
    /// consuming the same partition keep their own positions).
    package let group: String
    /// Where samples go (the ingester's TSDB, once it is open).
    package let sink: @Sendable () -> any SampleAppendable
    /// Where progress is reported (readiness).
    package let progress: IngestProgress
    /// Receives errors and skipped records.
    package let logger: Logger
    /// The most records one poll (and one TSDB commit) takes.
    package var maxRecordsPerPoll = 256
    /// The wait before consuming again after an error.
    package var retryDelay: Duration = .seconds(1)

    /// An ingester of `partition` for consumer group `group`.
    package init(stream: Log, partition: Int, group: String, sink: @escaping @Sendable () -> any SampleAppendable,
                 progress: IngestProgress, logger: Logger) {
        self.stream = stream
        self.partition = partition
        self.group = group
        self.sink = sink
        self.progress = progress
        self.logger = logger
    }

    /// Consumes until the task is cancelled; after an error, waits `retryDelay` and starts
    /// again from the committed offset.
    package func run() async {
        while !Task.isCancelled {
            do throws(IngestError) {
                try await consume()
            } catch {
                logger.error("Consuming partition failed; retrying from the committed offset",
                             metadata: ["partition": "\(partition)", "err": "\(error)"])
                try? await Task.sleep(for: retryDelay)
            }
        }
    }

    private func consume() async throws(IngestError) {
        let consumer: Log.Consumer
        do throws(StreamError) {
            let partitions = try await stream.partitions()
            guard let info = partitions.first(where: { $0.id == partition }) else {
                throw .noSuchPartition(partition, count: partitions.count)
            }
            let start = try await stream.committedOffset(partition: partition, group: group) ?? info.startOffset
            progress.start(partition, position: start, target: info.endOffset)
            consumer = try await stream.consumer(partition: partition, from: start)
            logger.info("Consuming partition", metadata: ["partition": "\(partition)", "group": "\(group)",
                                                          "from": "\(start)", "end": "\(info.endOffset)"])
        } catch {
            throw .stream(error)
        }
        var codec = StreamRecordCodec()
        var batch = RemoteWriteBatch()
        do throws(IngestError) {
            while !Task.isCancelled {
                let records: [StreamRecord]
                do throws(StreamError) {
                    records = try await consumer.poll(maxRecords: maxRecordsPerPoll, maxWait: .milliseconds(250))
                } catch {
                    throw .stream(error)
                }
                guard let last = records.last else { continue }
                try await ingest(records, codec: &codec, batch: &batch)
                // Chained records: a restart must read from the oldest chain start still needed.
                let resume = codec.resumeOffset(next: last.offset + 1)
                do throws(StreamError) {
                    try await stream.commit(resume, partition: partition, group: group)
                } catch {
                    throw .stream(error)
                }
                progress.advance(partition, to: last.offset + 1)
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    /// Appends the samples of `records` to the TSDB in one batch and commits it.
    private func ingest(_ records: [StreamRecord], codec: inout StreamRecordCodec, batch: inout RemoteWriteBatch) async throws(IngestError) {
        var appender = sink().makeAppender()
        var rejected = 0
        var firstRejection: String?
        for record in records {
            do throws(StreamError) {
                try codec.decode(record.payload, offset: record.offset, into: &batch)
            } catch .chainBroken(_, _, nil) {
                // A chain that started before where this run began: its records before the
                // committed offset were ingested by an earlier run (docs/stream.md).
                logger.debug("Skipping a record of a chain that started before this run",
                             metadata: ["partition": "\(partition)", "offset": "\(record.offset)"])
                continue
            } catch .chainBroken(let chain, let sequence, let expected) {
                // A record of the chain failed to append; its writer acknowledged nothing after it.
                logger.warning("Skipping the rest of a record chain with a missing record",
                               metadata: ["partition": "\(partition)", "offset": "\(record.offset)",
                                          "err": "\(StreamError.chainBroken(chain: chain, sequence: sequence, expected: expected))"])
                continue
            } catch {
                logger.error("Skipping a record that does not decode",
                             metadata: ["partition": "\(partition)", "offset": "\(record.offset)", "err": "\(error)"])
                continue
            }
            for (series, labels) in batch.labels.enumerated() {
                var ref: UInt64 = 0
                for i in batch.sampleRanges[series] {
                    do throws(AppendError) {
                        ref = try appender.append(ref: ref, labels: labels, timestamp: batch.timestampsMs[i], value: batch.values[i],
                                                  startTimestamp: batch.startTimestampsMs[i])
                    } catch where error.kind == .storage {
                        appender.rollback()
                        throw .storage(error)
                    } catch {
                        rejected += 1
                        if firstRejection == nil { firstRejection = error.message }
                    }
                }
            }
        }
        do throws(AppendError) {
            try await appender.commitBatchAsync()
        } catch {
            throw .storage(error)
        }
        if let firstRejection {
            logger.debug("TSDB refused samples of consumed records",
                         metadata: ["partition": "\(partition)", "count": "\(rejected)", "first": "\(firstRejection)"])
        }
    }
}
