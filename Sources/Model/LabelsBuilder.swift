/// Builds a `Labels` set by setting and deleting labels, as Prometheus's `labels.Builder`.
///
/// Like the upstream builder it keeps the base set untouched and records changes beside it
/// (labels set, names deleted), so reading a base label costs no decoding, `labels()` returns
/// the base itself when nothing changed, and `forEach` visits labels in the same order as
/// upstream's `Builder.Range` (base labels first, then labels set, in the order they were set).
/// That order is observable: it decides which label wins when `labelmap` maps two names to one.
///
/// Names are compared byte for byte (as Go compares strings), never by Unicode canonical
/// equivalence. Reuse a builder across series with `reset(_:)` to keep its storage.
package struct LabelsBuilder: Sendable {
    private var base: Labels
    /// Labels set since `reset`, in the order they were first set; no empty values.
    private var added: [Label] = []
    /// Names deleted since `reset`; a later `set` of the same name lives in `added`.
    private var deleted: [String] = []

    /// Creates an empty builder.
    package init() {
        base = Labels()
    }

    /// Creates a builder that starts from `base`.
    package init(_ base: Labels) {
        self.base = base
    }

    /// Replaces the builder's content with `base`, keeping its capacity.
    package mutating func reset(_ base: Labels = Labels()) {
        self.base = base
        added.removeAll(keepingCapacity: true)
        deleted.removeAll(keepingCapacity: true)
    }

    /// Sets `name` to `value`; an empty value deletes the label.
    package mutating func set(_ name: String, _ value: String) {
        if value.isEmpty {
            delete(name)
            return
        }
        if let index = added.firstIndex(where: { Self.same($0.name, name) }) {
            added[index].value = value
        } else {
            added.append(Label(name: name, value: value))
        }
    }

    /// Deletes the labels called `names`.
    package mutating func delete(_ names: String...) {
        for name in names { delete(name) }
    }

    private mutating func delete(_ name: String) {
        added.removeAll { Self.same($0.name, name) }
        deleted.append(name)
    }

    /// Deletes every label for which `predicate` is true.
    package mutating func delete(where predicate: (Label) -> Bool) {
        var doomed: [String] = []
        forEach { label in
            if predicate(label) { doomed.append(label.name) }
        }
        for name in doomed { delete(name) }
    }

    /// Deletes every label whose name's UTF-8 bytes satisfy `predicate`, decoding only the names
    /// it deletes: relabeling's `labeldrop`/`labelkeep` run per series, and most names survive.
    package mutating func delete(whereName predicate: (UnsafeBufferPointer<UInt8>) -> Bool) {
        var doomed: [String] = []
        base._bytes.withUnsafeBufferPointer { bytes in
            base.forEachRange { nameRange, _ in
                // A base name also overridden by `added` or `deleted` gets the same answer as its
                // override (the predicate sees only the name), so deleting it twice is harmless.
                let name = UnsafeBufferPointer(rebasing: bytes[nameRange])
                if predicate(name) { doomed.append(String(decoding: name, as: UTF8.self)) }
                return true
            }
        }
        for label in added {
            var name = label.name
            if name.withUTF8(predicate) { doomed.append(label.name) }
        }
        for name in doomed { delete(name) }
    }

    /// Calls `body` with the UTF-8 bytes of the current value of `name` (empty when absent),
    /// without decoding a base value into a `String`.
    package func withValueBytes<R>(of name: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let label = added.first(where: { Self.same($0.name, name) }) {
            var value = label.value
            return try value.withUTF8(body)
        }
        if deleted.contains(where: { Self.same($0, name) }) { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try base.withValueBytes(of: name, body)
    }

    /// Keeps only the labels called `names`.
    package mutating func keep(_ names: some Collection<String>) {
        delete { label in !names.contains { Self.same($0, label.name) } }
    }

    /// The current value of `name`, or `nil`.
    package func value(of name: String) -> String? {
        // `delete` removes from `added` but `set` does not remove from `deleted`: look in `added` first.
        if let label = added.first(where: { Self.same($0.name, name) }) { return label.value }
        if deleted.contains(where: { Self.same($0, name) }) { return nil }
        return base[name]
    }

    /// Calls `body` with each current label: the base labels still present (in name order),
    /// then the labels set since `reset` (in the order they were first set), as upstream's
    /// `Builder.Range`. Changes `body` makes to the builder do not affect the iteration.
    package func forEach(_ body: (Label) throws -> Void) rethrows {
        for label in base where !isOverridden(label.name) {
            try body(label)
        }
        for label in added { try body(label) }
    }

    /// The labels currently set, in `forEach` order.
    package var current: [Label] {
        var labels: [Label] = []
        forEach { labels.append($0) }
        return labels
    }

    /// The sorted, encoded label set; the base set itself (no copy, no rehash) when unchanged.
    ///
    /// Base labels are copied as encoded bytes, never decoded; only the labels set since
    /// `reset` (few) are sorted and merged in.
    package func labels() -> Labels {
        if added.isEmpty && deleted.isEmpty { return base }
        let extra = added.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var capacity = base.encodedByteCount
        for label in extra { capacity += label.name.utf8.count + label.value.utf8.count + 2 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        func append(_ label: Label) {
            bytes.append(contentsOf: label.name.utf8)
            bytes.append(Labels.separator)
            bytes.append(contentsOf: label.value.utf8)
            bytes.append(Labels.separator)
        }
        var next = 0
        base._bytes.withUnsafeBufferPointer { encoded in
            base.forEachRange { nameRange, valueRange in
                let name = UnsafeBufferPointer(rebasing: encoded[nameRange])
                while next < extra.count, extra[next].name.utf8.lexicographicallyPrecedes(name) {
                    append(extra[next])
                    next += 1
                }
                let overridden = deleted.contains { $0.utf8.elementsEqual(name) }
                    || added.contains { $0.name.utf8.elementsEqual(name) }
                if !overridden {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: encoded[nameRange.lowerBound...valueRange.upperBound]))
                }
                return true
            }
        }
        while next < extra.count {
            append(extra[next])
            next += 1
        }
        return Labels(encoded: bytes)
    }

    private func isOverridden(_ name: String) -> Bool {
        deleted.contains { Self.same($0, name) } || added.contains { Self.same($0.name, name) }
    }

    @inline(__always)
    private static func same(_ a: String, _ b: String) -> Bool { a.hasSameUTF8(as: b) }
}
