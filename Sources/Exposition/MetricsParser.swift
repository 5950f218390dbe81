package import Model

/// The kind of entry a `MetricsParser` stopped at, as Prometheus's `textparse.Entry`.
package enum MetricEntry: Sendable, Equatable {
    /// `# TYPE name type`: read `metadataName` and `type`.
    case type
    /// `# HELP name text`: read `metadataName` and `help`.
    case help
    /// `# UNIT name unit` (OpenMetrics): read `metadataName` and `unit`.
    case unit
    /// A float sample: read `labels(into:)`, `value`, `timestampMs` and `exemplar(into:)`.
    case series
    /// A native histogram sample (protobuf only); read through the parser's own accessor.
    case histogram
    /// Any other comment line (text format 0.0.4 only): read `comment`.
    case comment
}

/// The metric types of OpenMetrics 1.0 (`untyped` in text 0.0.4 is `unknown`).
package enum MetricType: String, Sendable, Equatable, CaseIterable {
    case counter
    case gauge
    case histogram
    case gaugehistogram
    case summary
    case info
    case stateset
    case unknown
}

/// The value and optional timestamp of an exemplar; its labels go to the caller's builder.
package struct ExemplarValue: Sendable, Equatable {
    /// The exemplar's value.
    package var value: Double
    /// Milliseconds since the Unix epoch, if the exemplar has a timestamp.
    package var timestampMs: Int64?

    /// Creates an exemplar value.
    package init(value: Double, timestampMs: Int64?) {
        self.value = value
        self.timestampMs = timestampMs
    }

    package static func == (lhs: ExemplarValue, rhs: ExemplarValue) -> Bool {
        lhs.value.bitPattern == rhs.value.bitPattern && lhs.timestampMs == rhs.timestampMs
    }
}

/// A pull parser over one exposition body, as Prometheus's `model/textparse.Parser`.
///
/// Call `next()` until it returns `nil`; after each entry, read it through the accessors that
/// match its kind. Accessors describe the current entry only and are valid until the next
/// `next()`. Labels are written into a builder the caller owns, so the caller decides what to
/// keep and when to pay for a `Labels` set; nothing is allocated for a sample the caller skips.
///
/// The first error is final: after `next()` throws, the parser stays at that error.
package protocol MetricsParser {
    /// Advances to the next entry and returns its kind, or `nil` at the end of the body.
    /// - Throws: `ExpositionError` with the line and column (text) or offset (protobuf).
    mutating func next() throws(ExpositionError) -> MetricEntry?

    /// The metric family name of the current `.type`, `.help` or `.unit` entry.
    var metadataName: String { get }
    /// The help text of the current `.help` entry, unescaped.
    var help: String { get }
    /// The type of the current `.type` entry.
    var type: MetricType { get }
    /// The unit of the current `.unit` entry (may be empty).
    var unit: String { get }
    /// The text of the current `.comment` entry, after `# `.
    var comment: String { get }

    /// Writes the current series' labels, `__name__` included, into `builder` after resetting it.
    func labels(into builder: inout LabelsBuilder)
    /// The value of the current `.series` entry.
    var value: Double { get }
    /// The timestamp of the current `.series` entry in milliseconds, if it has one.
    var timestampMs: Int64? { get }
    /// The exemplar of the current `.series` entry: its labels go into `builder` (reset first),
    /// its value and timestamp are returned. `nil` (and `builder` untouched) if there is none.
    func exemplar(into builder: inout LabelsBuilder) -> ExemplarValue?
    /// The created timestamp (ms) of the current series, where the format carries it beside the
    /// sample (protobuf). OpenMetrics `_created` lines are ordinary `.series` entries.
    var createdTimestampMs: Int64? { get }

    /// Calls `body` with bytes that identify the current series (its name and labels as written),
    /// for caches keyed by series; two samples of the same series in one body give equal bytes.
    func withSeriesKey<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R
}

extension MetricsParser {
    package var createdTimestampMs: Int64? { nil }
}

/// The exposition formats Pharos reads and writes, with the media types Prometheus uses.
package enum ExpositionFormat: String, Sendable, Equatable, CaseIterable {
    /// Prometheus text format 0.0.4.
    case text = "text"
    /// OpenMetrics 1.0 text.
    case openMetrics = "openmetrics"
    /// Length-delimited `io.prometheus.client.MetricFamily` protobuf messages.
    case protobuf = "protobuf"

    /// The `Content-Type` a server sends with a body in this format.
    package var contentType: String {
        switch self {
        case .text: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        case .protobuf: "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
        }
    }

    /// The format of a response's `Content-Type`, or `nil` when no parser handles it.
    /// An empty or missing header is `nil` too: the caller falls back to its configured format.
    package init?(contentType: String) {
        let parts = contentType.split(separator: ";").map { $0.trimmingSpaces.lowercased() }
        guard let mediaType = parts.first else { return nil }
        switch mediaType {
        case "text/plain":
            self = .text
        case "application/openmetrics-text":
            self = .openMetrics
        case "application/vnd.google.protobuf":
            let isMetricFamily = parts.contains("proto=io.prometheus.client.metricfamily")
            let isDelimited = parts.contains("encoding=delimited")
            guard isMetricFamily && isDelimited else { return nil }
            self = .protobuf
        default:
            return nil
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var slice = self
        while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
        while slice.last == " " || slice.last == "\t" { slice.removeLast() }
        return slice
    }
}
