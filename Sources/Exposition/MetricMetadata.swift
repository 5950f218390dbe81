/// The metadata of one metric family: what `# TYPE`, `# HELP` and `# UNIT` said (a scrape's
/// families, a remote-write 2.0 series), as Prometheus's `metadata.Metadata`.
package struct MetricMetadata: Sendable, Equatable {
    /// The metric type (`unknown` when unspecified).
    package var type: MetricType
    /// The help text (may be empty).
    package var help: String
    /// The unit (may be empty).
    package var unit: String

    /// Creates metadata.
    package init(type: MetricType = .unknown, help: String = "", unit: String = "") {
        self.type = type
        self.help = help
        self.unit = unit
    }
}
