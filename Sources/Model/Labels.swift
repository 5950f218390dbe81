internal import CXXHash

/// One label of a series: a name and its value.
package struct Label: Hashable, Sendable {
    /// The label name, e.g. `job` or `__name__`.
    package var name: String
    /// The label value; an empty value means the label is absent.
    package var value: String

    /// Creates a label.
    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An immutable label set sorted by name, kept in one contiguous buffer.
///
/// Each label is stored as `name 0xFF value 0xFF`. `0xFF` never occurs in UTF-8, so the
/// encoding is unambiguous and canonical (equal sets have equal bytes), and it is byte for byte
/// what Prometheus feeds to xxHash in `labels.Hash` (`model/labels/labels.go`), so `hash`
/// equals Prometheus's hash of the same set: one allocation per set, a hash computed once.
package struct Labels: Sendable {
    /// The encoded labels; `_` because only the `Labels` API may interpret it.
    @usableFromInline let _bytes: [UInt8]
    /// The 64-bit xxHash of the set, as Prometheus computes it.
    package let hash: UInt64

    @usableFromInline static let separator: UInt8 = 0xFF

    /// The empty label set.
    package init() {
        _bytes = []
        hash = Labels.xxh64([])
    }

    /// Creates a set from an already encoded, sorted, duplicate-free buffer.
    @usableFromInline init(encoded bytes: [UInt8]) {
        _bytes = bytes
        hash = Labels.xxh64(bytes)
    }

    /// Creates a set from labels in any order. A later duplicate name replaces an earlier one
    /// and labels with empty values are dropped, as Prometheus's `labels.Builder` does.
    package init(_ labels: some Sequence<Label>) {
        var builder = LabelsBuilder()
        for label in labels { builder.set(label.name, label.value) }
        self = builder.labels()
    }

    /// Creates a set from `name: value` pairs in any order (see `init(_:)` for the rules).
    package init(_ pairs: KeyValuePairs<String, String>) {
        self.init(pairs.lazy.map { Label(name: $0.key, value: $0.value) })
    }

    static func xxh64(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { XXH64($0.baseAddress, $0.count, 0) }
    }

    /// The number of labels.
    package var count: Int {
        var separators = 0
        for byte in _bytes where byte == Labels.separator { separators &+= 1 }  // bounded by _bytes.count
        return separators / 2
    }

    /// Whether the set has no labels.
    package var isEmpty: Bool { _bytes.isEmpty }

    /// The encoded size in bytes (names, values and one separator after each).
    package var encodedByteCount: Int { _bytes.count }

    /// The value of the label `name`, or `nil` if the set has none.
    package subscript(name: String) -> String? {
        var result: String?
        forEachRange { nameRange, valueRange in
            if equals(nameRange, name) {
                result = String(decoding: _bytes[valueRange], as: UTF8.self)
                return false
            }
            return true
        }
        return result
    }

    /// Calls `body` with the UTF-8 bytes of the value of `name` (empty when absent), without
    /// decoding a `String`. The buffer is valid only inside `body`.
    package func withValueBytes<R>(of name: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var found: Range<Int>?
        forEachRange { nameRange, valueRange in
            if equals(nameRange, name) {
                found = valueRange
                return false
            }
            return true
        }
        return try _bytes.withUnsafeBufferPointer { bytes in
            try body(found.map { UnsafeBufferPointer(rebasing: bytes[$0]) } ?? UnsafeBufferPointer(start: nil, count: 0))
        }
    }

    /// The metric name (`__name__`), or `nil`.
    package var metricName: String? { self[Labels.metricNameLabel] }

    /// Whether the set has a label called `name`.
    package func contains(name: String) -> Bool {
        var found = false
        forEachRange { nameRange, _ in
            if equals(nameRange, name) { found = true; return false }
            return true
        }
        return found
    }

    /// The label that holds the metric name.
    package static let metricNameLabel = "__name__"

    /// Calls `body` with the byte ranges of each name and value until it returns `false`.
    @inlinable
    package func forEachRange(_ body: (Range<Int>, Range<Int>) throws -> Bool) rethrows {
        var i = 0
        let bytes = _bytes
        while i < bytes.count {
            var j = i
            while bytes[j] != Labels.separator { j &+= 1 }  // every name ends in a separator
            var k = j &+ 1
            while bytes[k] != Labels.separator { k &+= 1 }  // every value ends in a separator
            if try !body(i..<j, (j &+ 1)..<k) { return }
            i = k &+ 1
        }
    }

    func equals(_ range: Range<Int>, _ string: String) -> Bool {
        let utf8 = string.utf8
        // The length first (constant time for native strings): most names differ in it.
        guard utf8.count == range.count else { return false }
        return _bytes.withUnsafeBufferPointer { buffer in
            let stored = UnsafeBufferPointer(rebasing: buffer[range])
            return utf8.withContiguousStorageIfAvailable { $0.elementsEqual(stored) } ?? utf8.elementsEqual(stored)
        }
    }
}

extension Labels: Sequence {
    /// Iterates the labels in name order.
    package struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        var offset = 0

        package mutating func next() -> Label? {
            guard offset < bytes.count else { return nil }
            var j = offset
            while bytes[j] != Labels.separator { j &+= 1 }
            var k = j &+ 1
            while bytes[k] != Labels.separator { k &+= 1 }
            defer { offset = k &+ 1 }
            return Label(
                name: String(decoding: bytes[offset..<j], as: UTF8.self),
                value: String(decoding: bytes[(j &+ 1)..<k], as: UTF8.self)
            )
        }
    }

    package func makeIterator() -> Iterator { Iterator(bytes: _bytes) }

    package var underestimatedCount: Int { count }
}

