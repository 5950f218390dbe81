extension Labels {
    /// Creates a set from labels already sorted by name (byte order) with distinct names, as
    /// decoders that checked the order themselves have them (remote write): skips the
    /// de-duplication and sort of `init(_:)`. Labels with empty values are dropped.
    ///
    /// Unsorted or repeated names are a caller bug (checked in debug builds only): the set
    /// would not be canonical and would compare unequal to the same labels built otherwise.
    package init(sortedUnique labels: [Label]) {
        var capacity = 0
        for label in labels where !label.value.isEmpty {
            capacity += label.name.utf8.count + label.value.utf8.count + 2
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        var previous: String?
        for label in labels where !label.value.isEmpty {
            assert(previous.map { $0.utf8.lexicographicallyPrecedes(label.name.utf8) } ?? true,
                   "BUG: labels passed to init(sortedUnique:) are not sorted and unique")
            previous = label.name
            bytes.append(contentsOf: label.name.utf8)
            bytes.append(Labels.separator)
            bytes.append(contentsOf: label.value.utf8)
            bytes.append(Labels.separator)
        }
        self.init(encoded: bytes)
    }
}
