import Model

/// Merges what several sources (head, blocks) return for one query into the `Querier`
/// contract's form: one `Series` per label set, sorted by labels, with chunks in time order
/// that do not overlap (upstream's `storage.NewMergeSeriesSet` with a compacting chunk
/// merger, as `tsdb.DB`'s querier and vertical compaction use).
///
/// Chunks that overlap in time, which only happens when the same series is in overlapping
/// blocks or in a block and the head, are decoded, merged with duplicate timestamps kept
/// once (the first source's sample wins), and encoded again as XOR chunks of
/// `BlockWriter.samplesPerChunk` samples. Chunks that do not overlap are passed on as they
/// are, undecoded.
enum SeriesMerge {
    /// Merges lists each sorted by labels into one sorted list.
    ///
    /// - Throws: `TSDBError.corruptChunk` when an overlapping chunk does not decode.
    static func merge(_ lists: [[Series]]) throws(TSDBError) -> [Series] {
        let lists = lists.filter { !$0.isEmpty }
        if lists.count <= 1 { return lists.first ?? [] }
        var out = [Series]()
        try forEach(lists) { out.append($0) }
        return out
    }

    /// Hands the merged series to `body` one at a time, in label order, so a caller that
    /// writes them out (compaction) holds one merged series at a time.
    ///
    /// - Throws: `TSDBError.corruptChunk` when an overlapping chunk does not decode; what
    ///   `body` throws.
    static func forEach(_ lists: [[Series]], _ body: (Series) throws(TSDBError) -> Void) throws(TSDBError) {
        try forEach(lists, labels: \.labels, load: { $0 }, body)
    }

    /// As `forEach(_:_:)` over lists of items sorted by `labels` whose series `load` reads
    /// only when they are merged (compaction: one series' chunks in memory at a time); an
    /// item that loads as `nil` (nothing left) is skipped.
    static func forEach<Item>(_ lists: [[Item]], labels: (Item) -> Labels, load: (Item) throws(TSDBError) -> Series?,
                              _ body: (Series) throws(TSDBError) -> Void) throws(TSDBError)
    {
        var positions = [Int](repeating: 0, count: lists.count)
        while true {
            // The smallest label set among the lists' next series.
            var smallest: Labels?
            for (list, position) in zip(lists, positions) where position < list.count {
                let candidate = labels(list[position])
                if smallest.map({ candidate < $0 }) ?? true { smallest = candidate }
            }
            guard let next = smallest else { return }
            var same = [Series]()
            for index in lists.indices where positions[index] < lists[index].count && labels(lists[index][positions[index]]) == next {
                if let series = try load(lists[index][positions[index]]) { same.append(series) }
                positions[index] += 1
            }
            if same.count == 1 {
                try body(same[0])
            } else if same.count > 1 {
                try body(Series(labels: next, chunks: try mergeChunks(same.flatMap(\.chunks)),
                                mint: same.map(\.mint).min()!, maxt: same.map(\.maxt).max()!))
            }
        }
    }

    /// One series' chunks from several sources, in time order without overlaps.
    static func mergeChunks(_ chunks: [ChunkSnapshot]) throws(TSDBError) -> [ChunkSnapshot] {
        // Stable, so equal chunks keep their sources' order.
        let sorted = chunks.enumerated().sorted { ($0.element.minTime, $0.offset) < ($1.element.minTime, $1.offset) }.map(\.element)
        var out = [ChunkSnapshot]()
        var start = 0
        while start < sorted.count {
            var end = start + 1
            var groupMax = sorted[start].maxTime
            while end < sorted.count, sorted[end].minTime <= groupMax {
                groupMax = max(groupMax, sorted[end].maxTime)
                end += 1
            }
            if end == start + 1 {
                out.append(sorted[start])
            } else {
                out.append(contentsOf: try reencode(sorted[start..<end]))
            }
            start = end
        }
        return out
    }

    /// Decodes overlapping chunks, merges their samples by time (the first of equal
    /// timestamps wins) and encodes them again.
    static func reencode(_ chunks: ArraySlice<ChunkSnapshot>) throws(TSDBError) -> [ChunkSnapshot] {
        var samples = [(sample: ChunkSnapshot.Sample, order: Int)]()
        for (order, chunk) in chunks.enumerated() {
            for sample in try chunk.samples() { samples.append((sample, order)) }
        }
        samples.sort { ($0.sample.t, $0.order) < ($1.sample.t, $1.order) }
        var merged = [ChunkSnapshot.Sample]()
        merged.reserveCapacity(samples.count)
        for (sample, _) in samples where merged.last?.t != sample.t { merged.append(sample) }
        return ChunkSnapshot.encode(merged)
    }

    /// Merges sorted lists of strings (label names or values) into one, sorted by bytes as
    /// Prometheus sorts, without duplicates.
    static func mergeStrings(_ lists: [[String]]) -> [String] {
        Set(lists.joined()).sorted(by: utf8Less)
    }
}
