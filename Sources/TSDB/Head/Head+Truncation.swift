import Synchronization

extension Head {
    /// Refuses, from now on, samples older than `t`: appenders made later throw
    /// `outOfBounds` for them, and commits of older appenders drop them. Called before the
    /// data before `t` is written to a block, so none arrives after it was read. Never lowers
    /// the bound.
    package func raiseMinValidTime(to t: Int64) {
        commitState.withLock { _ in
            if t > minValidTimeAtomic.load(ordering: .relaxed) { minValidTimeAtomic.store(t, ordering: .releasing) }
        }
    }

    /// Drops the data before `t`, now stored in a block (upstream's `Head.truncateMemory`):
    /// raises `minValidTime` to `t`, drops every chunk that ends before `t`, then removes the
    /// series left empty. The head's `minTime` becomes the oldest remaining sample, at least
    /// `t`.
    ///
    /// - Returns: the number of chunks and series removed.
    @discardableResult
    package func truncate(before t: Int64) -> (chunks: Int, series: Int) {
        let droppedChunks = commitState.withLock { state -> Int in
            if t > minValidTimeAtomic.load(ordering: .relaxed) { minValidTimeAtomic.store(t, ordering: .releasing) }
            state.tombstones.dropIntervals(endingBefore: t)
            var dropped = 0
            var oldest = Int64.max
            for stripe in series.refStripes {
                stripe.series.withLock { map in
                    for s in map.values {
                        dropped += s.dropChunks(before: t)
                        if let first = s.minTime { oldest = min(oldest, first) }
                    }
                }
            }
            // Under the commit lock, so no commit widens the bounds meanwhile.
            minTimeAtomic.store(oldest == .max ? .max : max(oldest, t), ordering: .releasing)
            return dropped
        }
        return (droppedChunks, collectEmptySeries())
    }

    /// The number of chunks held (`prometheus_tsdb_head_chunks`).
    package var chunkCount: Int {
        series.refStripes.reduce(0) { total, stripe in
            total + stripe.series.withLock { map in map.values.reduce(0) { $0 + $1.chunkCount } }
        }
    }

    /// Whether the head holds series `ref`.
    func contains(_ ref: SeriesRef) -> Bool {
        series.withSeries(ref) { _ in true } ?? false
    }
}
