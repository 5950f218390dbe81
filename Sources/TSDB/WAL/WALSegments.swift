/// The segments a data directory's write-ahead log holds, for replay progress
/// (`/api/v1/status/walreplay`).
package enum WALSegments {
    /// The first and last segment numbers in `directory/wal`, `nil` when there are none.
    package static func range(inDataDirectory directory: String) -> ClosedRange<Int>? {
        guard let names = try? FileIO.listDirectory(directory + "/wal") else { return nil }
        let indices = names.compactMap(WALFormat.segmentIndex)
        guard let first = indices.min(), let last = indices.max() else { return nil }
        return first...last
    }

    /// Every segment of the WAL directory `walDirectory` with its size in bytes, by index.
    package static func sizes(inWALDirectory walDirectory: String) -> [(index: Int, bytes: Int64)] {
        let names = (try? FileIO.listDirectory(walDirectory)) ?? []
        return names.compactMap { name in
            WALFormat.segmentIndex(name).map { ($0, Int64(FileIO.fileSize(walDirectory + "/" + name))) }
        }.sorted { $0.index < $1.index }
    }
}
