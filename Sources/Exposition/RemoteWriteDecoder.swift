package import Model

/// Decodes remote-write 1.0 (`prometheus.WriteRequest`) and 2.0 (`io.prometheus.write.v2.Request`)
/// bodies straight from the protobuf wire format into a `RemoteWriteBatch`.
///
/// Reuse one decoder (and one batch) per connection: the symbol table and label scratch space
/// keep their capacity, so a request costs one `Labels` per series and nothing per sample.
/// Unknown fields, fields with an unexpected wire type (which protobuf treats as unknown),
/// packed and unpacked repeated scalars and fields in any order are all handled as
/// swift-protobuf and gogo/protobuf do; the differential tests hold the two to the same answers.
///
/// Series are validated as the Remote-Write 2.0 specification and Prometheus's write handler
/// (`storage/remote/write_handler.go`) require; see `InvalidSeriesReason`. Where Prometheus
/// is lenient — it sorts unsorted labels itself — Pharos follows the specification and refuses
/// them unless `Options.sortsUnsortedLabels` is set.
package struct RemoteWriteDecoder: Sendable {
    /// How strictly series are checked.
    package struct Options: Sendable, Equatable {
        /// Drop invalid series (counting them in the batch) instead of refusing the request.
        /// Prometheus writes the valid series of a request and answers 400 for the rest.
        package var skipsInvalidSeries = false
        /// Sort labels that arrive out of order instead of refusing the series, as Prometheus does.
        package var sortsUnsortedLabels = false
        /// Which metric and label names are valid (Prometheus 3 accepts any UTF-8).
        package var nameValidation = NameValidationScheme.utf8

        /// Creates options; the defaults follow the specification strictly.
        package init(
            skipsInvalidSeries: Bool = false, sortsUnsortedLabels: Bool = false,
            nameValidation: NameValidationScheme = .utf8
        ) {
            self.skipsInvalidSeries = skipsInvalidSeries
            self.sortsUnsortedLabels = sortsUnsortedLabels
            self.nameValidation = nameValidation
        }
    }

    /// The options in force.
    package var options: Options

    /// 2.0 symbols of the current request.
    var symbols = RemoteWriteSymbols()
    /// The bytes of the current 2.0 series' label symbols, the key of the labels cache.
    var symbolKey: [UInt8] = []
    /// Labels of the current series (or exemplar), in the order sent.
    var pending: [Label] = []
    /// 2.0 label references of the current series or exemplar.
    var refs: [UInt32] = []
    /// 2.0 label references of the current exemplar.
    var exemplarRefs: [UInt32] = []
    /// Scratch columns for one histogram, whose repeated fields may interleave on the wire.
    var histogramScratch = HistogramScratch()
    var builder = LabelsBuilder()
    /// Label sets of series seen in earlier requests, shared by the decoders of a receiver.
    let labelsCache: RemoteWriteLabelsCache?
    /// Where the current 1.0 series' `Label` fields are: whole fields (for the cache key) and
    /// their payloads (to decode on a miss).
    var labelFields: [Range<Int>] = []
    var labelPayloads: [Range<Int>] = []

    /// Creates a decoder.
    /// - Parameter labelsCache: label sets already decoded by decoders with the same checks
    ///   (`labelsCache.options` must equal `options` but for `skipsInvalidSeries`).
    package init(options: Options = Options(), labelsCache: RemoteWriteLabelsCache? = nil) {
        var checks = options
        checks.skipsInvalidSeries = false
        precondition(labelsCache.map { $0.options == checks } ?? true, "a labels cache filled under other checks")
        self.options = options
        self.labelsCache = labelsCache
    }

    /// Decodes `body` (already decompressed) into `batch`, replacing its content.
    /// - Throws: `ExpositionError.malformedProtobuf` with the byte offset for bytes that are not
    ///   a valid message; `.invalidSeries` naming the first invalid series, unless
    ///   `options.skipsInvalidSeries`. On error the batch holds a prefix of the request.
    package mutating func decode(
        _ body: UnsafeRawBufferPointer, version: RemoteWriteVersion, into batch: inout RemoteWriteBatch
    ) throws(ExpositionError) {
        batch.removeAll()
        switch version {
        case .v1: try decodeV1(body, into: &batch)
        case .v2: try decodeV2(body, into: &batch)
        }
    }

    /// Decodes `body` (see `decode(_:version:into:)`).
    package mutating func decode(
        _ body: [UInt8], version: RemoteWriteVersion, into batch: inout RemoteWriteBatch
    ) throws(ExpositionError) {
        try body.withUnsafeBytes { raw in
            Result { () throws(ExpositionError) in try decode(raw, version: version, into: &batch) }
        }.get()
    }

    // MARK: Series bookkeeping shared by both versions

    /// Column lengths at the start of a series, to roll it back if it is dropped.
    struct Marks {
        var samples, histograms, spans, deltas, counts, customValues, exemplars: Int

        init(_ batch: RemoteWriteBatch) {
            samples = batch.timestampsMs.count
            histograms = batch.histograms.count
            spans = batch.histogramSpans.count
            deltas = batch.histogramDeltas.count
            counts = batch.histogramCounts.count
            customValues = batch.histogramCustomValues.count
            exemplars = batch.exemplarValues.count
        }
    }

    /// Finishes a series: appends its labels and ranges, or rolls it back and throws/counts.
    func finishSeries(
        _ result: Result<Labels, InvalidSeriesReason>, description: () -> String, marks: Marks,
        metadata: RemoteWriteMetadata?, cached: RemoteWriteCachedSeries? = nil, index: Int, offset: Int,
        batch: inout RemoteWriteBatch
    ) throws(ExpositionError) {
        switch result {
        case .success(let labels):
            batch.labels.append(labels)
            if let cached { batch.cachedSeries.append(cached) }
            batch.sampleRanges.append(marks.samples..<batch.timestampsMs.count)
            batch.histogramRanges.append(marks.histograms..<batch.histograms.count)
            batch.exemplarRanges.append(marks.exemplars..<batch.exemplarValues.count)
            if let metadata { batch.seriesMetadata.append(metadata) }
        case .failure(let reason):
            let error = ExpositionError.invalidSeries(reason, series: description(), index: index, offset: offset)
            guard options.skipsInvalidSeries else { throw error }
            batch.rejectedSeriesCount += 1
            batch.rejectedSampleCount += batch.timestampsMs.count - marks.samples
                + batch.histograms.count - marks.histograms
            if batch.firstRejection == nil { batch.firstRejection = error }
            batch.timestampsMs.removeSubrange(marks.samples...)
            batch.values.removeSubrange(marks.samples...)
            batch.startTimestampsMs.removeSubrange(marks.samples...)
            batch.histograms.removeSubrange(marks.histograms...)
            batch.histogramSpans.removeSubrange(marks.spans...)
            batch.histogramDeltas.removeSubrange(marks.deltas...)
            batch.histogramCounts.removeSubrange(marks.counts...)
            batch.histogramCustomValues.removeSubrange(marks.customValues...)
            batch.exemplarLabels.removeSubrange(marks.exemplars...)
            batch.exemplarValues.removeSubrange(marks.exemplars...)
            batch.exemplarTimestampsMs.removeSubrange(marks.exemplars...)
        }
    }

    /// Checks the pending labels of a series and builds its `Labels`.
    mutating func seriesLabels(firstProblem: InvalidSeriesReason?) -> Result<Labels, InvalidSeriesReason> {
        if let firstProblem { return .failure(firstProblem) }
        guard !pending.isEmpty else { return .failure(.emptyLabelSet) }
        let scheme = options.nameValidation
        for label in pending where !scheme.isValidLabelName(label.name) {
            return .failure(.invalidLabelName(label.name))
        }
        if let problem = checkOrder() {
            guard case .unsortedLabelName = problem, options.sortsUnsortedLabels else { return .failure(problem) }
            pending.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            if let problem = checkOrder() { return .failure(problem) }
        }
        guard let name = pending.first(where: { $0.name == Labels.metricNameLabel })?.value, !name.isEmpty else {
            return .failure(.missingMetricName)
        }
        guard scheme.isValidMetricName(name) else { return .failure(.invalidMetricName(name)) }
        return .success(buildPendingLabels())
    }

    /// The first duplicate or out-of-order name in `pending`, comparing bytes as Go does.
    private func checkOrder() -> InvalidSeriesReason? {
        for i in pending.indices.dropFirst() {
            let previous = pending[i - 1].name, name = pending[i].name
            if previous == name { return .duplicateLabelName(name) }
            if name.utf8.lexicographicallyPrecedes(previous.utf8) { return .unsortedLabelName(name) }
        }
        return nil
    }

    /// `pending` (checked: sorted, distinct names) as a `Labels` set.
    func buildPendingLabels() -> Labels {
        Labels(sortedUnique: pending)
    }

    /// The pending labels as sent, for error messages: `{__name__="up", job="x"}`.
    func describePending() -> String {
        "{" + pending.map { "\($0.name)=\($0.value.quotedForPromQL)" }.joined(separator: ", ") + "}"
    }
}

