import Synchronization
package import Model

/// A `Querier` over the head's in-memory series (from `Head.querier()`).
package struct HeadQuerier: Querier {
    let head: Head
    /// Whether out-of-order samples are included (not when compaction cuts the in-order
    /// data into a block: they are compacted separately).
    var outOfOrder = true

    /// See `Querier.select`. Looks postings up and snapshots the chunks under the head's
    /// commit lock; decoding happens later, in the caller's iterator, except where
    /// out-of-order chunks overlap others: those are merged here (`SeriesMerge.mergeChunks`).
    /// Deleted samples (`Head.delete`) are left out. Hints are not used.
    package func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints _: SelectHints?) throws(TSDBError) -> [Series] {
        guard mint <= maxt else { return [] }
        // Look up and snapshot under the commit lock, so a batch is visible entirely or not
        // at all (including series it created: they are indexed before their batch commits).
        let outOfOrder = outOfOrder
        let found = try head.commitState.withLock {
            (state: inout Head.CommitState) throws(TSDBError) -> [(SeriesRef, Labels, [ChunkSnapshot], [ChunkSnapshot])] in
            let refs = head.postings.postings(for: matchers)
            var out = [(SeriesRef, Labels, [ChunkSnapshot], [ChunkSnapshot])]()
            for ref in refs {
                guard let (labels, inOrder, others) = head.series.withSeries(ref, {
                    ($0.labels, $0.chunks(overlapping: mint, maxt), outOfOrder ? $0.outOfOrderChunks(overlapping: mint, maxt) : [])
                }) else { continue }
                let chunks = try state.tombstones.filter(inOrder, of: ref)
                let outOfOrderChunks = try state.tombstones.filter(others, of: ref)
                if !chunks.isEmpty || !outOfOrderChunks.isEmpty { out.append((ref, labels, chunks, outOfOrderChunks)) }
            }
            return out
        }
        // Postings are in creation order: sort positions (cheap to move), not the series. The
        // order found for the same series before is tried first, then creation order; either
        // is used only if it checks out. The labels are compared from their own array: reading
        // them out of `found`'s tuples would copy (retain and release) each tuple's chunk lists.
        let labels = found.map(\.1)
        func isSorted(_ order: [Int]) -> Bool {
            order.count == labels.count && order.indices.dropFirst().allSatisfy { labels[order[$0 - 1]] < labels[order[$0]] }
        }
        let refs = found.map(\.0)
        var order = head.labelOrders.order(of: refs) ?? Array(found.indices)
        if !isSorted(order) {
            order = Array(found.indices)
            if !isSorted(order) { order.sort { labels[$0] < labels[$1] } }
            head.labelOrders.remember(order, of: refs)
        }
        var selected = [Series]()
        selected.reserveCapacity(found.count)
        for index in order {
            let (_, labels, inOrder, others) = found[index]
            let chunks = others.isEmpty ? inOrder : try SeriesMerge.mergeChunks(inOrder + others)
            selected.append(Series(labels: labels, chunks: chunks, mint: mint, maxt: maxt))
        }
        return selected
    }

    /// See `Querier.labelNames`. With matchers, reads the labels of every matching series.
    package func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] {
        if matchers.isEmpty { return head.postings.labelNames() }
        var names = Set<String>()
        for ref in head.postings.postings(for: matchers) {
            guard let labels = head.series.labels(of: ref) else { continue }
            for label in labels { names.insert(label.name) }
        }
        return names.sorted()
    }

    /// See `Querier.labelValues`. With matchers, reads the labels of every matching series.
    package func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
        if matchers.isEmpty { return head.postings.labelValues(name).filter { !$0.isEmpty } }
        var values = Set<String>()
        for ref in head.postings.postings(for: matchers) {
            if let value = head.series.labels(of: ref)?[name], !value.isEmpty { values.insert(value) }
        }
        return values.sorted()
    }
}
