import Model

/// Every label set one query's samples carry, each stored once. Samples refer to theirs by a
/// `LabelID`, so moving a sample between steps and nodes copies no label set, equal sets have
/// equal IDs (a sample's identity is an integer compare), and a computation on labels
/// (grouping, matching, renaming) runs once per distinct set and is remembered in a `LabelMemo`.
///
/// The queries of one rule-group evaluation share one table (`SelectionCache.table`), so the
/// series of a selection several rules read get their IDs, and their IDs without the metric
/// name, once per evaluation rather than once per rule.
final class LabelTable {
    private var sets: [Labels] = []
    private var ids: [Labels: LabelID] = [:]
    private var withoutNames = LabelMemo<LabelID>()

    /// The ID of `labels`, added on first sight.
    func id(of labels: Labels) -> LabelID {
        if let id = ids[labels] { return id }
        let id = LabelID(rawValue: Int32(sets.count))
        sets.append(labels)
        ids[labels] = id
        return id
    }

    /// The label set of `id`.
    subscript(id: LabelID) -> Labels { sets[Int(id.rawValue)] }

    /// The ID of `id`'s labels without `__name__` (what default vector matching compares).
    func idWithoutMetricName(_ id: LabelID) -> LabelID {
        withoutNames.value(for: id) { self.id(of: self[$0].withoutMetricName) }
    }

    /// The ID of the empty set.
    lazy var empty: LabelID = id(of: Labels())
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
