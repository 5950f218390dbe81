package import Exposition
package import Model

/// Which partition a series belongs to: a function of its labels' hash (`Labels.hash`,
/// Prometheus's XXH64 of the label set) and the partition count only, so every process, on any
/// node and after any restart, sends a series to the same partition.
///
/// The hash is mapped with the jump consistent hash of Lamping and Veach ("A Fast, Minimal
/// Memory, Consistent Hash Algorithm", 2014): when the partition count grows from n to n + 1,
/// only 1/(n + 1) of the series move, all of them to the new partition.
package struct StreamPartitioner: Sendable {
    /// The number of partitions (`stream.partitions`).
    package let partitionCount: Int

    /// Creates a partitioner over `partitionCount` (at least 1) partitions.
    package init(partitionCount: Int) {
        precondition(partitionCount >= 1, "BUG: a stream has at least one partition")
        self.partitionCount = partitionCount
    }

    /// The partition of the series `labels`.
    package func partition(of labels: Labels) -> Int {
        Self.jumpHash(labels.hash, buckets: partitionCount)
    }

    /// Lamping and Veach's jump consistent hash of `key` into `0..<buckets`.
    static func jumpHash(_ key: UInt64, buckets: Int) -> Int {
        var key = key
        var bucket: Int64 = -1, next: Int64 = 0
        while next < Int64(buckets) {
            bucket = next
            key = key &* 2_862_933_555_777_941_757 &+ 1  // the paper's 64-bit LCG; wraps by design
            next = Int64(Double(bucket + 1) * (Double(UInt64(1) << 31) / Double((key >> 33) + 1)))
        }
        return Int(bucket)
    }

    /// `batch` split into one batch per partition that has series, in partition order. Each
    /// series keeps its samples, histograms and exemplars; metadata travels per series (1.0
    /// family metadata is attached to the series of that family).
    package func split(_ batch: RemoteWriteBatch) -> [(partition: Int, batch: RemoteWriteBatch)] {
        var parts = [RemoteWriteBatch?](repeating: nil, count: partitionCount)
        let metadata = SeriesMetadataLookup(batch)
        for series in batch.labels.indices {
            let partition = partition(of: batch.labels[series])
            var part = parts[partition] ?? RemoteWriteBatch()
            parts[partition] = nil  // keep the batch uniquely referenced while it grows
            part.appendSeries(copying: series, of: batch, metadata: metadata[series])
            parts[partition] = part
        }
        return parts.enumerated().compactMap { partition, part in part.map { (partition, $0) } }
    }
}

/// The metadata of each series of a batch: its own (2.0), or its family's (1.0), or none.
private struct SeriesMetadataLookup {
    let batch: RemoteWriteBatch
    let families: [String: RemoteWriteMetadata]

    init(_ batch: RemoteWriteBatch) {
        self.batch = batch
        var families: [String: RemoteWriteMetadata] = [:]
        if batch.seriesMetadata.count != batch.seriesCount {
            for family in batch.familyMetadata { families[family.familyName] = family.metadata }
        }
        self.families = families
    }

    subscript(series: Int) -> RemoteWriteMetadata? {
        if batch.seriesMetadata.count == batch.seriesCount { return batch.seriesMetadata[series] }
        guard !families.isEmpty, let name = batch.labels[series].metricName else { return nil }
        if let metadata = families[name] { return metadata }
        // A family's series carry suffixes the family name does not (Prometheus's
        // `textparse` conventions for histograms, summaries and counters).
        for suffix in ["_bucket", "_sum", "_count", "_total", "_created", "_info"] where name.hasSuffix(suffix) {
            if let metadata = families[String(name.dropLast(suffix.count))] { return metadata }
        }
        return nil
    }
}

extension RemoteWriteBatch {
    /// Appends series `series` of `other`, with its samples, histograms (and their buckets) and
    /// exemplars. Metadata: if any series of this batch has some, all do (unknown for the rest),
    /// as a 2.0 request writes metadata on every series or none.
    mutating func appendSeries(copying series: Int, of other: RemoteWriteBatch, metadata: RemoteWriteMetadata?) {
        let samples = other.sampleRanges[series]
        let sampleStart = timestampsMs.count
        timestampsMs.append(contentsOf: other.timestampsMs[samples])
        values.append(contentsOf: other.values[samples])
        startTimestampsMs.append(contentsOf: other.startTimestampsMs[samples])

        let histogramStart = histograms.count
        for var histogram in other.histograms[other.histogramRanges[series]] {
            histogram.negativeSpans = Self.copy(histogram.negativeSpans, of: other.histogramSpans, into: &histogramSpans)
            histogram.positiveSpans = Self.copy(histogram.positiveSpans, of: other.histogramSpans, into: &histogramSpans)
            histogram.negativeDeltas = Self.copy(histogram.negativeDeltas, of: other.histogramDeltas, into: &histogramDeltas)
            histogram.positiveDeltas = Self.copy(histogram.positiveDeltas, of: other.histogramDeltas, into: &histogramDeltas)
            histogram.negativeCounts = Self.copy(histogram.negativeCounts, of: other.histogramCounts, into: &histogramCounts)
            histogram.positiveCounts = Self.copy(histogram.positiveCounts, of: other.histogramCounts, into: &histogramCounts)
            histogram.customValues = Self.copy(histogram.customValues, of: other.histogramCustomValues, into: &histogramCustomValues)
            histograms.append(histogram)
        }

        let exemplars = other.exemplarRanges[series]
        let exemplarStart = exemplarValues.count
        exemplarLabels.append(contentsOf: other.exemplarLabels[exemplars])
        exemplarValues.append(contentsOf: other.exemplarValues[exemplars])
        exemplarTimestampsMs.append(contentsOf: other.exemplarTimestampsMs[exemplars])

        if let metadata {
            while seriesMetadata.count < labels.count { seriesMetadata.append(RemoteWriteMetadata()) }
            seriesMetadata.append(metadata)
        } else if !seriesMetadata.isEmpty {
            seriesMetadata.append(RemoteWriteMetadata())
        }
        labels.append(other.labels[series])
        sampleRanges.append(sampleStart..<timestampsMs.count)
        histogramRanges.append(histogramStart..<histograms.count)
        exemplarRanges.append(exemplarStart..<exemplarValues.count)
    }

    private static func copy<T>(_ range: Range<Int>, of source: [T], into destination: inout [T]) -> Range<Int> {
        let start = destination.count
        destination.append(contentsOf: source[range])
        return start..<destination.count
    }
}
