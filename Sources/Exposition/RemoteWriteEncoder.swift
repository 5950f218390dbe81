internal import Model

/// Encodes a `RemoteWriteBatch` as a remote-write 1.0 or 2.0 request body (before snappy).
///
/// Fields are written in field-number order with proto3's defaults omitted, as swift-protobuf
/// and gogo/protobuf write them. Reuse one encoder per sender: the 2.0 symbol table keeps its
/// capacity between requests.
package struct RemoteWriteEncoder: Sendable {
    private var symbolRefs: [String: UInt32] = [:]
    private var symbols: [String] = []

    /// Creates an encoder.
    package init() {}

    /// Appends the request for `batch` to `out`.
    ///
    /// 1.0 writes `batch.familyMetadata`; 2.0 writes `batch.seriesMetadata` when it has one
    /// entry per series (a metadata message on every series, as Prometheus's sender does).
    package mutating func encode(_ batch: RemoteWriteBatch, version: RemoteWriteVersion, into out: inout [UInt8]) {
        var writer = ProtobufWriter(out)
        out = []  // hand the storage to the writer so appends do not copy it
        switch version {
        case .v1: encodeV1(batch, into: &writer)
        case .v2: encodeV2(batch, into: &writer)
        }
        out = writer.bytes
    }

    /// The request for `batch` as a new array (see `encode(_:version:into:)`).
    package mutating func encode(_ batch: RemoteWriteBatch, version: RemoteWriteVersion) -> [UInt8] {
        var out: [UInt8] = []
        encode(batch, version: version, into: &out)
        return out
    }

    // MARK: 1.0

    private func encodeV1(_ batch: RemoteWriteBatch, into writer: inout ProtobufWriter) {
        for series in batch.labels.indices {
            writer.message(1) { w in Self.writeSeriesV1(batch, series, into: &w) }
        }
        for family in batch.familyMetadata {
            writer.message(3) { m in
                m.varintField(1, family.metadata.type.wireValue)
                m.stringField(2, family.familyName)
                m.stringField(4, family.metadata.help)
                m.stringField(5, family.metadata.unit)
            }
        }
    }

    /// The fields of a 1.0 `TimeSeries` (also remote read's `QueryResult.timeseries`).
    static func writeSeriesV1(_ batch: RemoteWriteBatch, _ series: Int, into w: inout ProtobufWriter) {
        for label in batch.labels[series] { writeLabel(label, field: 1, into: &w) }
        for i in batch.sampleRanges[series] { writeSampleV1(value: batch.values[i], timestampMs: batch.timestampsMs[i], into: &w) }
        for i in batch.exemplarRanges[series] {
            w.message(3) { e in
                for label in batch.exemplarLabels[i] { writeLabel(label, field: 1, into: &e) }
                e.doubleField(2, batch.exemplarValues[i])
                e.int64Field(3, batch.exemplarTimestampsMs[i])
            }
        }
        for i in batch.histogramRanges[series] {
            w.message(4) { h in writeHistogram(batch.histograms[i], batch: batch, v2: false, into: &h) }
        }
    }

    /// A 1.0 `Sample` field of a `TimeSeries`.
    static func writeSampleV1(value: Double, timestampMs: Int64, into w: inout ProtobufWriter) {
        w.message(2) { s in
            s.doubleField(1, value)
            s.int64Field(2, timestampMs)
        }
    }

    static func writeLabel(_ label: Label, field: UInt32, into writer: inout ProtobufWriter) {
        writer.message(field) { l in
            l.stringField(1, label.name)
            l.stringField(2, label.value)
        }
    }

    // MARK: 2.0

    private mutating func symbolize(_ string: String) -> UInt32 {
        if let ref = symbolRefs[string] { return ref }
        let ref = UInt32(symbols.count)
        symbols.append(string)
        symbolRefs[string] = ref
        return ref
    }

    private mutating func encodeV2(_ batch: RemoteWriteBatch, into writer: inout ProtobufWriter) {
        symbolRefs.removeAll(keepingCapacity: true)
        symbols.removeAll(keepingCapacity: true)
        _ = symbolize("")  // the specification requires the empty string first
        // References are assigned in the order the series are written, so the table is built
        // in a first pass and written before the series (field 4 precedes field 5).
        var labelRefs: [UInt32] = []
        var exemplarRefs: [UInt32] = []
        var labelRefEnds: [Int] = [], exemplarRefEnds: [Int] = []
        var metadataRefs: [(help: UInt32, unit: UInt32)] = []
        let hasMetadata = batch.seriesMetadata.count == batch.labels.count
        for series in batch.labels.indices {
            for label in batch.labels[series] {
                labelRefs.append(symbolize(label.name))
                labelRefs.append(symbolize(label.value))
            }
            labelRefEnds.append(labelRefs.count)
            for i in batch.exemplarRanges[series] {
                for label in batch.exemplarLabels[i] {
                    exemplarRefs.append(symbolize(label.name))
                    exemplarRefs.append(symbolize(label.value))
                }
                exemplarRefEnds.append(exemplarRefs.count)
            }
            if hasMetadata {
                let metadata = batch.seriesMetadata[series]
                metadataRefs.append((symbolize(metadata.help), symbolize(metadata.unit)))
            }
        }
        for symbol in symbols {
            // Symbol 0 is the empty string, which a `repeated string` must still write.
            var symbol = symbol
            symbol.withUTF8 { utf8 in
                writer.tag(4, .lengthDelimited)
                writer.varint(UInt64(utf8.count))
                writer.bytes.append(contentsOf: utf8)
            }
        }
        var labelStart = 0, exemplarIndex = 0, exemplarStart = 0
        for series in batch.labels.indices {
            writer.message(5) { w in
                let labelEnd = labelRefEnds[series]
                w.packedVarints(1, count: labelEnd - labelStart) { UInt64(labelRefs[labelStart + $0]) }
                labelStart = labelEnd
                for i in batch.sampleRanges[series] {
                    w.message(2) { s in
                        s.doubleField(1, batch.values[i])
                        s.int64Field(2, batch.timestampsMs[i])
                        s.int64Field(3, batch.startTimestampsMs[i])
                    }
                }
                for i in batch.histogramRanges[series] {
                    w.message(3) { h in Self.writeHistogram(batch.histograms[i], batch: batch, v2: true, into: &h) }
                }
                for i in batch.exemplarRanges[series] {
                    let exemplarEnd = exemplarRefEnds[exemplarIndex]
                    w.message(4) { e in
                        e.packedVarints(1, count: exemplarEnd - exemplarStart) {
                            UInt64(exemplarRefs[exemplarStart + $0])
                        }
                        e.doubleField(2, batch.exemplarValues[i])
                        e.int64Field(3, batch.exemplarTimestampsMs[i])
                    }
                    exemplarStart = exemplarEnd
                    exemplarIndex += 1
                }
                if hasMetadata {
                    let refs = metadataRefs[series]
                    w.message(5) { m in
                        m.varintField(1, batch.seriesMetadata[series].type.wireValue)
                        m.varintField(3, UInt64(refs.help))
                        m.varintField(4, UInt64(refs.unit))
                    }
                }
            }
        }
    }

    // MARK: Histograms (shared)

    private static func writeHistogram(
        _ h: HistogramSample, batch: RemoteWriteBatch, v2: Bool, into w: inout ProtobufWriter
    ) {
        // Oneof members are written whenever set, even when zero: their presence is the value.
        switch h.count {
        case .none: break
        case .int(let count): w.tag(1, .varint); w.varint(count)
        case .float(let count): w.tag(2, .fixed64); w.fixed64(count.bitPattern)
        }
        w.doubleField(3, h.sum)
        w.sintField(4, Int64(h.schema))
        w.doubleField(5, h.zeroThreshold)
        switch h.zeroCount {
        case .none: break
        case .int(let count): w.tag(6, .varint); w.varint(count)
        case .float(let count): w.tag(7, .fixed64); w.fixed64(count.bitPattern)
        }
        writeSpans(batch.histogramSpans[h.negativeSpans], field: 8, into: &w)
        writeDeltas(batch.histogramDeltas[h.negativeDeltas], field: 9, into: &w)
        w.packedDoubles(10, batch.histogramCounts[h.negativeCounts])
        writeSpans(batch.histogramSpans[h.positiveSpans], field: 11, into: &w)
        writeDeltas(batch.histogramDeltas[h.positiveDeltas], field: 12, into: &w)
        w.packedDoubles(13, batch.histogramCounts[h.positiveCounts])
        w.varintField(14, UInt64(bitPattern: Int64(h.resetHint)))
        w.int64Field(15, h.timestampMs)
        w.packedDoubles(16, batch.histogramCustomValues[h.customValues])
        if v2 { w.int64Field(17, h.startTimestampMs) }
    }

    private static func writeSpans(_ spans: ArraySlice<HistogramSpan>, field: UInt32, into w: inout ProtobufWriter) {
        for span in spans {
            w.message(field) { s in
                s.sintField(1, Int64(span.offset))
                s.varintField(2, UInt64(span.length))
            }
        }
    }

    private static func writeDeltas(_ deltas: ArraySlice<Int64>, field: UInt32, into w: inout ProtobufWriter) {
        w.packedVarints(field, count: deltas.count) { i in
            let delta = deltas[deltas.startIndex + i]
            return UInt64(bitPattern: (delta << 1) ^ (delta >> 63))
        }
    }
}
