package import Model

/// A series' newest sample in a time range: all an instant selector evaluated at one time
/// reads of it (`Querier.selectNewest`).
package struct NewestSample: Sendable {
    /// The series' labels.
    package let labels: Labels
    /// The sample (a staleness marker is a sample like any other here).
    package let timestamp: Int64
    package let value: Double
    /// The first timestamp of the chunk holding the sample. Of two sources holding the same
    /// series with a sample at the same time, the one whose chunk starts first wins (source
    /// order breaks a tie), as `SeriesMerge.reencode` keeps the first of equal timestamps
    /// among overlapping chunks sorted by start.
    package let chunkMinTime: Int64

    /// Whether this sample, from a source after `other`'s, replaces it in a merge.
    func replaces(_ other: NewestSample) -> Bool {
        timestamp > other.timestamp || (timestamp == other.timestamp && chunkMinTime < other.chunkMinTime)
    }
}

extension Querier {
    /// See `Querier.selectNewest`: `select`, then each series' chunks decoded from the newest
    /// back until one holds a sample in range.
    package func selectNewest(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [NewestSample] {
        var out = [NewestSample]()
        for series in try select(matchers, mint: mint, maxt: maxt, hints: hints) {
            if let newest = try series.newest() { out.append(newest) }
        }
        return out
    }
}

extension Series {
    /// The newest sample in `[mint, maxt]`, decoding only the chunks after it and the one
    /// holding it; `nil` when there is none.
    ///
    /// - Throws: `TSDBError.corruptChunk` when a chunk it reads does not decode.
    package func newest() throws(TSDBError) -> NewestSample? {
        var index = chunks.count - 1
        while index >= 0, chunks[index].maxTime >= mint {
            let chunk = chunks[index]
            index -= 1
            guard chunk.minTime <= maxt else { continue }
            let found = switch chunk.encoding {
            case .xor: try newest(in: chunk, XORIterator())
            case .xor2: try newest(in: chunk, XOR2Iterator())
            }
            if let found {
                return NewestSample(labels: labels, timestamp: found.t, value: found.v, chunkMinTime: chunk.minTime)
            }
        }
        return nil
    }

    /// The newest sample of `chunk` in `[mint, maxt]`.
    private func newest<Iterator: FloatChunkIterator>(in chunk: ChunkSnapshot, _ iterator: Iterator)
        throws(TSDBError) -> (t: Int64, v: Double)? {
        var iterator = iterator
        iterator.reset(bytes: chunk.bytes, range: chunk.range)
        var found: (t: Int64, v: Double)?
        while iterator.next() {
            let t = iterator.timestamp
            if t > maxt { break }
            if t >= mint { found = (t, iterator.value) }
        }
        if let error = iterator.error { throw error }
        return found
    }
}

extension SeriesMerge {
    /// Merges lists of newest samples each sorted by labels into one sorted list, one sample
    /// per label set: the newest, or of equal ones the one `select` and a merge would keep.
    static func mergeNewest(_ lists: [[NewestSample]]) -> [NewestSample] {
        let lists = lists.filter { !$0.isEmpty }
        if lists.count <= 1 { return lists.first ?? [] }
        var out = [NewestSample]()
        out.reserveCapacity(lists.map(\.count).max() ?? 0)
        var positions = [Int](repeating: 0, count: lists.count)
        while true {
            // The smallest label set among the lists' next samples, and the sample kept for it.
            var best: NewestSample?
            for (list, position) in zip(lists, positions) where position < list.count {
                let candidate = list[position]
                guard let current = best else {
                    best = candidate
                    continue
                }
                let order = Labels.compare(candidate.labels, current.labels)
                if order < 0 || (order == 0 && candidate.replaces(current)) { best = candidate }
            }
            guard let next = best else { return out }
            out.append(next)
            for index in lists.indices where positions[index] < lists[index].count && lists[index][positions[index]].labels == next.labels {
                positions[index] += 1
            }
        }
    }
}