extension RemoteWriteDecoder {
    // MARK: Messages shared by both versions

    /// Decodes a `Sample` message; `hasStartTimestamp` for 2.0 (field 3).
    func decodeSample(
        _ reader: inout ProtobufReader, hasStartTimestamp: Bool, into batch: inout RemoteWriteBatch
    ) throws(ExpositionError) {
        var value = 0.0, timestamp: Int64 = 0, start: Int64 = 0
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .fixed64): value = try reader.double()
            case (2, .varint): timestamp = Int64(bitPattern: try reader.varint())
            case (3, .varint) where hasStartTimestamp: start = Int64(bitPattern: try reader.varint())
            default: try reader.skip(wireType, field: field)
            }
        }
        batch.timestampsMs.append(timestamp)
        batch.values.append(value)
        batch.startTimestampsMs.append(start)
    }

    /// Decodes a `BucketSpan` message.
    static func decodeSpan(_ reader: inout ProtobufReader) throws(ExpositionError) -> HistogramSpan {
        var span = HistogramSpan(offset: 0, length: 0)
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .varint): span.offset = Int32(zigzag: try reader.varint())
            case (2, .varint): span.length = UInt32(truncatingIfNeeded: try reader.varint())
            default: try reader.skip(wireType, field: field)
            }
        }
        return span
    }

    /// Decodes a native `Histogram` message (same field numbers in both versions; field 17,
    /// `start_timestamp`, exists only in 2.0).
    mutating func decodeHistogram(
        _ reader: inout ProtobufReader, hasStartTimestamp: Bool, into batch: inout RemoteWriteBatch
    ) throws(ExpositionError) {
        var h = HistogramSample()
        histogramScratch.removeAll()
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .varint): h.count = .int(try reader.varint())
            case (2, .fixed64): h.count = .float(try reader.double())
            case (3, .fixed64): h.sum = try reader.double()
            case (4, .varint): h.schema = Int32(zigzag: try reader.varint())
            case (5, .fixed64): h.zeroThreshold = try reader.double()
            case (6, .varint): h.zeroCount = .int(try reader.varint())
            case (7, .fixed64): h.zeroCount = .float(try reader.double())
            case (8, .lengthDelimited):
                var span = reader.reader(for: try reader.lengthDelimited())
                histogramScratch.negativeSpans.append(try Self.decodeSpan(&span))
            case (11, .lengthDelimited):
                var span = reader.reader(for: try reader.lengthDelimited())
                histogramScratch.positiveSpans.append(try Self.decodeSpan(&span))
            case (9, _), (12, _):
                _ = try reader.repeated(wireType, field: field, scalar: .varint) { r throws(ExpositionError) in
                    let delta = Int64(zigzag: try r.varint())
                    if field == 9 {
                        histogramScratch.negativeDeltas.append(delta)
                    } else {
                        histogramScratch.positiveDeltas.append(delta)
                    }
                }
            case (10, _), (13, _), (16, _):
                _ = try reader.repeated(wireType, field: field, scalar: .fixed64) { r throws(ExpositionError) in
                    let value = try r.double()
                    switch field {
                    case 10: histogramScratch.negativeCounts.append(value)
                    case 13: histogramScratch.positiveCounts.append(value)
                    default: histogramScratch.customValues.append(value)
                    }
                }
            case (14, .varint): h.resetHint = Int32(truncatingIfNeeded: try reader.varint())
            case (15, .varint): h.timestampMs = Int64(bitPattern: try reader.varint())
            case (17, .varint) where hasStartTimestamp: h.startTimestampMs = Int64(bitPattern: try reader.varint())
            default: try reader.skip(wireType, field: field)
            }
        }
        histogramScratch.flush(into: &h, batch: &batch)
        batch.histograms.append(h)
    }
}

