import Synchronization

extension DB {
    /// Writes a consistent copy of the database into `target` (created if needed), as
    /// upstream's `DB.Snapshot` for `/api/v1/admin/tsdb/snapshot`: every block as hard links
    /// to its files (copies across file systems), and with `withHead` the head's samples
    /// (out-of-order ones included) as one more block. The result is a data directory Pharos
    /// or Prometheus can open.
    ///
    /// - Throws: `TSDBError.closed`; `.io` when `target` cannot be written.
    package func snapshot(to target: String, withHead: Bool) throws(TSDBError) {
        try maintenance.withLock { _ throws(TSDBError) in
            guard !isClosed else { throw .closed }
            try FileIO.makeDirectory(target)
            for block in blocks { try FileIO.linkTree(block.directory, to: "\(target)/\(block.ulid)") }
            if withHead {
                // Out-of-order samples included: the block spans the samples it holds.
                let samples = try DB.decode(try head.querier().select([], mint: .min, maxt: .max))
                if !samples.isEmpty {
                    try BlockWriter.write(samples, into: target, ulid: ULID.make(milliseconds: DB.nowMilliseconds()))
                }
            }
            // An empty WAL makes the snapshot a data directory promtool and Prometheus open as is.
            try FileIO.makeDirectory(target + "/wal")
            try FileIO.syncDirectory(target)
        }
    }
}
