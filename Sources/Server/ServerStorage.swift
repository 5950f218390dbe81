import Synchronization
import Model
import TSDB

/// The server's storage once it is open: empty (and not ready) while the write-ahead log
/// replays, then the head every endpoint reads.
final class ServerStorage: Sendable {
    private let head = Mutex<Head?>(nil)
    /// Serves queries before the storage is open (the readiness check answers 503 first).
    private static let empty = Head()

    /// Whether the storage is open.
    var isReady: Bool { head.withLock { $0 != nil } }

    /// Makes `opened` the storage.
    func set(_ opened: Head) {
        head.withLock { $0 = opened }
    }

    /// A querier over everything stored.
    func querier() -> any Querier {
        (head.withLock { $0 } ?? Self.empty).querier()
    }

    /// Where ingestion appends.
    func appendable() -> any SampleAppendable {
        head.withLock { $0 } ?? Self.empty
    }

    /// The head's time range, `nil` while it is empty.
    var headRange: (min: Int64, max: Int64)? {
        guard let current = head.withLock({ $0 }), let min = current.minTime, let max = current.maxTime else { return nil }
        return (min, max)
    }

    /// Appends the storage's `prometheus_tsdb_*` gauges in the text format.
    func writeMetrics(into out: inout [UInt8]) {
        guard let current = head.withLock({ $0 }) else { return }
        var text = "# HELP prometheus_tsdb_head_series Total number of series in the head block.\n"
        text += "# TYPE prometheus_tsdb_head_series gauge\nprometheus_tsdb_head_series \(current.seriesCount)\n"
        if let min = current.minTime, let max = current.maxTime {
            text += "# HELP prometheus_tsdb_head_min_time Minimum time bound of the head block.\n"
            text += "# TYPE prometheus_tsdb_head_min_time gauge\nprometheus_tsdb_head_min_time \(min)\n"
            text += "# HELP prometheus_tsdb_head_max_time Maximum timestamp of the head block.\n"
            text += "# TYPE prometheus_tsdb_head_max_time gauge\nprometheus_tsdb_head_max_time \(max)\n"
        }
        out.append(contentsOf: text.utf8)
    }

    /// Closes the storage (flushing the write-ahead log).
    func close() throws(TSDBError) {
        guard let current = head.withLock({ current in defer { current = nil }; return current }) else { return }
        try current.close()
    }
}
