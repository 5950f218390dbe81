internal import CXXHash

/// Subsets of a label set, as PromQL's `by`/`without`, `on`/`ignoring` and functions that drop
/// the metric name need them. Each works on the encoded bytes: a kept label is copied as its
/// `name 0xFF value 0xFF` span, so the result stays sorted without re-sorting or decoding.
extension Labels {
    /// The set without the labels called `names` (a result equal to `self` is `self`, unallocated).
    /// The name lists are arrays, not any collection, so the per-label search is specialised
    /// here rather than dispatched generically from the caller's module.
    package func dropping(_ names: [String]) -> Labels {
        if names.isEmpty { return self }
        return filtered { nameRange in !names.contains { equals(nameRange, $0) } }
    }

    /// The set with only the labels called `names`.
    package func keeping(_ names: [String]) -> Labels {
        filtered { nameRange in names.contains { equals(nameRange, $0) } }
    }

    /// The set without `__name__`, as PromQL functions and operators return it.
    package var withoutMetricName: Labels {
        filtered { !equals($0, Labels.metricNameLabel) }
    }

    /// The hash of the labels called `names` (Prometheus's `HashForLabels`, for `by (…)` and
    /// `on (…)`): equal to `keeping(names).hash` without building that set.
    package func hash(for names: [String]) -> UInt64 {
        hashOfSelected { nameRange in names.contains { equals(nameRange, $0) } }
    }

    /// The hash of every label except `names` and `__name__` (Prometheus's `HashWithoutLabels`,
    /// for `without (…)` and `ignoring (…)`, which always drop the metric name): equal to
    /// `dropping(names).withoutMetricName.hash` without building that set.
    package func hash(without names: [String]) -> UInt64 {
        hashOfSelected { nameRange in
            !equals(nameRange, Labels.metricNameLabel) && !names.contains { equals(nameRange, $0) }
        }
    }

    /// One allocation (the result's buffer), none when every label is kept: a first pass
    /// measures, a second copies each kept label's `name 0xFF value 0xFF` span.
    private func filtered(_ include: (Range<Int>) -> Bool) -> Labels {
        var total = 0
        forEachRange { nameRange, valueRange in
            if include(nameRange) { total += valueRange.upperBound + 1 - nameRange.lowerBound }
            return true
        }
        if total == _bytes.count { return self }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        forEachRange { nameRange, valueRange in
            if include(nameRange) { bytes.append(contentsOf: _bytes[nameRange.lowerBound...valueRange.upperBound]) }
            return true
        }
        return Labels(encoded: bytes)
    }

    /// Two passes over the encoding and no heap allocation: the first measures the selected
    /// bytes (and returns early when they are all of the set or one contiguous span), the second
    /// stages the spans in a temporary buffer (on the stack for typical sizes) for one XXH64 call.
    private func hashOfSelected(_ include: (Range<Int>) -> Bool) -> UInt64 {
        var total = 0
        var spanCount = 0
        var firstSpan = 0..<0
        var previousEnd = -1
        forEachRange { nameRange, valueRange in
            guard include(nameRange) else { return true }
            let span = nameRange.lowerBound..<(valueRange.upperBound + 1)
            if span.lowerBound != previousEnd { spanCount += 1 }
            if spanCount == 1 { firstSpan = firstSpan.isEmpty ? span : firstSpan.lowerBound..<span.upperBound }
            previousEnd = span.upperBound
            total += span.count
            return true
        }
        if total == _bytes.count { return hash }
        return _bytes.withUnsafeBufferPointer { bytes in
            if spanCount <= 1 {
                return XXH64(bytes.baseAddress.map { $0 + firstSpan.lowerBound }, firstSpan.count, 0)
            }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { staging in
                var at = 0
                forEachRange { nameRange, valueRange in
                    guard include(nameRange) else { return true }
                    let span = nameRange.lowerBound..<(valueRange.upperBound + 1)
                    _ = UnsafeMutableBufferPointer(rebasing: staging[at..<(at + span.count)])
                        .initialize(from: UnsafeBufferPointer(rebasing: bytes[span]))
                    at += span.count
                    return true
                }
                return XXH64(staging.baseAddress, total, 0)
            }
        }
    }
}
