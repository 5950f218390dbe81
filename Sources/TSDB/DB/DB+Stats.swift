import Synchronization

extension DB {
    /// A snapshot of the numbers Prometheus exports as `prometheus_tsdb_*` metrics; plain
    /// values, for the server's self-metrics.
    package struct Stats: Sendable, Equatable {
        /// `prometheus_tsdb_head_series`.
        package var headSeries: Int
        /// `prometheus_tsdb_head_chunks`.
        package var headChunks: Int
        /// `prometheus_tsdb_head_min_time` / `_max_time`; `nil` when the head is empty.
        package var headMinTime: Int64?, headMaxTime: Int64?
        /// `prometheus_tsdb_head_samples_appended_total` (since open, WAL replay included).
        package var headSamplesAppended: Int
        /// `prometheus_tsdb_head_truncations_total`.
        package var headTruncations: Int
        /// `prometheus_tsdb_blocks_loaded`.
        package var blocksLoaded: Int
        /// `prometheus_tsdb_compactions_total`: blocks written from the head or by merging.
        package var compactions: Int
        /// `prometheus_tsdb_compactions_failed_total`: `compact()` calls that failed.
        package var compactionsFailed: Int
        /// `prometheus_tsdb_checkpoint_creations_total`.
        package var checkpoints: Int
        /// `prometheus_tsdb_time_retentions_total` / `_size_retentions_total`: retention runs
        /// that deleted blocks.
        package var timeRetentions: Int, sizeRetentions: Int
        /// `prometheus_tsdb_storage_blocks_bytes`.
        package var blocksBytes: Int
        /// `prometheus_tsdb_wal_storage_size_bytes` (segments and checkpoints).
        package var walBytes: Int
        /// `prometheus_tsdb_wal_corruptions_total`: damaged WALs repaired on open.
        package var walCorruptions: Int
        /// `prometheus_tsdb_head_out_of_order_samples_appended_total` (replay included).
        package var headOutOfOrderSamplesAppended: Int
        /// Refused samples: `prometheus_tsdb_out_of_order_samples_total{type="float"}` (the
        /// window is 0), `prometheus_tsdb_too_old_samples_total{type="float"}` (outside the
        /// window), `prometheus_tsdb_out_of_bound_samples_total{type="float"}`.
        package var outOfOrderSamplesRejected: Int, tooOldSamplesRejected: Int, outOfBoundSamplesRejected: Int
    }

    /// The current numbers. Counts the head's chunks and the WAL's bytes, so it costs a pass
    /// over the head's series: call it at scrape time, not per sample.
    package var stats: Stats {
        let served = blocks
        let rejected = head.rejectedSamples
        return Stats(
            headSeries: head.seriesCount, headChunks: head.chunkCount,
            headMinTime: head.minTime, headMaxTime: head.maxTime,
            headSamplesAppended: head.samplesAppended, headTruncations: headTruncations.load(ordering: .relaxed),
            blocksLoaded: served.count,
            compactions: compactions.load(ordering: .relaxed), compactionsFailed: failedCompactions.load(ordering: .relaxed),
            checkpoints: checkpoints.load(ordering: .relaxed),
            timeRetentions: timeRetentions.load(ordering: .relaxed), sizeRetentions: sizeRetentions.load(ordering: .relaxed),
            blocksBytes: served.reduce(0) { $0 + $1.sizeBytes }, walBytes: FileIO.treeSize(directory + "/wal"),
            walCorruptions: head.walRepairs,
            headOutOfOrderSamplesAppended: head.outOfOrderSamplesAppended,
            outOfOrderSamplesRejected: rejected.outOfOrder, tooOldSamplesRejected: rejected.tooOld,
            outOfBoundSamplesRejected: rejected.outOfBounds)
    }
}
