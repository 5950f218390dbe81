/// The head's identifier of a series: handed out on first append, written in the WAL's series
/// and samples records, and handed back to `HeadAppender.append(_:timestamp:value:)` to skip
/// the label lookup (Prometheus's `storage.SeriesRef`/`chunks.HeadSeriesRef`).
package struct SeriesRef: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number as the WAL stores it.
    package var rawValue: UInt64

    /// Wraps a raw reference.
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    package static func < (lhs: SeriesRef, rhs: SeriesRef) -> Bool { lhs.rawValue < rhs.rawValue }

    package var description: String { String(rawValue) }
}
