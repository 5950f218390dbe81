package import Model

/// The remote-write protocol versions (Prometheus Remote-Write 1.0 and 2.0 specifications).
package enum RemoteWriteVersion: Sendable, Equatable, CaseIterable {
    /// `prometheus.WriteRequest`: labels as strings, metadata per metric family.
    case v1
    /// `io.prometheus.write.v2.Request`: a symbol table, label references, start timestamps and
    /// metadata per series.
    case v2
}

/// The decoded content of one remote-write request, as a struct of arrays.
///
/// Series are parallel arrays indexed by series number; each series owns a contiguous range of
/// samples, histograms and exemplars in the shared columns. Nothing is allocated per sample: a
/// decoder reuses the columns' capacity across requests (`removeAll()` keeps it).
package struct RemoteWriteBatch: Sendable, Equatable {
    /// The labels of each series, `__name__` included.
    package var labels: [Labels] = []
    /// Per series: its range in `timestampsMs`, `values` and `startTimestampsMs`.
    package var sampleRanges: [Range<Int>] = []
    /// Per series: its range in `histograms`.
    package var histogramRanges: [Range<Int>] = []
    /// Per series: its range in the exemplar columns.
    package var exemplarRanges: [Range<Int>] = []
    /// Per series (2.0 only; empty for 1.0): the series' metadata.
    package var seriesMetadata: [RemoteWriteMetadata] = []
    /// Per series, its entry in the decoder's labels cache (1.0 decoded with a cache only;
    /// empty otherwise). Not part of equality: it only saves work.
    package var cachedSeries: [RemoteWriteCachedSeries] = []

    /// Sample timestamps in milliseconds since the epoch.
    package var timestampsMs: [Int64] = []
    /// Sample values, bit for bit (stale markers included).
    package var values: [Double] = []
    /// Sample start ("created") timestamps in milliseconds; 0 means none (always 0 in 1.0).
    package var startTimestampsMs: [Int64] = []

    /// Native histogram samples.
    package var histograms: [HistogramSample] = []
    /// Bucket spans of the histograms (see `HistogramSample`).
    package var histogramSpans: [HistogramSpan] = []
    /// Bucket count deltas of integer histograms.
    package var histogramDeltas: [Int64] = []
    /// Absolute bucket counts of float histograms.
    package var histogramCounts: [Double] = []
    /// Custom bucket bounds (schema -53).
    package var histogramCustomValues: [Double] = []

    /// Exemplar labels (may be empty).
    package var exemplarLabels: [Labels] = []
    /// Exemplar values.
    package var exemplarValues: [Double] = []
    /// Exemplar timestamps in milliseconds.
    package var exemplarTimestampsMs: [Int64] = []

    /// Metric-family metadata (1.0 only: the request's `metadata` field; empty for 2.0).
    package var familyMetadata: [RemoteWriteFamilyMetadata] = []

    /// Series dropped by a decoder running with `RemoteWriteDecoder.Options.skipsInvalidSeries`.
    package var rejectedSeriesCount = 0
    /// Samples and histograms of the dropped series.
    package var rejectedSampleCount = 0
    /// Why the first dropped series was refused.
    package var firstRejection: ExpositionError?

    /// Creates an empty batch.
    package init() {}

    /// The number of series.
    package var seriesCount: Int { labels.count }

    /// Empties every column, keeping its capacity for the next request.
    package mutating func removeAll() {
        labels.removeAll(keepingCapacity: true)
        sampleRanges.removeAll(keepingCapacity: true)
        histogramRanges.removeAll(keepingCapacity: true)
        exemplarRanges.removeAll(keepingCapacity: true)
        seriesMetadata.removeAll(keepingCapacity: true)
        cachedSeries.removeAll(keepingCapacity: true)
        timestampsMs.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        startTimestampsMs.removeAll(keepingCapacity: true)
        histograms.removeAll(keepingCapacity: true)
        histogramSpans.removeAll(keepingCapacity: true)
        histogramDeltas.removeAll(keepingCapacity: true)
        histogramCounts.removeAll(keepingCapacity: true)
        histogramCustomValues.removeAll(keepingCapacity: true)
        exemplarLabels.removeAll(keepingCapacity: true)
        exemplarValues.removeAll(keepingCapacity: true)
        exemplarTimestampsMs.removeAll(keepingCapacity: true)
        familyMetadata.removeAll(keepingCapacity: true)
        rejectedSeriesCount = 0
        rejectedSampleCount = 0
        firstRejection = nil
    }

    /// Appends a series with its samples; returns its index. For building requests to send.
    @discardableResult
    package mutating func appendSeries(
        _ labels: Labels, samples: some Sequence<Sample>, startTimestampMs: Int64 = 0,
        metadata: RemoteWriteMetadata? = nil
    ) -> Int {
        let start = timestampsMs.count
        for sample in samples {
            timestampsMs.append(sample.timestampMs)
            values.append(sample.value)
            startTimestampsMs.append(startTimestampMs)
        }
        self.labels.append(labels)
        sampleRanges.append(start..<timestampsMs.count)
        histogramRanges.append(histograms.count..<histograms.count)
        exemplarRanges.append(exemplarValues.count..<exemplarValues.count)
        if let metadata { seriesMetadata.append(metadata) }
        return self.labels.count - 1
    }

    /// Adds an exemplar to the last series appended.
    package mutating func appendExemplar(_ labels: Labels, value: Double, timestampMs: Int64) {
        guard let last = exemplarRanges.indices.last else {
            preconditionFailure("BUG: appendExemplar before any appendSeries")
        }
        exemplarLabels.append(labels)
        exemplarValues.append(value)
        exemplarTimestampsMs.append(timestampMs)
        exemplarRanges[last] = exemplarRanges[last].lowerBound..<exemplarValues.count
    }

    package static func == (lhs: RemoteWriteBatch, rhs: RemoteWriteBatch) -> Bool {
        lhs.labels == rhs.labels && lhs.sampleRanges == rhs.sampleRanges
            && lhs.histogramRanges == rhs.histogramRanges && lhs.exemplarRanges == rhs.exemplarRanges
            && lhs.seriesMetadata == rhs.seriesMetadata && lhs.timestampsMs == rhs.timestampsMs
            && lhs.values.elementsEqual(rhs.values, by: { $0.bitPattern == $1.bitPattern })
            && lhs.startTimestampsMs == rhs.startTimestampsMs && lhs.histograms == rhs.histograms
            && lhs.histogramSpans == rhs.histogramSpans && lhs.histogramDeltas == rhs.histogramDeltas
            && lhs.histogramCounts.elementsEqual(rhs.histogramCounts, by: { $0.bitPattern == $1.bitPattern })
            && lhs.histogramCustomValues.elementsEqual(
                rhs.histogramCustomValues, by: { $0.bitPattern == $1.bitPattern })
            && lhs.exemplarLabels == rhs.exemplarLabels
            && lhs.exemplarValues.elementsEqual(rhs.exemplarValues, by: { $0.bitPattern == $1.bitPattern })
            && lhs.exemplarTimestampsMs == rhs.exemplarTimestampsMs && lhs.familyMetadata == rhs.familyMetadata
            && lhs.rejectedSeriesCount == rhs.rejectedSeriesCount
            && lhs.rejectedSampleCount == rhs.rejectedSampleCount && lhs.firstRejection == rhs.firstRejection
    }
}

