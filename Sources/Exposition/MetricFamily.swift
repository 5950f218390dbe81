package import Model

/// An exemplar: labels pointing at a trace, a value and an optional timestamp.
package struct Exemplar: Sendable, Equatable {
    /// The exemplar's labels (e.g. `trace_id`).
    package var labels: Labels
    /// The exemplar's value and timestamp.
    package var value: ExemplarValue

    /// Creates an exemplar.
    package init(labels: Labels, value: ExemplarValue) {
        self.labels = labels
        self.value = value
    }
}

/// One sample line of a metric family: the full series labels (`__name__` included, so a
/// histogram's `_bucket`, `_sum` and `_count` samples keep their names), value and timestamp.
package struct MetricSample: Sendable, Equatable {
    /// The series labels, `__name__` included.
    package var labels: Labels
    /// The sample value.
    package var value: Double
    /// Milliseconds since the Unix epoch, if the sample carries a timestamp.
    package var timestampMs: Int64?
    /// The sample's exemplar (OpenMetrics only).
    package var exemplar: Exemplar?

    /// Creates a sample.
    package init(labels: Labels, value: Double, timestampMs: Int64? = nil, exemplar: Exemplar? = nil) {
        self.labels = labels
        self.value = value
        self.timestampMs = timestampMs
        self.exemplar = exemplar
    }

    /// Samples are equal when labels, timestamps, exemplars and value bit patterns are equal.
    package static func == (lhs: MetricSample, rhs: MetricSample) -> Bool {
        lhs.labels == rhs.labels && lhs.value.bitPattern == rhs.value.bitPattern
            && lhs.timestampMs == rhs.timestampMs && lhs.exemplar == rhs.exemplar
    }
}

/// A metric family as exposed: name, type, help, unit and its samples in body order.
///
/// This is the decoded, allocated form for tools and writers (`check metrics`, `/federate`,
/// the push gateway); the scrape path reads a `MetricsParser` directly instead.
package struct MetricFamily: Sendable, Equatable {
    /// The family name (without sample suffixes such as `_total` or `_bucket`).
    package var name: String
    /// The family's type (`unknown` when the body declared none).
    package var type: MetricType
    /// The help text, unescaped, if the body had one.
    package var help: String?
    /// The unit (OpenMetrics), if the body had one.
    package var unit: String?
    /// The samples, in body order.
    package var samples: [MetricSample]

    /// Creates a family.
    package init(name: String, type: MetricType = .unknown, help: String? = nil, unit: String? = nil, samples: [MetricSample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.unit = unit
        self.samples = samples
    }

    /// The suffixes a sample name may add to the family name for `type`.
    package static func sampleSuffixes(for type: MetricType) -> [String] {
        switch type {
        case .counter: ["_total", "_created", ""]
        case .gauge, .stateset, .unknown: [""]
        case .histogram: ["_bucket", "_count", "_sum", "_created"]
        case .gaugehistogram: ["_bucket", "_gcount", "_gsum"]
        case .summary: ["", "_count", "_sum", "_created"]
        case .info: ["_info"]
        }
    }

    /// Whether a sample called `sampleName` belongs to this family.
    package func owns(sampleName: String) -> Bool {
        guard sampleName.hasPrefix(name) else { return false }
        let rest = sampleName.dropFirst(name.count)
        return Self.sampleSuffixes(for: type).contains { $0 == rest }
    }

    /// Reads every entry of `parser` and groups the samples into families, in body order.
    /// A sample whose name no current family owns starts a family of type `unknown`.
    /// - Throws: the parser's first `ExpositionError`.
    package static func collect(from parser: inout some MetricsParser) throws(ExpositionError) -> [MetricFamily] {
        var families: [MetricFamily] = []
        var builder = LabelsBuilder()
        var exemplarBuilder = LabelsBuilder()
        func family(named name: String) -> Int {
            if let last = families.indices.last, families[last].name == name, families[last].samples.isEmpty {
                return last
            }
            families.append(MetricFamily(name: name))
            return families.count - 1
        }
        while let entry = try parser.next() {
            switch entry {
            case .type:
                families[family(named: parser.metadataName)].type = parser.type
            case .help:
                families[family(named: parser.metadataName)].help = parser.help
            case .unit:
                families[family(named: parser.metadataName)].unit = parser.unit
            case .series:
                parser.labels(into: &builder)
                let labels = builder.labels()
                let name = labels.metricName ?? ""
                var exemplar: Exemplar?
                if let value = parser.exemplar(into: &exemplarBuilder) {
                    exemplar = Exemplar(labels: exemplarBuilder.labels(), value: value)
                }
                let sample = MetricSample(labels: labels, value: parser.value, timestampMs: parser.timestampMs, exemplar: exemplar)
                if let last = families.indices.last, families[last].owns(sampleName: name) {
                    families[last].samples.append(sample)
                } else {
                    families.append(MetricFamily(name: name, samples: [sample]))
                }
            case .histogram, .comment:
                break
            }
        }
        return families
    }
}
