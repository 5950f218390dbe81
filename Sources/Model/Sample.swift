/// One float sample: a timestamp in milliseconds since the Unix epoch and a value.
package struct Sample: Sendable {
    /// Milliseconds since the Unix epoch, as Prometheus stores them.
    package var timestampMs: Int64
    /// The value; `Double.staleMarker` marks the end of a series.
    package var value: Double

    /// Creates a sample.
    package init(timestampMs: Int64, value: Double) {
        self.timestampMs = timestampMs
        self.value = value
    }
}

extension Sample: Equatable {
    /// Samples are equal when timestamps and value bit patterns are equal, so NaN equals the
    /// same NaN and a stale marker differs from an ordinary NaN.
    package static func == (lhs: Sample, rhs: Sample) -> Bool {
        lhs.timestampMs == rhs.timestampMs && lhs.value.bitPattern == rhs.value.bitPattern
    }
}

extension Double {
    /// The bit pattern Prometheus writes to mark a series stale (`model/value.StaleNaN`).
    package static let staleMarkerBitPattern: UInt64 = 0x7FF0_0000_0000_0002

    /// The staleness marker: a NaN with a bit pattern no arithmetic produces.
    package static let staleMarker = Double(bitPattern: staleMarkerBitPattern)

    /// Whether this value is the staleness marker (and not just any NaN).
    package var isStaleMarker: Bool { bitPattern == Double.staleMarkerBitPattern }
}
