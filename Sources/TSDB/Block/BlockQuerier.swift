package import Model

/// A `Querier` over one persistent block (from `Block.querier()`).
///
/// Matchers resolve against the index's postings with the head's rules (docs/tsdb.md,
/// "Head"): a matcher rejecting `""` selects the series whose value it accepts; one
/// accepting `""` removes the series whose value it rejects.
package struct BlockQuerier: Querier {
    let block: Block

    /// See `Querier.select`. Series come in index order, which is label order; deleted
    /// samples (the block's tombstones) are left out. Hints are not used (a block holds raw
    /// samples only).
    package func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints _: SelectHints?) throws(TSDBError) -> [Series] {
        guard mint <= maxt, mint < block.maxTime, maxt >= block.minTime else { return [] }
        var out = [Series]()
        for ref in try postings(for: matchers) {
            if let series = try series(ref, mint: mint, maxt: maxt) { out.append(series) }
        }
        return out
    }

    /// See `Querier.selectNewest`: each series' chunks are read from the newest back, only
    /// until one holds a sample in range.
    package func selectNewest(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints _: SelectHints?) throws(TSDBError) -> [NewestSample] {
        try selectNewest(matchers, mint: mint, maxt: maxt, newerElsewhere: [:])
    }

    /// As `selectNewest(_:mint:maxt:)`, leaving out the series that another source holds a
    /// newer sample of (`newerElsewhere`: its time by labels) than any this block holds in
    /// range, without reading their chunks: merged with that source, they would lose anyway.
    func selectNewest(_ matchers: [Matcher], mint: Int64, maxt: Int64, newerElsewhere: [Labels: Int64]) throws(TSDBError) -> [NewestSample] {
        guard mint <= maxt, mint < block.maxTime, maxt >= block.minTime else { return [] }
        var out = [NewestSample]()
        for ref in try postings(for: matchers) {
            let (labels, metas) = try block.index.series(ref.rawValue)
            var index = metas.count - 1
            while index >= 0, metas[index].minTime > maxt { index -= 1 }
            guard index >= 0, metas[index].maxTime >= mint else { continue }
            if let elsewhere = newerElsewhere[labels], elsewhere > metas[index].maxTime { continue }
            while index >= 0, metas[index].maxTime >= mint {
                let chunks = try block.tombstones.filter(block.chunks([metas[index]]), of: ref)
                if let newest = try Series(labels: labels, chunks: chunks, mint: mint, maxt: maxt).newest() {
                    out.append(newest)
                    break
                }
                index -= 1
            }
        }
        return out
    }

    /// The series at `ref` with its chunks overlapping `[mint, maxt]` (read from the block's
    /// segments now) and without deleted samples; `nil` when no chunk remains.
    func series(_ ref: SeriesRef, mint: Int64, maxt: Int64) throws(TSDBError) -> Series? {
        let (labels, metas) = try block.index.series(ref.rawValue)
        let chunks = try block.tombstones.filter(block.chunks(metas.filter { $0.maxTime >= mint && $0.minTime <= maxt }), of: ref)
        return chunks.isEmpty ? nil : Series(labels: labels, chunks: chunks, mint: mint, maxt: maxt)
    }

    /// Every series' labels and reference, in label order, without their chunks: what
    /// compaction merges before it reads one series' chunks at a time.
    func seriesReferences() throws(TSDBError) -> [(labels: Labels, ref: SeriesRef)] {
        var out = [(labels: Labels, ref: SeriesRef)]()
        for ref in try block.index.allPostings() {
            out.append((try block.index.series(ref).labels, SeriesRef(rawValue: ref)))
        }
        return out
    }

    /// See `Querier.labelNames`.
    package func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] {
        if matchers.isEmpty { return block.index.labelNames }
        var names = Set<String>()
        for ref in try postings(for: matchers) {
            for label in try block.index.series(ref.rawValue).labels { names.insert(label.name) }
        }
        return names.sorted(by: utf8Less)
    }

    /// See `Querier.labelValues`.
    package func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
        if matchers.isEmpty { return block.index.labelValues(name).filter { !$0.isEmpty } }
        var values = Set<String>()
        for ref in try postings(for: matchers) {
            if let value = try block.index.series(ref.rawValue).labels[name], !value.isEmpty { values.insert(value) }
        }
        return values.sorted(by: utf8Less)
    }

    /// The series references matching every matcher, ascending. As the head's
    /// (`MemPostings.postings(for:)`), a matcher scanning values narrows what exact lookups
    /// chose value by value instead of merging every accepted value's list first.
    func postings(for matchers: [Matcher]) throws(TSDBError) -> [SeriesRef] {
        var include = [[SeriesRef]]()
        var scanning = [Matcher]()
        var exclude = [[SeriesRef]]()
        for matcher in matchers {
            if matcher.matchesEmpty {
                exclude.append(Postings.union(try refs(block.index.postings(name: matcher.name) { !matcher.matches($0) })))
            } else if let values = matcher.setMatches {
                var lists = [[UInt64]]()
                for value in values { lists.append(try block.index.postings(name: matcher.name, value: value)) }
                include.append(Postings.union(refs(lists)))
            } else {
                scanning.append(matcher)
            }
        }
        var result: [SeriesRef]? = include.isEmpty ? nil : Postings.intersect(include)
        for matcher in scanning {
            let lists = refs(try block.index.postings(name: matcher.name, where: matcher.matches))
            if let candidates = result {
                result = Postings.union(lists.map { Postings.intersect([candidates, $0]) })
            } else {
                result = Postings.union(lists)
            }
        }
        var selected: [SeriesRef]
        if let result { selected = result } else { selected = refs([try block.index.allPostings()])[0] }
        for list in exclude { selected = Postings.subtract(selected, list) }
        return selected
    }

    private func refs(_ lists: [[UInt64]]) -> [[SeriesRef]] {
        lists.map { $0.map { SeriesRef(rawValue: $0) } }
    }
}
