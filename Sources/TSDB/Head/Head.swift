package import Logging
package import Model
import Synchronization

/// The in-memory part of the TSDB: recent series and samples, appendable and queryable,
/// optionally backed by a write-ahead log (upstream's `tsdb/head.go`).
///
/// Appends go through a `HeadAppender` batch; `commit()` writes the batch to the WAL (and
/// fsyncs it) before applying it, under the head's commit lock, so a querier snapshot sees a
/// batch entirely or not at all and the WAL order is the apply order (replay reproduces
/// exactly what was acknowledged).
package final class Head: Sendable {
    /// Tuning knobs; the defaults are Prometheus's.
    package struct Options: Sendable {
        /// Width of the aligned ranges chunks are cut at (Prometheus: 2h).
        package var chunkRange: Int64 = 2 * 60 * 60 * 1000
        /// Samples per chunk before a new one is cut (Prometheus: 120).
        package var samplesPerChunk = 120
        /// Number of lock stripes of the series map (rounded up to a power of two).
        package var stripeCount = 1024
        /// Size at which a WAL segment is closed and the next one started (Prometheus: 128 MiB).
        package var walSegmentSize = WALWriter.defaultSegmentSize
        /// Whether WAL, checkpoint and write-behind-log records are snappy-compressed
        /// (`--storage.tsdb.wal-compression`, on by default as in Prometheus). Either kind of
        /// segment replays whatever this is set to.
        package var walCompression = true
        /// How far behind the head's newest sample an out-of-order sample is still accepted
        /// (`storage.tsdb.out_of_order_time_window`, milliseconds); 0 refuses them. Changed at
        /// run time with `setOutOfOrderTimeWindow(_:)`.
        package var outOfOrderTimeWindow: Int64 = 0
        /// Out-of-order samples per series kept unsorted before they are cut into a chunk
        /// (Prometheus's `--storage.tsdb.out-of-order-cap-max`, 32).
        package var outOfOrderCapMax = 32
        /// Whether samples keep their start timestamps (`--enable-feature=st-storage`, as
        /// Prometheus): new chunks are XOR2 chunks and WAL records carry them; else they are
        /// dropped on append.
        package var storesStartTimestamps = false

        /// The defaults.
        package init() {}
    }

    let options: Options
    let series: SeriesStripes
    let postings = MemPostings()
    /// The label order of lists the querier selected before.
    let labelOrders = LabelOrderHints()
    let logger: Logger

    /// State changed only by commits, under one lock: the WAL and the head's time bounds.
    struct CommitState: ~Copyable {
        var wal: WALWriter?
        var closed = false
        /// The first WAL write failure. After it the WAL may end in a partial record, and
        /// anything written after that would be cut off by the next replay's repair, so every
        /// later commit is refused with this error until the head is reopened.
        var walFailure: TSDBError?
        /// Deleted ranges (`delete(_:mint:maxt:)`), hidden from queriers until truncation
        /// drops the data they cover.
        var tombstones = Tombstones()
        /// The write-behind log of out-of-order samples (`wbl/`, as Prometheus's), opened by
        /// the first commit that has some; `wblDirectory` is where, `nil` without a WAL.
        var wbl: WALWriter?
        var wblDirectory: String?
    }

    let commitState: Mutex<CommitState>
    /// The newest sample time in the head; read without the lock by appenders.
    let maxTimeAtomic = Atomic<Int64>(.min)
    let minTimeAtomic = Atomic<Int64>(.max)
    /// Samples older than this are refused (appenders) or dropped (commit, replay): the time
    /// before which the data lives in blocks (upstream's `minValidTime`). Raised under the
    /// commit lock by `truncate(before:)`.
    let minValidTimeAtomic = Atomic<Int64>(.min)
    /// Samples stored since the head was opened (replay included), and WAL repairs on open.
    let samplesAppendedAtomic = Atomic<Int>(0)
    let walRepairsAtomic = Atomic<Int>(0)
    /// The out-of-order time window in effect (`Options.outOfOrderTimeWindow`).
    let outOfOrderTimeWindowAtomic: Atomic<Int64>
    /// Out-of-order samples stored, and samples refused as out of order (window off), too old
    /// (outside the window) and out of bounds (upstream's head metrics).
    let outOfOrderAppendedAtomic = Atomic<Int>(0)
    let outOfOrderRejectedAtomic = Atomic<Int>(0)
    let tooOldRejectedAtomic = Atomic<Int>(0)
    let outOfBoundsRejectedAtomic = Atomic<Int>(0)
    /// The oldest WAL segment each reader of the log still needs, by reader (`holdWAL`).
    let walHolds = Mutex<[String: Int]>([:])
    /// The next `HeadAppender.id` (0 stands for no appender in `MemSeries.batchOwner`).
    let nextAppenderID = Atomic<UInt64>(1)
    /// Emptied buffers of finished appenders, for the next ones (`Head+AppendBuffers.swift`).
    let appendBufferPool = Mutex<[(Batch, CommitScratch)]>([])

    /// An in-memory head without a WAL (tests, or a caller that persists elsewhere).
    package init(options: Options = Options(), logger: Logger = Logger(label: "pharos.tsdb")) {
        self.options = options
        self.series = SeriesStripes(count: options.stripeCount)
        self.logger = logger
        self.commitState = Mutex(CommitState())
        self.outOfOrderTimeWindowAtomic = Atomic(max(0, options.outOfOrderTimeWindow))
    }

    /// The out-of-order time window in milliseconds (0: out-of-order samples are refused).
    package var outOfOrderTimeWindow: Int64 { outOfOrderTimeWindowAtomic.load(ordering: .relaxed) }

    /// Changes the out-of-order time window for appenders made from now on, as a
    /// configuration reload does in Prometheus. Out-of-order samples already stored stay.
    package func setOutOfOrderTimeWindow(_ window: Int64) {
        outOfOrderTimeWindowAtomic.store(max(0, window), ordering: .relaxed)
    }

    /// Out-of-order samples stored since the head was opened, replay included
    /// (`prometheus_tsdb_head_out_of_order_samples_appended_total`).
    package var outOfOrderSamplesAppended: Int { outOfOrderAppendedAtomic.load(ordering: .relaxed) }

    /// Samples refused since the head was opened: `outOfOrder` with the window off
    /// (`prometheus_tsdb_out_of_order_samples_total`), `tooOld` outside the window
    /// (`prometheus_tsdb_too_old_samples_total`), `outOfBounds` older than the head accepts
    /// with the window off (`prometheus_tsdb_out_of_bound_samples_total`).
    package var rejectedSamples: (outOfOrder: Int, tooOld: Int, outOfBounds: Int) {
        (outOfOrderRejectedAtomic.load(ordering: .relaxed), tooOldRejectedAtomic.load(ordering: .relaxed),
         outOfBoundsRejectedAtomic.load(ordering: .relaxed))
    }

    /// The lowest timestamp in the head, or `nil` when empty.
    package var minTime: Int64? {
        let t = minTimeAtomic.load(ordering: .acquiring)
        return t == .max ? nil : t
    }

    /// The highest timestamp in the head, or `nil` when empty.
    package var maxTime: Int64? {
        let t = maxTimeAtomic.load(ordering: .acquiring)
        return t == .min ? nil : t
    }

    /// The number of series.
    package var seriesCount: Int { series.count }

    /// The oldest timestamp the head still accepts: everything before it is in blocks.
    /// `Int64.min` until the first truncation (or a database with blocks opened it).
    package var minValidTime: Int64 { minValidTimeAtomic.load(ordering: .acquiring) }

    /// Samples stored since the head was opened, WAL replay included
    /// (`prometheus_tsdb_head_samples_appended_total`).
    package var samplesAppended: Int { samplesAppendedAtomic.load(ordering: .relaxed) }

    /// How many times opening the head found a damaged WAL and truncated it
    /// (`prometheus_tsdb_wal_corruptions_total`).
    package var walRepairs: Int { walRepairsAtomic.load(ordering: .relaxed) }

    /// A new, empty append batch whose commits are `durability` (fsynced by default).
    package func appender(durability: CommitDurability = .synced) -> HeadAppender {
        HeadAppender(head: self, durability: durability)
    }

    /// A querier over the head's current contents; without `outOfOrder`, only the in-order
    /// samples.
    package func querier(outOfOrder: Bool = true) -> HeadQuerier {
        HeadQuerier(head: self, outOfOrder: outOfOrder)
    }

    /// Stops accepting commits and closes the WAL (flushing and fsyncing it).
    package func close() throws(TSDBError) {
        try commitState.withLock { (state: inout CommitState) throws(TSDBError) in
            state.closed = true
            try state.wal?.close()
            state.wal = nil
            try state.wbl?.close()
            state.wbl = nil
        }
    }

    /// Widens the head's time bounds to include `[mint, maxt]`.
    func extendTimeBounds(mint: Int64, maxt: Int64) {
        var current = maxTimeAtomic.load(ordering: .relaxed)
        while maxt > current {
            let (done, original) = maxTimeAtomic.compareExchange(expected: current, desired: maxt, ordering: .releasing)
            if done { break }
            current = original
        }
        current = minTimeAtomic.load(ordering: .relaxed)
        while mint < current {
            let (done, original) = minTimeAtomic.compareExchange(expected: current, desired: mint, ordering: .releasing)
            if done { break }
            current = original
        }
    }

    /// The series `labels`, created and indexed if new.
    func getOrCreate(_ labels: Labels, ref: SeriesRef? = nil) -> (ref: SeriesRef, created: Bool) {
        series.getOrCreate(labels, ref: ref) { newRef in postings.add(newRef, labels) }
    }
}
