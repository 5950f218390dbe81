extension DB {
    /// The head's write-ahead log directory (`<dir>/wal`), for readers that follow it.
    package var walDirectory: String { directory + "/wal" }

    /// Keeps WAL segments `segment` and later for `reader` (see `Head.holdWAL`).
    package func holdWAL(from segment: Int, for reader: String) {
        head.holdWAL(from: segment, for: reader)
    }

    /// Drops `reader`'s hold on WAL segments.
    package func releaseWAL(for reader: String) {
        head.releaseWAL(for: reader)
    }
}