/// The metadata a 2.0 series carries.
package typealias RemoteWriteMetadata = MetricMetadata

/// The metadata of a metric family in a 1.0 request.
package struct RemoteWriteFamilyMetadata: Sendable, Equatable {
    /// The metric family name (`metric_family_name`).
    package var familyName: String
    /// The type, help text and unit.
    package var metadata: RemoteWriteMetadata

    /// Creates family metadata.
    package init(familyName: String, metadata: RemoteWriteMetadata) {
        self.familyName = familyName
        self.metadata = metadata
    }
}

/// A bucket span of a native histogram: `offset` buckets skipped, then `length` buckets.
package struct HistogramSpan: Sendable, Equatable, BitwiseCopyable {
    /// Gap to the previous span, or the index of the first bucket for the first span.
    package var offset: Int32
    /// Number of consecutive buckets.
    package var length: UInt32

    /// Creates a span.
    package init(offset: Int32, length: UInt32) {
        self.offset = offset
        self.length = length
    }
}

/// A count of a native histogram: integer (for `Histogram`) or float (`FloatHistogram`).
package enum HistogramCount: Sendable, Equatable, BitwiseCopyable {
    /// The field is absent from the message.
    case none
    /// An integer count (`count_int`, `zero_count_int`).
    case int(UInt64)
    /// A float count (`count_float`, `zero_count_float`).
    case float(Double)

    package static func == (lhs: HistogramCount, rhs: HistogramCount) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): true
        case (.int(let a), .int(let b)): a == b
        case (.float(let a), .float(let b)): a.bitPattern == b.bitPattern
        default: false
        }
    }
}

/// One native histogram sample; its buckets are ranges in the batch's histogram columns.
package struct HistogramSample: Sendable, Equatable {
    /// Milliseconds since the epoch.
    package var timestampMs: Int64 = 0
    /// Start ("created") timestamp in milliseconds; 0 means none.
    package var startTimestampMs: Int64 = 0
    /// The count of observations.
    package var count: HistogramCount = .none
    /// The sum of observations.
    package var sum: Double = 0
    /// The bucket schema: -4...8 exponential, -53 custom bounds.
    package var schema: Int32 = 0
    /// Width of the zero bucket.
    package var zeroThreshold: Double = 0
    /// Count in the zero bucket.
    package var zeroCount: HistogramCount = .none
    /// The counter reset hint: 0 unknown, 1 yes, 2 no, 3 gauge (other values kept as sent).
    package var resetHint: Int32 = 0
    /// Ranges in `histogramSpans`.
    package var negativeSpans: Range<Int> = 0..<0, positiveSpans: Range<Int> = 0..<0
    /// Ranges in `histogramDeltas`.
    package var negativeDeltas: Range<Int> = 0..<0, positiveDeltas: Range<Int> = 0..<0
    /// Ranges in `histogramCounts`.
    package var negativeCounts: Range<Int> = 0..<0, positiveCounts: Range<Int> = 0..<0
    /// Range in `histogramCustomValues`.
    package var customValues: Range<Int> = 0..<0

    /// Creates an empty histogram sample.
    package init() {}

    package static func == (lhs: HistogramSample, rhs: HistogramSample) -> Bool {
        lhs.timestampMs == rhs.timestampMs && lhs.startTimestampMs == rhs.startTimestampMs
            && lhs.count == rhs.count && lhs.sum.bitPattern == rhs.sum.bitPattern && lhs.schema == rhs.schema
            && lhs.zeroThreshold.bitPattern == rhs.zeroThreshold.bitPattern && lhs.zeroCount == rhs.zeroCount
            && lhs.resetHint == rhs.resetHint && lhs.negativeSpans == rhs.negativeSpans
            && lhs.positiveSpans == rhs.positiveSpans && lhs.negativeDeltas == rhs.negativeDeltas
            && lhs.positiveDeltas == rhs.positiveDeltas && lhs.negativeCounts == rhs.negativeCounts
            && lhs.positiveCounts == rhs.positiveCounts && lhs.customValues == rhs.customValues
    }
}
