import Model
import Synchronization

extension Head {
    /// Removes series that hold no samples and have no uncommitted samples in any appender:
    /// those created by batches that were rolled back or whose samples were all refused.
    ///
    /// A reference to a removed series makes `HeadAppender.append(_:timestamp:value:)` throw
    /// `TSDBError.unknownSeriesRef`; callers fall back to appending by labels, which creates
    /// the series again.
    ///
    /// - Returns: the number of series removed.
    @discardableResult
    package func collectEmptySeries() -> Int {
        var candidates = [(SeriesRef, Labels)]()
        for stripe in series.refStripes {
            stripe.series.withLock { map in
                for (ref, s) in map.all where s.isCollectable { candidates.append((ref, s.labels)) }
            }
        }
        let removed = candidates.filter { ref, labels in series.remove(ref, labels, if: { $0.isCollectable }) }
        // Queriers meanwhile find the refs in the index but no series, and skip them.
        postings.delete(removed)
        return removed.count
    }
}

extension SeriesStripes {
    /// Removes series `ref` if `condition` still holds, under the same lock order as
    /// creation (hash stripe, then ref stripe).
    func remove(_ ref: SeriesRef, _ labels: Labels, if condition: (MemSeries) -> Bool) -> Bool {
        let hashStripe = hashStripes[Int(labels.hash % UInt64(hashStripes.count))]
        return hashStripe.refs.withLock { hashes in
            let removed = stripe(for: ref).series.withLock { map -> Bool in
                guard let s = map[ref], condition(s) else { return false }
                return map.remove(ref)
            }
            guard removed else { return false }
            hashes.remove(ref, labels.hash)
            return true
        }
    }
}

extension MemPostings {
    /// Removes series from the index, dropping values and names left without series. One
    /// pass per touched list, however many series go.
    func delete(_ series: [(SeriesRef, Labels)]) {
        guard !series.isEmpty else { return }
        let gone = Set(series.map(\.0))
        var touched = [String: Set<String>]()
        for (_, labels) in series { for label in labels { touched[label.name, default: []].insert(label.value) } }
        withState { byName, all in
            for (name, values) in touched {
                for value in values {
                    byName[name]?[value]?.removeAll { gone.contains($0) }
                    if byName[name]?[value]?.isEmpty == true { byName[name]?[value] = nil }
                }
                if byName[name]?.isEmpty == true { byName[name] = nil }
            }
            all.removeAll { gone.contains($0) }
        }
    }
}
