package import Exposition
package import TSDB

extension RemoteReadHints {
    /// The `ReadHints` of a select over `[mint, maxt]` with `hints`, as Prometheus's remote-read
    /// client fills them (`start_ms`/`end_ms` are the selected range).
    package init(_ hints: SelectHints, mint: Int64, maxt: Int64) {
        self.init()
        stepMs = hints.step
        function = hints.function
        startMs = mint
        endMs = maxt
        grouping = hints.grouping
        by = hints.by
        rangeMs = hints.range
    }
}

extension SelectHints {
    /// The hints a remote-read client sent (its `start_ms`/`end_ms` are the query's range).
    package init(_ hints: RemoteReadHints) {
        self.init(step: hints.stepMs, range: hints.rangeMs, function: hints.function, grouping: hints.grouping, by: hints.by)
    }
}
