import Model

/// The cardinality and churn report of one block, with the figures `promtool tsdb analyze`
/// computes (`cmd/promtool/tsdb.go`'s `analyzeBlock`): how many series and label pairs, which
/// label pairs and names cover the least of the block's time range (churn), and which labels
/// and metric names have the most values or series.
package struct BlockAnalysis: Sendable, Equatable {
    /// One line of a top list: a key (`name=value`, a label name or a metric name) and its figure.
    package struct Entry: Sendable, Equatable {
        package var key: String
        package var count: UInt64
    }

    /// `meta.json`'s series count.
    package var seriesCount: UInt64
    /// How many label names the index holds.
    package var labelNameCount: Int
    /// How many distinct `name=value` pairs the series carry.
    package var labelPairCount: Int
    /// How many `name=value` pairs the series carry in total.
    package var labelPairEntries: Int
    /// Per label pair: the block time range not covered by its series, summed, in units of the
    /// block's length ("Label pairs most involved in churning").
    package var churnByLabelPair: [Entry]
    /// The same per label name ("Label names most involved in churning").
    package var churnByLabelName: [Entry]
    /// Per label pair: how many series carry it ("Most common label pairs").
    package var seriesByLabelPair: [Entry]
    /// Per label name: the bytes of all its values ("Label names with highest cumulative label
    /// value length").
    package var valueBytesByLabelName: [Entry]
    /// Per label name: how many values it has ("Highest cardinality labels").
    package var valuesByLabelName: [Entry]
    /// Per metric name: how many series have it ("Highest cardinality metric names").
    package var seriesByMetricName: [Entry]
    /// How many chunks hold 1–12, 13–24, … 109–120 samples (`--extended`'s fullness histogram,
    /// ten buckets); `nil` unless asked for.
    package var chunkFullness: [Int]?

    /// Analyses `block`. Each list is sorted by figure, largest first, ties by key.
    /// - Parameter extended: also read every chunk for the fullness histogram.
    /// - Throws: `TSDBError` for a damaged index or chunk.
    package init(_ block: Block, extended: Bool = false) throws(TSDBError) {
        let index = block.index
        let span = block.maxTime &- block.minTime
        seriesCount = block.meta.numSeries
        let names = index.labelNames.filter { !$0.isEmpty }
        labelNameCount = names.count

        var uncoveredByName: [String: UInt64] = [:]
        var uncoveredByPair: [String: UInt64] = [:]
        var countByPair: [String: UInt64] = [:]
        var entries = 0
        var fullness = [Int](repeating: 0, count: 10)
        for ref in try index.allPostings() {
            let (labels, chunks) = try index.series(ref)
            guard let first = chunks.first, let last = chunks.last else { continue }
            // Unsigned and wrapping, as upstream computes it.
            let uncovered = UInt64(bitPattern: span) &- UInt64(bitPattern: last.maxTime &- first.minTime)
            for label in labels {
                let key = label.name + "=" + label.value
                uncoveredByName[label.name, default: 0] &+= uncovered
                uncoveredByPair[key, default: 0] &+= uncovered
                countByPair[key, default: 0] += 1
                entries += 1
            }
            if extended {
                for chunk in try block.chunks(chunks) {
                    let samples = chunk.range.count >= 2 ? Int(chunk.bytes[chunk.range.lowerBound]) << 8 | Int(chunk.bytes[chunk.range.lowerBound + 1]) : 0
                    let bucket = Int((10.0 * Double(min(samples, 120)) / 120).rounded(.up)) - 1
                    fullness[max(bucket, 0)] += 1
                }
            }
        }
        labelPairCount = uncoveredByPair.count
        labelPairEntries = entries
        func relative(_ totals: [String: UInt64]) -> [Entry] {
            // Upstream divides as floats and truncates; a zero-length block gives +Inf or NaN,
            // which Go converts to 0x8000000000000000.
            Self.sorted(totals.map { key, total in
                let ratio = Double(total) / Double(span)
                return Entry(key: key, count: ratio.isFinite && ratio < 0x1p64 ? UInt64(ratio) : 1 << 63)
            })
        }
        churnByLabelPair = relative(uncoveredByPair)
        churnByLabelName = relative(uncoveredByName)
        seriesByLabelPair = Self.sorted(countByPair.map { Entry(key: $0.key, count: $0.value) })
        valueBytesByLabelName = Self.sorted(names.map { name in
            Entry(key: name, count: index.labelValues(name).reduce(0) { $0 + UInt64($1.utf8.count) })
        })
        valuesByLabelName = Self.sorted(names.map { Entry(key: $0, count: UInt64(index.labelValues($0).count)) })
        var byMetric: [Entry] = []
        for name in index.labelValues(Labels.metricNameLabel) {
            byMetric.append(Entry(key: name, count: UInt64(try index.postings(name: Labels.metricNameLabel, value: name).count)))
        }
        seriesByMetricName = Self.sorted(byMetric)
        chunkFullness = extended ? fullness : nil
    }

    private static func sorted(_ entries: [Entry]) -> [Entry] {
        entries.sorted { $0.count != $1.count ? $0.count > $1.count : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    /// The report as promtool prints it, each list cut to `limit` lines.
    package func report(blockID: String, duration: String, limit: Int) -> String {
        var out = "Block ID: \(blockID)\nDuration: \(duration)\nSeries: \(seriesCount)\nLabel names: \(labelNameCount)\n"
        out += "Postings (unique label pairs): \(labelPairCount)\nPostings entries (total label pairs): \(labelPairEntries)\n"
        for (title, entries) in [
            ("Label pairs most involved in churning", churnByLabelPair),
            ("Label names most involved in churning", churnByLabelName),
            ("Most common label pairs", seriesByLabelPair),
            ("Label names with highest cumulative label value length", valueBytesByLabelName),
            ("Highest cardinality labels", valuesByLabelName),
            ("Highest cardinality metric names", seriesByMetricName),
        ] {
            out += "\n\(title):\n"
            for entry in entries.prefix(max(limit, 0)) { out += "\(entry.count) \(entry.key)\n" }
        }
        if let chunkFullness {
            out += "\nCompaction analysis:\nFullness: Amount of samples in chunks (100% is 120 samples)\n"
            let total = chunkFullness.reduce(0, +)
            for (bucket, count) in chunkFullness.enumerated() {
                let percentage = total == 0 ? 0 : 100 * count / total
                let label = String((bucket + 1) * 10)
                out += String(repeating: " ", count: max(0, 7 - label.count)) + label + "%: " + String(repeating: "#", count: percentage) + "\n"
            }
        }
        return out
    }
}
