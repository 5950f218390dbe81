package import Model
import Synchronization

extension Head {
    /// Deletes the samples in `[mint, maxt]` of the series matching `matchers`, as
    /// upstream's `Head.Delete`: a WAL tombstones record is written (and fsynced) for every
    /// matching series with samples there, then queriers stop seeing them. As in Prometheus,
    /// a tombstone hides whatever falls in its range, also samples appended later; it lasts
    /// until truncation drops the data it covers.
    ///
    /// - Returns: the number of series affected.
    /// - Throws: `TSDBError.closed`, or `.io` if the WAL write fails.
    @discardableResult
    package func delete(_ matchers: [Matcher], mint: Int64, maxt: Int64) throws(TSDBError) -> Int {
        guard mint <= maxt else { return 0 }
        let (wal, position, count) = try commitState.withLock {
            (state: inout CommitState) throws(TSDBError) -> (WALWriter?, UInt64, Int) in
            guard !state.closed else { throw .closed }
            if let failure = state.walFailure ?? state.wal?.failure { throw failure }
            let refs = postings.postings(for: matchers).filter { series.withSeries($0, { $0.hasSamples(in: mint, maxt) }) == true }
            guard !refs.isEmpty else { return (nil, 0, 0) }
            var position: UInt64 = 0
            if let wal = state.wal {
                let record = WALRecord.encodeTombstones(refs.map { WALRecord.TombstoneEntry(ref: $0, mint: mint, maxt: maxt) })
                do throws(TSDBError) {
                    position = try wal.write([record])
                } catch {
                    state.walFailure = error
                    throw error
                }
            }
            for ref in refs { state.tombstones.add(ref, mint...maxt) }
            return (state.wal, position, refs.count)
        }
        try wal?.sync(through: position)
        return count
    }
}
