package import Model
package import Stream

/// Why an ingester stopped consuming a partition for a while (it retries from the last
/// committed offset).
package enum IngestError: Error, Sendable, CustomStringConvertible {
    /// The stream failed: reading, committing, or asking for offsets.
    case stream(StreamError)
    /// The TSDB could not persist a batch (disk full, closed); nothing of it was committed.
    case storage(AppendError)
    /// `--ingester.partitions` (or the ordinal of `--ingester.id`) is not a partition list.
    case invalidPartitions(String)

    package var description: String {
        switch self {
        case .stream(let error): "stream: \(error)"
        case .storage(let error): "storage: \(error)"
        case .invalidPartitions(let message): message
        }
    }
}
