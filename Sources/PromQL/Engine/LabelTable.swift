import Model

/// Every label set one query's samples carry, each stored once. Samples refer to theirs by a
/// `LabelID`, so moving a sample between steps and nodes copies no label set, equal sets have
/// equal IDs (a sample's identity is an integer compare), and a computation on labels
/// (grouping, matching, renaming) runs once per distinct set and is remembered in a `LabelMemo`.
///
/// The queries of a rule group share one table across its evaluations (`SelectionCache.table`),
/// so the series its rules read get their IDs, and their IDs without the metric name, once
/// rather than once per rule and evaluation.
///
/// Sets are found through an open-addressing index on `Labels.hash` (computed when the set
/// was built), so looking a set up hashes nothing.
final class LabelTable {
    private var sets: [Labels] = []
    /// Per slot, the ID + 1 of the set whose hash leads there first (0: empty); linear
    /// probing, a power of two of slots, at most half of them used.
    private var slots = [Int32](repeating: 0, count: 64)
    /// The projections queries asked for, each remembering its results.
    private var projections: [Projection.Key: Projection] = [:]
    /// The projection dropping only the metric name.
    private lazy var withoutName = projection(keeping: false, [])

    /// The number of sets held.
    var count: Int { sets.count }

    /// The ID of `labels`, added on first sight.
    func id(of labels: Labels) -> LabelID {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: labels.hash) & mask
        while slots[index] != 0 {
            let id = slots[index] - 1
            if sets[Int(id)] == labels { return LabelID(rawValue: id) }
            index = (index + 1) & mask
        }
        let id = LabelID(rawValue: Int32(sets.count))
        sets.append(labels)
        slots[index] = id.rawValue + 1
        if sets.count * 2 > slots.count { grow() }
        return id
    }

    /// Doubles the slots and places every set again.
    private func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (position, labels) in sets.enumerated() {
            var index = Int(truncatingIfNeeded: labels.hash) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = Int32(position + 1)
        }
    }

    /// The label set of `id`.
    subscript(id: LabelID) -> Labels { sets[Int(id.rawValue)] }

    /// The ID of `id`'s labels without `__name__` (what default vector matching compares).
    func idWithoutMetricName(_ id: LabelID) -> LabelID {
        withoutName.id(of: id, in: self)
    }

    /// The projection keeping only `names` (`keeping`), or dropping them and the metric name:
    /// what `on(…)`/`ignoring(…)` match on and `by(…)`/`without(…)` group by. One per
    /// projection and table, so its results last as long as the table.
    func projection(keeping: Bool, _ names: [String]) -> Projection {
        let key = Projection.Key(keeping: keeping, names: names)
        if let known = projections[key] { return known }
        let projection = Projection(key)
        projections[key] = projection
        return projection
    }

    /// The ID of the empty set.
    lazy var empty: LabelID = id(of: Labels())
}

/// Label sets projected on some of their labels (`LabelTable.projection(keeping:_:)`), each
/// set's projection computed once.
final class Projection {
    struct Key: Hashable {
        var keeping: Bool
        var names: [String]
    }

    private let key: Key
    private var ids = LabelMemo<LabelID>()

    fileprivate init(_ key: Key) {
        self.key = key
    }

    /// The ID of `id`'s labels projected, in `table` (the one this projection came from).
    func id(of id: LabelID, in table: LabelTable) -> LabelID {
        let key = key
        return ids.value(for: id) {
            let labels = table[$0]
            return table.id(of: key.keeping ? labels.keeping(key.names) : labels.dropping(key.names).withoutMetricName)
        }
    }
}

/// A label set in a query's `LabelTable`.
struct LabelID: Hashable {
    var rawValue: Int32
}

/// Remembers one value per label set: what a node derives from a sample's labels (its group,
/// its matching signature, its renamed set) is computed for the first sample of a set only.
struct LabelMemo<Value> {
    private var values: [Value?] = []

    /// The value remembered for `id`, computed by `make` the first time.
    mutating func value<E: Error>(for id: LabelID, _ make: (LabelID) throws(E) -> Value) throws(E) -> Value {
        if let value = self[id] { return value }
        let value = try make(id)
        remember(value, for: id)
        return value
    }

    /// The value remembered for `id`, if any.
    subscript(id: LabelID) -> Value? {
        let index = Int(id.rawValue)
        return index < values.count ? values[index] : nil
    }

    /// Remembers `value` for `id`.
    mutating func remember(_ value: Value, for id: LabelID) {
        let index = Int(id.rawValue)
        if index >= values.count { values.append(contentsOf: repeatElement(nil, count: index + 1 - values.count)) }
        values[index] = value
    }
}
