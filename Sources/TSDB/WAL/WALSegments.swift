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
}
