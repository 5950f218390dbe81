/// Where ingestion puts samples: the seam between the stages that produce samples (scrape
/// loops, the push gateway, remote write, recording rules) and the one that keeps them.
///
/// On one machine the TSDB head is the sink (its write-ahead log is the durable stream); in a
/// cluster a stream producer is. Producers code against these two protocols only, so they
/// never depend on a downstream stage. Shaped after Prometheus's `storage.Appendable`.
package protocol SampleAppendable: Sendable {
    /// A new, empty batch whose commits are `.synced`.
    func makeAppender() -> any SampleAppender & ~Copyable
    /// A new, empty batch whose commits are `durability`.
    func makeAppender(durability: CommitDurability) -> any SampleAppender & ~Copyable
}

extension SampleAppendable {
    /// A sink without the choice makes every commit as durable as `makeAppender()` does.
    package func makeAppender(durability: CommitDurability) -> any SampleAppender & ~Copyable {
        makeAppender()
    }
}

/// How far a commit has gone when it returns.
package enum CommitDurability: Sendable, Equatable {
    /// On disk (the write-ahead log fsynced): survives a power loss. For batches
    /// acknowledged to a sender (remote write, a stream consumer committing its offset).
    case synced
    /// Handed to the operating system: survives a crash of the process (`kill -9`), not of the
    /// machine, as every append of Prometheus's head. For producers nobody waits on (scrapes,
    /// rule evaluations); a later synced commit or segment switch makes them durable too.
    case written
}

/// One batch of samples: validated as they are added, made durable and visible together by
/// `commit()`, or dropped by `rollback()`. One writer per batch; reuse it across batches.
package protocol SampleAppender: ~Copyable {
    /// Adds a sample for `labels`.
    ///
    /// - Parameter ref: what an earlier `append` of the same series returned, letting the
    ///   sink skip the label lookup; `0` when unknown. A ref the sink no longer knows is
    ///   resolved again from `labels`.
    /// - Returns: the series' ref, to pass next time.
    /// - Throws: `AppendError` for this sample only; the batch stays usable.
    mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double) throws(AppendError) -> UInt64

    /// Adds a sample with its start timestamp (`startTimestamp`, milliseconds, 0: unknown: when
    /// the counter it belongs to started). A sink that keeps no start timestamps drops it; the
    /// default does.
    mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double,
                         startTimestamp: Int64) throws(AppendError) -> UInt64

    /// Makes the batch durable and visible; returns how many samples were stored. (Named
    /// apart from a sink's own `commit()`, which may throw the sink's error type.)
    ///
    /// - Throws: `AppendError` with kind `.storage` when nothing of the batch was kept.
    @discardableResult
    mutating func commitBatch() throws(AppendError) -> Int

    /// Drops the pending batch.
    mutating func rollback()

    /// `commitBatch()` for a sink whose durability is a network round trip (a stream producer
    /// waits for Kafka's acknowledgement): producers in async code call this one. The default
    /// calls `commitBatch()`.
    @discardableResult
    mutating func commitBatchAsync() async throws(AppendError) -> Int
}

extension SampleAppender where Self: ~Copyable {
    @discardableResult
    package mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double,
                                 startTimestamp: Int64) throws(AppendError) -> UInt64 {
        try append(ref: ref, labels: labels, timestamp: timestamp, value: value)
    }

    @discardableResult
    package mutating func commitBatchAsync() async throws(AppendError) -> Int {
        try commitBatch()
    }
}

/// Why a sink refused a sample or a batch (Prometheus's `storage.Err*` values).
package struct AppendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, which producers count separately.
    package enum Kind: Sendable, Equatable {
        /// Older than the series' newest sample.
        case outOfOrder
        /// Same timestamp as the series' newest sample with another value.
        case duplicateTimestamp
        /// Older than the oldest time the sink still accepts.
        case outOfBounds
        /// A sample or series the sink cannot take at all (empty label set, ...).
        case invalid
        /// The sink could not persist the batch (disk, closed); retryable.
        case storage
    }

    /// The class of failure.
    package var kind: Kind
    /// What happened, naming the series and timestamp where there is one.
    package var message: String

    /// Creates an error.
    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
