import Synchronization

extension Head {
    /// Keeps WAL segments `segment` and later on disk for `reader` (a remote-write queue):
    /// checkpoints delete only segments older than every hold. Replaces `reader`'s earlier hold.
    package func holdWAL(from segment: Int, for reader: String) {
        walHolds.withLock { $0[reader] = segment }
    }

    /// Drops `reader`'s hold; the next checkpoint may delete what only it needed.
    package func releaseWAL(for reader: String) {
        _ = walHolds.withLock { $0.removeValue(forKey: reader) }
    }
}
