import Model
import Synchronization
import TSDB

/// The server's storage once it is open: empty (and not ready) while the write-ahead log
/// replays, then the TSDB every endpoint reads and ingestion appends to.
final class ServerStorage: SampleAppendable {
    private let db = Mutex<DB?>(nil)
    /// Serves requests before the storage is open (the readiness check answers 503 first).
    private static let empty = Head()

    /// Whether the storage is open.
    var isReady: Bool { db.withLock { $0 != nil } }

    /// The open database, `nil` while it is opening.
    var current: DB? { db.withLock { $0 } }

    /// Makes `opened` the storage.
    func set(_ opened: DB) {
        db.withLock { $0 = opened }
    }

    /// A querier over `[mint, maxt]`.
    func querier(mint: Int64, maxt: Int64) -> any Querier {
        current?.querier(mint: mint, maxt: maxt) ?? Self.empty.querier()
    }

    /// The time before which local storage may lack data, for `remote_read` entries with
    /// `read_recent: false` (issue 6), as Prometheus's: the oldest block's start (now without
    /// blocks) plus two minimum block durations of margin; `Int64.max` while it opens.
    var localStartMs: Int64 {
        guard let db = current else { return .max }
        return (db.blocks.first?.minTime ?? WallClock.milliseconds()) + 2 * db.options.minBlockDuration
    }

    /// Where ingestion appends.
    func appendable() -> any SampleAppendable {
        current ?? Self.empty
    }

    /// A batch for the open database (for the empty placeholder while it opens).
    func makeAppender() -> any SampleAppender & ~Copyable {
        appendable().makeAppender()
    }

    /// A batch with commits `durability` for the open database.
    func makeAppender(durability: CommitDurability) -> any SampleAppender & ~Copyable {
        appendable().makeAppender(durability: durability)
    }

    /// The head's time range, `nil` while it is empty.
    var headRange: (min: Int64, max: Int64)? {
        guard let stats = current?.stats, let min = stats.headMinTime, let max = stats.headMaxTime else { return nil }
        return (min, max)
    }

    /// Appends the storage's `prometheus_tsdb_*` metrics in the text format, named and typed
    /// as Prometheus's.
    func writeMetrics(into out: inout [UInt8]) {
        guard let stats = current?.stats else { return }
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: Int) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        metric("prometheus_tsdb_head_series", "gauge", "Total number of series in the head block.", stats.headSeries)
        metric("prometheus_tsdb_head_chunks", "gauge", "Total number of chunks in the head block.", stats.headChunks)
        // A counter with Prometheus's `type` label (its sample types: only floats here), shown
        // once non-zero, as Go's client creates the labelled child on the first increment.
        func floatCounter(_ name: String, _ help: String, _ value: Int, always: Bool = false) {
            guard always || value > 0 else { return }
            text += "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name){type=\"float\"} \(value)\n"
        }
        floatCounter("prometheus_tsdb_head_samples_appended_total", "Total number of appended samples.", stats.headSamplesAppended,
                     always: true)
        metric("prometheus_tsdb_head_truncations_total", "counter", "Total number of head truncations attempted.", stats.headTruncations)
        if let min = stats.headMinTime, let max = stats.headMaxTime {
            metric("prometheus_tsdb_head_min_time", "gauge", "Minimum time bound of the head block.", Int(min))
            metric("prometheus_tsdb_head_max_time", "gauge", "Maximum timestamp of the head block.", Int(max))
        }
        metric("prometheus_tsdb_blocks_loaded", "gauge", "Number of currently loaded data blocks.", stats.blocksLoaded)
        metric("prometheus_tsdb_compactions_total", "counter", "Total number of compactions that were executed for the partition.", stats.compactions)
        metric("prometheus_tsdb_compactions_failed_total", "counter", "Total number of compactions that failed for the partition.", stats.compactionsFailed)
        metric("prometheus_tsdb_checkpoint_creations_total", "counter", "Total number of checkpoint creations attempted.", stats.checkpoints)
        metric("prometheus_tsdb_time_retentions_total", "counter", "The number of times that blocks were deleted because the maximum time limit was exceeded.", stats.timeRetentions)
        metric("prometheus_tsdb_size_retentions_total", "counter", "The number of times that blocks were deleted because the maximum number of bytes was exceeded.", stats.sizeRetentions)
        metric("prometheus_tsdb_storage_blocks_bytes", "gauge", "The number of bytes that are currently used for local storage by all blocks.", stats.blocksBytes)
        metric("prometheus_tsdb_wal_storage_size_bytes", "gauge", "Size of the write log directory.", stats.walBytes)
        metric("prometheus_tsdb_wal_corruptions_total", "counter", "Total number of WAL corruptions.", stats.walCorruptions)
        metric("prometheus_tsdb_head_out_of_order_samples_appended_total", "counter", "Total number of appended out of order samples.", stats.headOutOfOrderSamplesAppended)
        // Prometheus adds the commit's refusals to both children at every commit, so both show.
        text += """
            # HELP prometheus_tsdb_out_of_order_samples_total Total number of out of order samples ingestion failed attempts due to out of order being disabled.
            # TYPE prometheus_tsdb_out_of_order_samples_total counter
            prometheus_tsdb_out_of_order_samples_total{type="float"} \(stats.outOfOrderSamplesRejected)
            prometheus_tsdb_out_of_order_samples_total{type="histogram"} 0

            """
        floatCounter("prometheus_tsdb_too_old_samples_total", "Total number of out of order samples ingestion failed attempts with out of support enabled, but sample outside of time window.", stats.tooOldSamplesRejected)
        floatCounter("prometheus_tsdb_out_of_bound_samples_total", "Total number of out of bound samples ingestion failed attempts with out of order support disabled.", stats.outOfBoundSamplesRejected)
        out.append(contentsOf: text.utf8)
    }

    /// Closes the storage (flushing the write-ahead log, releasing the lock).
    func close() throws(TSDBError) {
        guard let open = db.withLock({ current in defer { current = nil }; return current }) else { return }
        try open.close()
    }
}
