package import PromQL

/// The `stats` member Prometheus adds to a query's `data` when asked (`stats=all` or any
/// other non-empty value): timings in seconds and sample counts (upstream's
/// `stats.QueryStats` without the per-step counts, which need a feature flag there).
package struct QueryStats: Sendable {
    /// Time spent waiting for the query gate (`--query.max-concurrency`).
    package var execQueue: Duration = .zero
    /// Time spent parsing the query.
    package var queryPreparation: Duration = .zero
    /// Time spent evaluating, result sorting included (Pharos sorts while evaluating, so
    /// `resultSortTime` is always 0).
    package var innerEval: Duration = .zero
    /// Samples read and the most held at once.
    package var samples = QueryStatistics()

    /// Nothing measured yet.
    package init() {}
}

extension JSONWriter {
    /// Appends `"stats":{"timings":{…},"samples":{…}}` (the caller writes the comma before it).
    mutating func queryStats(_ stats: QueryStats) {
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        let evalTotal = stats.queryPreparation + stats.innerEval
        raw(#""stats":{"timings":{"evalTotalTime":"#)
        number(seconds(evalTotal))
        raw(#","resultSortTime":0,"queryPreparationTime":"#)
        number(seconds(stats.queryPreparation))
        raw(#","innerEvalTime":"#)
        number(seconds(stats.innerEval))
        raw(#","execQueueTime":"#)
        number(seconds(stats.execQueue))
        raw(#","execTotalTime":"#)
        number(seconds(stats.execQueue + evalTotal))
        raw(#"},"samples":{"totalQueryableSamples":"#)
        int(stats.samples.totalQueryableSamples)
        raw(#","peakSamples":"#)
        int(stats.samples.peakSamples)
        raw("}}")
    }
}
