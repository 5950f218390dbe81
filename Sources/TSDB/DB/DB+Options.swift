extension DB {
    /// How the database keeps, cuts and compacts its data; the defaults are Prometheus's
    /// (`--storage.tsdb.*` flags). Times are milliseconds.
    package struct Options: Sendable {
        /// Blocks whose newest sample is this much older than the newest block's are deleted
        /// (`--storage.tsdb.retention.time`, 15 d); 0 keeps everything.
        package var retentionDuration: Int64 = 15 * DB.day
        /// The oldest blocks are deleted until blocks and WAL together take at most this many
        /// bytes (`--storage.tsdb.retention.size`); 0: no limit.
        package var maxBytes: Int64 = 0
        /// The span of a block cut from the head, and the head's chunk range (2 h).
        package var minBlockDuration: Int64 = 2 * DB.hour
        /// The longest block level compaction makes; `nil`: 10 % of the retention, at most
        /// 31 d, as Prometheus's default.
        package var maxBlockDuration: Int64?
        /// The head's options; its `chunkRange` is set to `minBlockDuration`.
        package var head = Head.Options()

        /// The defaults.
        package init() {}

        /// `maxBlockDuration`, or its default.
        package var effectiveMaxBlockDuration: Int64 {
            if let maxBlockDuration { return maxBlockDuration }
            let cap = 31 * DB.day
            return retentionDuration > 0 && retentionDuration / 10 < cap ? retentionDuration / 10 : cap
        }

        /// The block spans level compaction aims for: `minBlockDuration` times 1, 3, 9, ...
        /// (ten steps, upstream's `ExponentialBlockRanges(min, 10, 3)`), up to the
        /// maximum block duration.
        package var blockRanges: [Int64] {
            var ranges = [minBlockDuration]
            for _ in 1..<10 {
                let (next, overflow) = ranges[ranges.count - 1].multipliedReportingOverflow(by: 3)
                guard !overflow, next <= effectiveMaxBlockDuration else { break }
                ranges.append(next)
            }
            return ranges
        }
    }

    /// One hour and one day in milliseconds.
    static let hour: Int64 = 60 * 60 * 1000
    static let day: Int64 = 24 * hour
}