/// One histogram's repeated fields, gathered before they go to the batch's shared columns
/// (on the wire, negative and positive buckets may interleave).
struct HistogramScratch: Sendable {
    var negativeSpans: [HistogramSpan] = [], positiveSpans: [HistogramSpan] = []
    var negativeDeltas: [Int64] = [], positiveDeltas: [Int64] = []
    var negativeCounts: [Double] = [], positiveCounts: [Double] = []
    var customValues: [Double] = []

    mutating func removeAll() {
        negativeSpans.removeAll(keepingCapacity: true)
        positiveSpans.removeAll(keepingCapacity: true)
        negativeDeltas.removeAll(keepingCapacity: true)
        positiveDeltas.removeAll(keepingCapacity: true)
        negativeCounts.removeAll(keepingCapacity: true)
        positiveCounts.removeAll(keepingCapacity: true)
        customValues.removeAll(keepingCapacity: true)
    }

    func flush(into h: inout HistogramSample, batch: inout RemoteWriteBatch) {
        func append<T>(_ values: [T], to column: inout [T]) -> Range<Int> {
            let start = column.count
            column.append(contentsOf: values)
            return start..<column.count
        }
        h.negativeSpans = append(negativeSpans, to: &batch.histogramSpans)
        h.positiveSpans = append(positiveSpans, to: &batch.histogramSpans)
        h.negativeDeltas = append(negativeDeltas, to: &batch.histogramDeltas)
        h.positiveDeltas = append(positiveDeltas, to: &batch.histogramDeltas)
        h.negativeCounts = append(negativeCounts, to: &batch.histogramCounts)
        h.positiveCounts = append(positiveCounts, to: &batch.histogramCounts)
        h.customValues = append(customValues, to: &batch.histogramCustomValues)
    }
}
