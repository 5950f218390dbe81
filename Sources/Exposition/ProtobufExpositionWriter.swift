package import Model

/// Writes the protobuf exposition format: `io.prometheus.client.MetricFamily` messages, each
/// prefixed by its length as a varint (`ExpositionFormat.protobuf`), as `/federate` serves it.
///
/// Encodes straight to bytes (no generated message per sample). Reuse one writer per response
/// with `removeAll()`.
package struct ProtobufExpositionWriter: Sendable {
    /// The body written so far.
    package private(set) var bytes: [UInt8] = []
    private var family = ProtobufWriter()

    /// Creates an empty writer.
    package init() {}

    /// Empties the body, keeping its capacity.
    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// One series of a family: its labels (`__name__` is dropped: the family names it), value
    /// and optional timestamp.
    package struct Series: Sendable {
        /// The series' labels.
        package var labels: Labels
        /// The value, bit for bit.
        package var value: Double
        /// Milliseconds since the epoch, if the sample has one.
        package var timestampMs: Int64?

        /// Creates a series.
        package init(labels: Labels, value: Double, timestampMs: Int64? = nil) {
            self.labels = labels
            self.value = value
            self.timestampMs = timestampMs
        }
    }

    /// Appends a family of float series. `counter` and `gauge` values go in their own fields;
    /// every other type is written `UNTYPED`, as Prometheus's federation does for the series of
    /// summaries and classic histograms (which arrive already split into `_sum`, `_bucket`...).
    package mutating func writeFamily(
        name: String, type: MetricType, help: String = "", unit: String = "", series: some Sequence<Series>
    ) {
        let wireType: UInt64 =
            switch type {
            case .counter: 0
            case .gauge: 1
            default: 3
            }
        family.bytes.removeAll(keepingCapacity: true)
        family.stringField(1, name)
        family.stringField(2, help)
        family.tag(3, .varint)
        family.varint(wireType)
        for one in series {
            family.message(4) { m in
                for label in one.labels where label.name != Labels.metricNameLabel {
                    m.message(1) { pair in
                        pair.stringField(1, label.name)
                        pair.stringField(2, label.value)
                    }
                }
                // Field numbers of Metric: gauge 2, counter 3, untyped 5; each wraps `value = 1`.
                let valueField: UInt32 = wireType == 0 ? 3 : wireType == 1 ? 2 : 5
                m.message(valueField) { value in value.presentDoubleField(1, one.value) }
                if let timestampMs = one.timestampMs {
                    m.tag(6, .varint)
                    m.varint(UInt64(bitPattern: timestampMs))
                }
            }
        }
        family.stringField(5, unit)
        var prefix = ProtobufWriter(bytes)
        bytes = []
        prefix.varint(UInt64(family.bytes.count))
        prefix.bytes.append(contentsOf: family.bytes)
        bytes = prefix.bytes
    }
}
