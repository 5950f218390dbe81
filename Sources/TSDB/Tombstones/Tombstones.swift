/// Deleted time ranges per series (upstream's `tombstones.MemTombstones`): what
/// `DB.delete` records in a block's `tombstones` file and in the head (through a WAL
/// tombstones record). Queriers hide the samples inside them; compaction and
/// `DB.cleanTombstones()` leave them out of the blocks they write.
package struct Tombstones: Sendable, Equatable {
    /// Per series, disjoint inclusive intervals in time order.
    package private(set) var intervals: [SeriesRef: [ClosedRange<Int64>]] = [:]

    /// No deletions.
    package init() {}

    /// Whether nothing is deleted.
    package var isEmpty: Bool { intervals.isEmpty }

    /// Records that `range` of series `ref` is deleted, merging it with the intervals it
    /// overlaps or touches.
    package mutating func add(_ ref: SeriesRef, _ range: ClosedRange<Int64>) {
        var merged = range
        var kept = [ClosedRange<Int64>]()
        for interval in intervals[ref] ?? [] {
            if interval.upperBound < merged.lowerBound &- 1 || interval.lowerBound > merged.upperBound &+ 1 {
                kept.append(interval)
            } else {
                merged = min(merged.lowerBound, interval.lowerBound)...max(merged.upperBound, interval.upperBound)
            }
        }
        kept.append(merged)
        intervals[ref] = kept.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Forgets intervals that end before `t` (their data is gone).
    package mutating func dropIntervals(endingBefore t: Int64) {
        for (ref, list) in intervals {
            let kept = list.filter { $0.upperBound >= t }
            intervals[ref] = kept.isEmpty ? nil : kept
        }
    }

    /// Whether samples of series `ref` are deleted.
    func deletes(from ref: SeriesRef) -> Bool {
        !intervals.isEmpty && intervals[ref] != nil
    }

    /// `chunks` of series `ref` without its deleted samples: chunks outside every interval
    /// as they are, chunks inside one dropped, the others decoded, filtered and encoded again.
    ///
    /// - Throws: `TSDBError.corruptChunk` when a chunk to filter does not decode.
    func filter(_ chunks: [ChunkSnapshot], of ref: SeriesRef) throws(TSDBError) -> [ChunkSnapshot] {
        guard !intervals.isEmpty, let deleted = intervals[ref] else { return chunks }
        var out = [ChunkSnapshot]()
        for chunk in chunks {
            let touching = deleted.filter { $0.lowerBound <= chunk.maxTime && $0.upperBound >= chunk.minTime }
            if touching.isEmpty {
                out.append(chunk)
            } else if !touching.contains(where: { $0.lowerBound <= chunk.minTime && $0.upperBound >= chunk.maxTime }) {
                let samples = try chunk.samples().filter { sample in !touching.contains { $0.contains(sample.t) } }
                out.append(contentsOf: ChunkSnapshot.encode(samples))
            }
        }
        return out
    }
}
