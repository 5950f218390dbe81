package import Model

/// An alert's annotations: name/value pairs sorted by name, like `Labels` but keeping empty
/// values, as upstream keeps an annotation whose template expands to nothing (`labels.New`).
package struct Annotations: Sendable, Hashable, Comparable, Sequence, CustomStringConvertible {
    private var pairs: [Label]

    /// No annotations.
    package init() { pairs = [] }

    /// Annotations from pairs in any order; a later duplicate name replaces an earlier one.
    package init(_ labels: some Sequence<Label>) {
        var byName: [String: String] = [:]
        for label in labels { byName[label.name] = label.value }
        self.init(byName)
    }

    /// Annotations from a name → value map.
    package init(_ map: [String: String]) {
        pairs = map.map { Label(name: $0.key, value: $0.value) }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The value of `name`, `nil` when there is no such annotation (an empty value is a value).
    package subscript(name: String) -> String? {
        pairs.first { $0.name.hasSameUTF8(as: name) }?.value
    }

    package func makeIterator() -> IndexingIterator<[Label]> { pairs.makeIterator() }

    /// Go's `labels.Compare`: pair by pair, name then value byte-wise, then the shorter first.
    package static func < (lhs: Annotations, rhs: Annotations) -> Bool {
        for (left, right) in zip(lhs.pairs, rhs.pairs) {
            if !left.name.hasSameUTF8(as: right.name) { return left.name.utf8.lexicographicallyPrecedes(right.name.utf8) }
            if !left.value.hasSameUTF8(as: right.value) { return left.value.utf8.lexicographicallyPrecedes(right.value.utf8) }
        }
        return lhs.pairs.count < rhs.pairs.count
    }

    package static func == (lhs: Annotations, rhs: Annotations) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name.hasSameUTF8(as: $1.name) && $0.value.hasSameUTF8(as: $1.value) }
    }

    package func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(Array(pair.name.utf8))
            hasher.combine(Array(pair.value.utf8))
        }
    }

    /// As Prometheus prints labels: `{description="…", summary="…"}`.
    package var description: String {
        "{" + pairs.map { "\($0.name)=\($0.value.quotedForPromQL)" }.joined(separator: ", ") + "}"
    }
}
