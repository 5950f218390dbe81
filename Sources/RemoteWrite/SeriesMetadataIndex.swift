import Exposition

/// The metadata a remote-write 2.0 series carries, looked up from the scraped families'
/// metadata (`metadata_config`): a series `x_bucket` belongs to the histogram family `x`, as a
/// family's samples are named in the exposition formats.
///
/// Prometheus 3 takes it from the metadata records of its WAL; Pharos's WAL holds none, so
/// this uses what the scrape targets said last (the same source as 1.0's metadata requests).
struct SeriesMetadataIndex: Sendable {
    private var families: [String: MetricMetadata] = [:]

    /// An index of `families`; the first entry of a family name wins (targets may disagree).
    init(_ families: [RemoteWriteFamilyMetadata] = []) {
        for family in families where self.families[family.familyName] == nil {
            self.families[family.familyName] = family.metadata
        }
    }

    /// Whether no family is known (nothing scraped yet).
    var isEmpty: Bool { families.isEmpty }

    /// The suffixes a family's samples add to its name, with the family types that use each.
    private static let suffixes: [(suffix: String, types: Set<MetricType>)] = [
        ("_bucket", [.histogram, .gaugehistogram]),
        ("_count", [.histogram, .summary]),
        ("_sum", [.histogram, .summary]),
        ("_gcount", [.gaugehistogram]),
        ("_gsum", [.gaugehistogram]),
        ("_total", [.counter]),
        ("_created", [.counter, .histogram, .summary]),
        ("_info", [.info]),
    ]

    /// The metadata of the family the series named `name` belongs to; nil when unknown.
    func metadata(forSeries name: String) -> MetricMetadata? {
        if let exact = families[name] { return exact }
        for (suffix, types) in Self.suffixes where name.hasSuffix(suffix) {
            if let family = families[String(name.dropLast(suffix.count))], types.contains(family.type) { return family }
        }
        return nil
    }
}
