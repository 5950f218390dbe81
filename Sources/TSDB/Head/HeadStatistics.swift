import Model

/// The head's cardinality report, as Prometheus's `tsdb.Stats` (`Head.Stats` with
/// `MemPostings.Stats`), for `/api/v1/status/tsdb`.
package struct HeadStatistics: Sendable, Equatable {
    /// A name and a count, one line of a top list.
    package struct Entry: Sendable, Equatable {
        package var name: String
        package var value: Int

        /// Creates an entry.
        package init(name: String, value: Int) {
            self.name = name
            self.value = value
        }
    }

    /// Series in the head.
    package var numSeries: Int
    /// Distinct label name/value pairs.
    package var numLabelPairs: Int
    /// Chunks in the head.
    package var chunkCount: Int
    /// The head's time bounds, `nil` when empty.
    package var minTime: Int64?, maxTime: Int64?
    /// Top lists, largest first (ties by name): series per metric name; values per label
    /// name; bytes of values per label name (value length times its series); series per
    /// `name=value` pair.
    package var seriesCountByMetricName: [Entry]
    package var labelValueCountByLabelName: [Entry]
    package var memoryInBytesByLabelName: [Entry]
    package var seriesCountByLabelValuePair: [Entry]
}

extension Head {
    /// The cardinality report with top lists of at most `limit` entries.
    package func statistics(limit: Int) -> HeadStatistics {
        var byMetricName = [HeadStatistics.Entry](), valueCounts = [HeadStatistics.Entry]()
        var memory = [HeadStatistics.Entry](), pairs = [HeadStatistics.Entry]()
        var numLabelPairs = 0
        postings.withState { byName, _ in
            for (name, values) in byName {
                valueCounts.append(.init(name: name, value: values.count))
                numLabelPairs += values.count
                var bytes = 0
                for (value, refs) in values {
                    if name == Labels.metricNameLabel { byMetricName.append(.init(name: value, value: refs.count)) }
                    pairs.append(.init(name: name + "=" + value, value: refs.count))
                    bytes += value.utf8.count * refs.count
                }
                memory.append(.init(name: name, value: bytes))
            }
        }
        func top(_ entries: [HeadStatistics.Entry]) -> [HeadStatistics.Entry] {
            Array(entries.sorted { ($1.value, $0.name) < ($0.value, $1.name) }.prefix(max(0, limit)))
        }
        return HeadStatistics(
            numSeries: seriesCount, numLabelPairs: numLabelPairs, chunkCount: chunkCount, minTime: minTime, maxTime: maxTime,
            seriesCountByMetricName: top(byMetricName), labelValueCountByLabelName: top(valueCounts),
            memoryInBytesByLabelName: top(memory), seriesCountByLabelValuePair: top(pairs))
    }
}
