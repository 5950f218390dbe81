/// Builds a `Labels` set by setting and deleting labels, as Prometheus's `labels.Builder`.
///
/// Reuse a builder across series with `reset(_:)` to keep its storage.
package struct LabelsBuilder: Sendable {
    private var pending: [Label] = []

    /// Creates an empty builder.
    package init() {}

    /// Creates a builder that starts from `base`.
    package init(_ base: Labels) {
        pending = Array(base)
    }

    /// Replaces the builder's content with `base`, keeping its capacity.
    package mutating func reset(_ base: Labels = Labels()) {
        pending.removeAll(keepingCapacity: true)
        pending.append(contentsOf: base)
    }

    /// Sets `name` to `value`; an empty value deletes the label.
    package mutating func set(_ name: String, _ value: String) {
        if let index = pending.firstIndex(where: { $0.name == name }) {
            if value.isEmpty {
                pending.remove(at: index)
            } else {
                pending[index].value = value
            }
        } else if !value.isEmpty {
            pending.append(Label(name: name, value: value))
        }
    }

    /// Deletes the labels called `names`.
    package mutating func delete(_ names: String...) {
        pending.removeAll { names.contains($0.name) }
    }

    /// Deletes every label for which `predicate` is true.
    package mutating func delete(where predicate: (Label) -> Bool) {
        pending.removeAll(where: predicate)
    }

    /// Keeps only the labels called `names`.
    package mutating func keep(_ names: some Collection<String>) {
        pending.removeAll { !names.contains($0.name) }
    }

    /// The current value of `name`, or `nil`.
    package func value(of name: String) -> String? {
        pending.first { $0.name == name }?.value
    }

    /// The labels currently set, in no particular order.
    package var current: [Label] { pending }

    /// The sorted, encoded label set.
    package func labels() -> Labels {
        var sorted = pending
        sorted.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var capacity = 0
        for label in sorted { capacity += label.name.utf8.count + label.value.utf8.count + 2 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        for label in sorted {
            bytes.append(contentsOf: label.name.utf8)
            bytes.append(Labels.separator)
            bytes.append(contentsOf: label.value.utf8)
            bytes.append(Labels.separator)
        }
        return Labels(encoded: bytes)
    }
}
