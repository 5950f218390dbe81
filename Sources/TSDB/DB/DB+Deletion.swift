package import Model
import Synchronization

extension DB {
    /// Deletes the samples in `[mint, maxt]` of the series matching `matchers` (upstream's
    /// `DB.Delete`, for `/api/v1/admin/tsdb/delete_series`): each block overlapping the range
    /// gets tombstones for its matching series (its `tombstones` file rewritten atomically),
    /// the head a WAL tombstones record. Queriers stop returning those samples at once;
    /// compaction and `cleanTombstones()` leave them out of the blocks they write.
    ///
    /// - Throws: `TSDBError.closed`; `.io` when a file cannot be written.
    package func delete(matchers: [Matcher], mint: Int64, maxt: Int64) throws(TSDBError) {
        guard mint <= maxt else { return }
        try maintenance.withLock { _ throws(TSDBError) in
            guard !isClosed else { throw .closed }
            for block in blocks where block.minTime <= maxt && block.maxTime > mint {
                var tombstones = block.tombstones
                for ref in try block.querier().postings(for: matchers) {
                    let (_, chunks) = try block.index.series(ref.rawValue)
                    if chunks.contains(where: { $0.maxTime >= mint && $0.minTime <= maxt }) { tombstones.add(ref, mint...maxt) }
                }
                guard tombstones != block.tombstones else { continue }
                let updated = try block.replacingTombstones(tombstones)
                state.withLock { state in
                    if let index = state.blocks.firstIndex(where: { $0.ulid == block.ulid }) { state.blocks[index] = updated }
                }
            }
            try head.delete(matchers, mint: mint, maxt: maxt)
        }
    }

    /// Rewrites every block that has tombstones without the deleted samples (upstream's
    /// `DB.CleanTombstones`): the new block keeps the old one's range, level and sources and
    /// names it as its parent; it is renamed in before the old one is deleted. A block left
    /// with no sample is deleted.
    package func cleanTombstones() throws(TSDBError) {
        try maintenance.withLock { _ throws(TSDBError) in
            guard !isClosed else { throw .closed }
            for block in blocks where !block.tombstones.isEmpty {
                try replace([block], with: try merge([block], timeRange: block.minTime..<block.maxTime,
                                                     level: block.meta.compactionLevel))
            }
        }
    }
}
