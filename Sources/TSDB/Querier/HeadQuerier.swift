import Synchronization
package import Model

/// A `Querier` over the head's in-memory series.
package struct HeadQuerier: Querier {
    let head: Head

    package func select(_ matchers: [Matcher], mint: Int64, maxt: Int64) throws(TSDBError) -> [Series] {
        guard mint <= maxt else { return [] }
        // Look up and snapshot under the commit lock, so a batch is visible entirely or not
        // at all (including series it created: they are indexed before their batch commits).
        var selected = head.commitState.withLock { _ in
            let refs = head.postings.postings(for: matchers)
            var out = [Series]()
            for ref in refs {
                guard let (labels, chunks) = head.series.withSeries(ref, { ($0.labels, $0.chunks(overlapping: mint, maxt)) }),
                    !chunks.isEmpty
                else { continue }
                out.append(Series(labels: labels, chunks: chunks, mint: mint, maxt: maxt))
            }
            return out
        }
        selected.sort { $0.labels < $1.labels }
        return selected
    }

    package func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] {
        if matchers.isEmpty { return head.postings.labelNames() }
        var names = Set<String>()
        for ref in head.postings.postings(for: matchers) {
            guard let labels = head.series.labels(of: ref) else { continue }
            for label in labels { names.insert(label.name) }
        }
        return names.sorted()
    }

    package func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
        if matchers.isEmpty { return head.postings.labelValues(name).filter { !$0.isEmpty } }
        var values = Set<String>()
        for ref in head.postings.postings(for: matchers) {
            if let value = head.series.labels(of: ref)?[name], !value.isEmpty { values.insert(value) }
        }
        return values.sorted()
    }
}
