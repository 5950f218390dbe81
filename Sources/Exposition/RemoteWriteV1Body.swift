package import Model

/// A series' labels as the `Label` fields of a remote-write 1.0 `TimeSeries`, encoded once
/// and copied into every request that carries the series (a sender repeats the labels of a
/// series in every request).
package struct EncodedSeriesLabelsV1: Sendable {
    let bytes: [UInt8]

    package init(_ labels: Labels) {
        var writer = ProtobufWriter()
        for label in labels { RemoteWriteEncoder.writeLabel(label, field: 1, into: &writer) }
        bytes = writer.bytes
    }
}

/// A remote-write 1.0 `WriteRequest` body built series by series from pre-encoded labels,
/// byte for byte what `RemoteWriteEncoder` writes for the same float samples.
package struct RemoteWriteV1Body {
    private var writer: ProtobufWriter

    /// An empty request.
    package init() {
        writer = ProtobufWriter()
    }

    /// Appends a `TimeSeries` with `labels` and `samples` (oldest first).
    package mutating func appendSeries(_ labels: EncodedSeriesLabelsV1, samples: some Sequence<Sample>) {
        writer.message(1) { series in
            series.bytes.append(contentsOf: labels.bytes)
            for sample in samples {
                RemoteWriteEncoder.writeSampleV1(value: sample.value, timestampMs: sample.timestampMs, into: &series)
            }
        }
    }

    /// The serialized request.
    package var bytes: [UInt8] { writer.bytes }
}
