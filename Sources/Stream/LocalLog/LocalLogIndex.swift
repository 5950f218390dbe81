/// What a `LocalLog` knows of one segment file: where each durable record starts.
struct SegmentIndex {
    /// The offset of its first record (also its file name).
    let baseOffset: Int64
    /// The file's path.
    let path: String
    /// The byte position of each durable record: record `baseOffset + i` at `positions[i]`.
    var positions: [Int64] = []
    /// The bytes up to the end of the last durable record.
    var durableBytes = Int64(LogSegment.header.count)
    /// The append time of its newest record, for time-based retention.
    var lastTimestampMs: Int64 = .min

    /// The offset after its last durable record.
    var endOffset: Int64 { baseOffset + Int64(positions.count) }
}

/// The segments of one partition, oldest first; the last one is being written.
struct PartitionIndex {
    /// The partition's directory.
    let directory: String
    var segments: [SegmentIndex]

    /// The offset of the oldest retained record.
    var startOffset: Int64 {
        segments.first(where: { !$0.positions.isEmpty })?.baseOffset ?? endOffset
    }

    /// The offset the next durable record will have.
    var endOffset: Int64 { segments.last?.endOffset ?? 0 }

    /// The segment holding `offset`, by binary search over base offsets.
    func segment(containing offset: Int64) -> Int? {
        var low = 0, high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].baseOffset <= offset { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    /// Total bytes of its segment files.
    var totalBytes: Int64 { segments.reduce(0) { $0 + $1.durableBytes } }
}
