import Logging
import Synchronization
extension DB {
    /// Deletes the blocks retention no longer keeps, as upstream's `BeyondTimeRetention` and
    /// `BeyondSizeRetention`, blocks ordered newest (`maxTime`) first:
    ///
    /// - by time: a block whose end is `retentionDuration` or more before the newest block's
    ///   end, and every older one (the newest block is always kept);
    /// - by size: walking from the newest, the first block at which the WAL and the
    ///   write-behind log plus the blocks so far exceed `maxBytes`, and every older one.
    ///
    /// A block is dropped from the served list first, then its directory is deleted.
    /// Called under `maintenance`.
    func applyRetention() throws(TSDBError) {
        let newestFirst = blocks.sorted { $0.maxTime > $1.maxTime }
        guard let newest = newestFirst.first else { return }
        var doomed = Set<ULID>()
        if options.retentionDuration > 0,
           let first = newestFirst.indices.dropFirst().first(where: { newest.maxTime - newestFirst[$0].maxTime >= options.retentionDuration }) {
            let expired = newestFirst[first...].map(\.ulid)
            timeRetentions.add(1, ordering: .relaxed)
            logger.info("deleting blocks beyond the retention time", metadata: ["blocks": "\(expired)"])
            doomed.formUnion(expired)
        }
        if options.maxBytes > 0 {
            var total = FileIO.treeSize(directory + "/wal") + FileIO.treeSize(directory + "/wbl")
            if let first = newestFirst.indices.first(where: { total += newestFirst[$0].sizeBytes; return total > options.maxBytes }) {
                let excess = newestFirst[first...].map(\.ulid).filter { !doomed.contains($0) }
                if !excess.isEmpty {
                    sizeRetentions.add(1, ordering: .relaxed)
                    logger.info("deleting blocks beyond the retention size", metadata: ["blocks": "\(excess)"])
                    doomed.formUnion(excess)
                }
            }
        }
        guard !doomed.isEmpty else { return }
        let removed = state.withLock { state in
            defer { state.blocks.removeAll { doomed.contains($0.ulid) } }
            return state.blocks.filter { doomed.contains($0.ulid) }
        }
        for block in removed { try DB.deleteBlockDirectory(block.directory) }
    }
}
