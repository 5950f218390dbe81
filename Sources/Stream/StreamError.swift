#if canImport(Glibc)
private import Glibc
#endif

/// Why a stream operation failed. Each case carries what the operator needs to act on it.
package enum StreamError: Error, Equatable, Sendable {
    /// A partition number outside `0..<count`.
    case noSuchPartition(Int, count: Int)
    /// A read below the oldest retained record or beyond the end of the partition.
    case offsetOutOfRange(Int64, partition: Int, valid: ClosedRange<Int64>)
    /// A record that failed its checksum or framing check, with where it lies.
    case corruptRecord(path: String, position: Int64, reason: String)
    /// A record payload that is not a valid encoded batch.
    case malformedPayload(String)
    /// A chained record that cannot be decoded because its chain's earlier records were not
    /// read: `expected` is `nil` when the chain is unknown to this reader (its key record lies
    /// before where the reader started), else the sequence number that was due (a record is
    /// missing). docs/stream.md "Chained records".
    case chainBroken(chain: UInt64, sequence: UInt64, expected: UInt64?)
    /// A record or batch larger than the configured limit.
    case recordTooLarge(bytes: Int, limitBytes: Int, setting: String)
    /// A consumer group name that is not `[A-Za-z0-9._-]{1,249}` (Kafka's rule for names).
    case invalidConsumerGroup(String)
    /// A file system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// A `LocalLog` directory holds more partitions than configured (shrinking would drop
    /// them), or a Kafka topic has another count than configured.
    case partitionCountMismatch(found: Int, configured: Int, path: String)
    /// The Kafka topic does not exist; Pharos does not create it.
    case topicMissing(topic: String, partitions: Int, replicationFactor: Int)
    /// The log was closed.
    case closed
    /// librdkafka reported an error: its code name (`_MSG_TIMED_OUT`, `NOT_LEADER_FOR_PARTITION`, ...)
    /// and message.
    case kafka(code: String, message: String)
    /// A Kafka client setting librdkafka refused.
    case invalidKafkaSetting(key: String, message: String)
}

extension StreamError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .noSuchPartition(let partition, let count):
            "partition \(partition) does not exist; the stream has \(count) partitions (stream.partitions)"
        case .offsetOutOfRange(let offset, let partition, let valid):
            "offset \(offset) of partition \(partition) is out of range: records \(valid.lowerBound)...\(valid.upperBound) are retained"
        case .corruptRecord(let path, let position, let reason):
            "corrupt record in \(path) at byte \(position): \(reason)"
        case .malformedPayload(let reason):
            "malformed stream record payload: \(reason)"
        case .chainBroken(let chain, let sequence, let expected?):
            "record \(sequence) of record chain \(String(chain, radix: 16)) follows record \(expected - 1): the records between are missing; skipping the chain until its writer starts a new one"
        case .chainBroken(let chain, let sequence, nil):
            "record \(sequence) of record chain \(String(chain, radix: 16)) belongs to a chain whose first record this reader did not read; skipping it"
        case .recordTooLarge(let bytes, let limit, let setting):
            "record of \(bytes) bytes is larger than the limit of \(limit) bytes; raise \(setting)"
        case .invalidConsumerGroup(let name):
            "invalid consumer group name \"\(name)\": use 1 to 249 characters of [A-Za-z0-9._-]"
        case .io(let operation, let path, let errno):
            "\(operation) \(path): \(String(cString: strerror(errno)))"
        case .partitionCountMismatch(let found, let configured, let path):
            found > configured
                ? "\(path) holds \(found) partitions but stream.partitions is \(configured); partitions cannot be removed: set stream.partitions to \(found)"
                : "\(path) holds \(found) partitions but stream.partitions is \(configured); add partitions to it or set stream.partitions to \(found)"
        case .topicMissing(let topic, let partitions, let replicationFactor):
            "kafka topic \"\(topic)\" does not exist; create it with \(partitions) partitions and replication factor \(replicationFactor) (kafka-topics.sh --create --topic \(topic) --partitions \(partitions) --replication-factor \(replicationFactor))"
        case .closed:
            "the stream is closed"
        case .kafka(let code, let message):
            "kafka: \(message) (\(code))"
        case .invalidKafkaSetting(let key, let message):
            "stream.client setting \"\(key)\" refused by librdkafka: \(message)"
        }
    }
}
