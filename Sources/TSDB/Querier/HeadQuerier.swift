import Synchronization
package import Model

/// A `Querier` over the head's in-memory series (from `Head.querier()`).
package struct HeadQuerier: Querier {
    let head: Head

    /// See `Querier.select`. Looks postings up and snapshots the chunks under the head's
    /// commit lock; decoding happens later, in the caller's iterator. Deleted samples
    /// (`Head.delete`) are left out.
    package func select(_ matchers: [Matcher], mint: Int64, maxt: Int64) throws(TSDBError) -> [Series] {
        guard mint <= maxt else { return [] }
        // Look up and snapshot under the commit lock, so a batch is visible entirely or not
        // at all (including series it created: they are indexed before their batch commits).
        var selected = try head.commitState.withLock { (state: inout Head.CommitState) throws(TSDBError) -> [Series] in
            let refs = head.postings.postings(for: matchers)
            var out = [Series]()
            for ref in refs {
                guard let (labels, found) = head.series.withSeries(ref, { ($0.labels, $0.chunks(overlapping: mint, maxt)) })
                else { continue }
                let chunks = try state.tombstones.filter(found, of: ref)
                if !chunks.isEmpty { out.append(Series(labels: labels, chunks: chunks, mint: mint, maxt: maxt)) }
            }
            return out
        }
        selected.sort { $0.labels < $1.labels }
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
