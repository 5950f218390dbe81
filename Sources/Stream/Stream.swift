internal import Config

/// A durable, partitioned log of records: what producers (scrape loops, the remote-write
/// receiver, the Pushgateway's ingester) write to and ingesters read from.
///
/// Few requirements, as swift-log's `LogHandler`: `LocalLog` (files on this machine) and
/// `KafkaLog` (a Kafka topic) implement them. Payloads are opaque bytes here;
/// `StreamRecordCodec` turns a `RemoteWriteBatch` into one and back, and `StreamPartitioner`
/// says which partition a series belongs to.
///
/// Offsets are Kafka's: per partition, dense from the first record ever written, and a
/// committed offset is the offset of the *next* record the group will read.
///
/// In a file that imports Foundation, Foundation's `Stream` class shadows this protocol's name;
/// name the concrete types there, or keep the code that is generic over `Stream` in a file
/// without Foundation.
package protocol Stream: Sendable {
    /// What `consumer(partition:from:)` returns.
    associatedtype Consumer: StreamConsumer

    /// Every partition with its retained offsets, in partition order.
    func partitions() async throws(StreamError) -> [StreamPartitionInfo]

    /// Appends `payloads` to `partition`, in order, and returns their offsets once every one of
    /// them is durable (fsynced for `LocalLog`; acknowledged by all in-sync replicas for
    /// `KafkaLog`). On error none of them may be assumed written; some may be (at least once).
    func append(_ payloads: [[UInt8]], to partition: Int) async throws(StreamError) -> [Int64]

    /// Queues `payloads` for `partition` before it returns, so they land after everything queued
    /// on that partition before and before everything queued after (what a chain of dependent
    /// records needs), and calls `completion` exactly once, on a thread of the log's own, with
    /// their offsets when every one is durable, or with the first error (the guarantees of
    /// `append`). `completion` may be called before `enqueue` returns.
    func enqueue(_ payloads: [[UInt8]], to partition: Int,
                 completion: @escaping @Sendable (Result<[Int64], StreamError>) -> Void)

    /// A consumer of `partition` that reads from `offset` (the start offset of the partition
    /// reads everything retained; its end offset reads only what is appended later).
    func consumer(partition: Int, from offset: Int64) async throws(StreamError) -> Consumer

    /// Records that `group` has processed `partition` up to, not including, `offset`.
    func commit(_ offset: Int64, partition: Int, group: String) async throws(StreamError)

    /// The offset `group` last committed for `partition`, or `nil` if it never committed.
    func committedOffset(partition: Int, group: String) async throws(StreamError) -> Int64?
}

/// Reads one partition of a `Stream` in offset order.
package protocol StreamConsumer: Sendable {
    /// Up to `maxRecords` records from the consumer's position, in offset order; waits up to
    /// `maxWait` for the first one and returns an empty array if none arrived. The position
    /// moves past what is returned. Only durable records are returned.
    func poll(maxRecords: Int, maxWait: Duration) async throws(StreamError) -> [StreamRecord]

    /// Releases the consumer's resources; later polls fail with `StreamError.closed`.
    func close() async
}

/// A record read back from a partition.
package struct StreamRecord: Sendable, Equatable {
    /// Its offset in the partition.
    package var offset: Int64
    /// The bytes appended.
    package var payload: [UInt8]

    /// Creates a record.
    package init(offset: Int64, payload: [UInt8]) {
        self.offset = offset
        self.payload = payload
    }
}

/// A partition and the offsets it retains: `startOffset..<endOffset`.
package struct StreamPartitionInfo: Sendable, Equatable {
    /// The partition number, `0..<count`.
    package var id: Int
    /// The offset of the oldest retained record (equal to `endOffset` when none is retained).
    package var startOffset: Int64
    /// The offset the next appended record will get (Kafka's high watermark).
    package var endOffset: Int64

    /// Creates partition info.
    package init(id: Int, startOffset: Int64, endOffset: Int64) {
        self.id = id
        self.startOffset = startOffset
        self.endOffset = endOffset
    }
}

extension Stream {
    package func append(_ payloads: [[UInt8]], to partition: Int) async throws(StreamError) -> [Int64] {
        try await withCheckedContinuation { (continuation: CheckedContinuation<Result<[Int64], StreamError>, Never>) in
            enqueue(payloads, to: partition) { continuation.resume(returning: $0) }
        }.get()
    }
}

extension StreamError {
    /// Checks a consumer group name: Kafka's legal characters, which are also safe as a file name.
    static func checkGroup(_ group: String) throws(StreamError) {
        guard StreamConfig.isLegalKafkaName(group) else { throw .invalidConsumerGroup(group) }
    }
}