extension Labels: Hashable {
    package static func == (lhs: Labels, rhs: Labels) -> Bool {
        lhs.hash == rhs.hash && lhs._bytes == rhs._bytes
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}

extension Labels: Comparable {
    /// Orders as Prometheus's `labels.Compare`: label by label, name then value; a set that is
    /// a prefix of another sorts first.
    package static func < (lhs: Labels, rhs: Labels) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// Three-way comparison as Prometheus's `labels.Compare`: negative, zero or positive.
    package static func compare(_ lhs: Labels, _ rhs: Labels) -> Int {
        lhs._bytes.withUnsafeBufferPointer { a in
            rhs._bytes.withUnsafeBufferPointer { b in
                var i = 0, j = 0
                while i < a.count, j < b.count {
                    // Compare the name, then the value: each ends in a separator, which is
                    // compared as "end of string" rather than as the byte 0xFF.
                    for _ in 0..<2 {
                        while true {
                            let x = a[i], y = b[j]
                            if x == separator || y == separator {
                                if x != y { return x == separator ? -1 : 1 }
                                i &+= 1; j &+= 1
                                break
                            }
                            if x != y { return x < y ? -1 : 1 }
                            i &+= 1; j &+= 1
                        }
                    }
                }
                if i < a.count { return 1 }
                if j < b.count { return -1 }
                return 0
            }
        }
    }
}

extension Labels: CustomStringConvertible {
    /// The set as Prometheus prints it: `{__name__="up", job="node"}`.
    package var description: String {
        var out = "{"
        for (index, label) in enumerated() {
            if index > 0 { out += ", " }
            out += label.name
            out += "="
            out += label.value.quotedForPromQL
        }
        return out + "}"
    }
}

extension String {
    /// Byte-for-byte equality of the UTF-8, as Go compares strings. Swift's `==` compares by
    /// canonical equivalence (`"é" == "e\u{301}"`), which label names and values must not.
    @inline(__always)
    package func hasSameUTF8(as other: String) -> Bool {
        utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8)
    }

    /// The string quoted as Go's `strconv.Quote` writes label values in Prometheus's output.
    package var quotedForPromQL: String { GoQuote.quote(self) }
}
