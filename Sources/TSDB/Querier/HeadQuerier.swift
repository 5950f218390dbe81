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
        let found = try head.commitState.withLock {
            (state: inout Head.CommitState) throws(TSDBError) -> [(SeriesRef, Snapshot)] in
            var out = [(SeriesRef, Snapshot)]()
            for ref in head.postings.postings(for: matchers) {
                if let snapshot = try snapshot(ref, mint: mint, maxt: maxt, tombstones: state.tombstones) { out.append((ref, snapshot)) }
            }
            return out
        }
        var selected = [Series]()
        selected.reserveCapacity(found.count)
        for index in labelOrder(found.map(\.1.labels), refs: found.map(\.0)) {
            selected.append(try found[index].1.series(mint: mint, maxt: maxt))
        }
        return selected
    }

    /// See `Querier.selectNewest`. A series with neither deleted samples nor out-of-order ones
    /// whose newest sample lies in range answers from what it keeps of that sample, without a
    /// chunk; the others are snapshot and decoded as `select` does.
    package func selectNewest(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints _: SelectHints?) throws(TSDBError) -> [NewestSample] {
        guard mint <= maxt else { return [] }
        enum Found {
            case sample(NewestSample)
            case snapshot(Snapshot)
        }
        let outOfOrder = outOfOrder
        let found = try head.commitState.withLock {
            (state: inout Head.CommitState) throws(TSDBError) -> [(SeriesRef, Found)] in
            let refs = head.postings.postings(for: matchers)
            let tombstones = state.tombstones
            var out = [(SeriesRef, Found)]()
            out.reserveCapacity(refs.count)
            for ref in refs {
                // Deleted samples need the chunks filtered.
                let newest = tombstones.deletes(from: ref)
                    ? .unknown : head.series.withSeries(ref) { $0.newest(in: mint, maxt, outOfOrder: outOfOrder) } ?? .absent
                switch newest {
                case .unknown:
                    if let snapshot = try snapshot(ref, mint: mint, maxt: maxt, tombstones: tombstones) {
                        out.append((ref, .snapshot(snapshot)))
                    }
                case .absent: break
                case .sample(let labels, let t, let v, let chunkMinTime):
                    out.append((ref, .sample(NewestSample(labels: labels, timestamp: t, value: v, chunkMinTime: chunkMinTime))))
                }
            }
            return out
        }
        func labels(_ item: Found) -> Labels {
            switch item {
            case .sample(let sample): sample.labels
            case .snapshot(let snapshot): snapshot.labels
            }
        }
        var selected = [NewestSample]()
        selected.reserveCapacity(found.count)
        for index in labelOrder(found.map { labels($0.1) }, refs: found.map(\.0)) {
            switch found[index].1 {
            case .sample(let sample): selected.append(sample)
            case .snapshot(let snapshot):
                if let sample = try snapshot.series(mint: mint, maxt: maxt).newest() { selected.append(sample) }
            }
        }
        return selected
    }

    /// A series' labels and its chunks overlapping a range, taken under the commit lock.
    struct Snapshot {
        let labels: Labels
        let inOrder: [ChunkSnapshot]
        let outOfOrder: [ChunkSnapshot]

        /// The series, its out-of-order chunks merged into the others.
        func series(mint: Int64, maxt: Int64) throws(TSDBError) -> Series {
            let chunks = outOfOrder.isEmpty ? inOrder : try SeriesMerge.mergeChunks(inOrder + outOfOrder)
            return Series(labels: labels, chunks: chunks, mint: mint, maxt: maxt)
        }
    }

    /// The chunks of series `ref` overlapping `[mint, maxt]` without deleted samples; `nil`
    /// when there is no such series or nothing is left. Called under the commit lock.
    private func snapshot(_ ref: SeriesRef, mint: Int64, maxt: Int64, tombstones: Tombstones) throws(TSDBError) -> Snapshot? {
        let outOfOrder = outOfOrder
        guard let (labels, inOrder, others) = head.series.withSeries(ref, {
            ($0.labels, $0.chunks(overlapping: mint, maxt), outOfOrder ? $0.outOfOrderChunks(overlapping: mint, maxt) : [])
        }) else { return nil }
        let chunks = try tombstones.filter(inOrder, of: ref)
        let outOfOrderChunks = try tombstones.filter(others, of: ref)
        if chunks.isEmpty && outOfOrderChunks.isEmpty { return nil }
        return Snapshot(labels: labels, inOrder: chunks, outOfOrder: outOfOrderChunks)
    }

    /// Positions into a list of series (`labels`, with the series' `refs`) in label order.
    ///
    /// Postings are in creation order: positions are sorted (cheap to move), not the series.
    /// The order found for the same series before is tried first, then creation order; either
    /// is used only if it checks out.
    private func labelOrder(_ labels: [Labels], refs: [SeriesRef]) -> [Int] {
        func isSorted(_ order: [Int]) -> Bool {
            order.count == labels.count && order.indices.dropFirst().allSatisfy { labels[order[$0 - 1]] < labels[order[$0]] }
        }
        var order = head.labelOrders.order(of: refs) ?? Array(labels.indices)
        if !isSorted(order) {
            order = Array(labels.indices)
            if !isSorted(order) { order.sort { labels[$0] < labels[$1] } }
            head.labelOrders.remember(order, of: refs)
        }
        return order
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
