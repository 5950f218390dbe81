/// What the caller of `Querier.select` will do with the series (Prometheus's
/// `storage.SelectHints`), filled by the PromQL engine for each selector as upstream's
/// `populateSeries` does.
///
/// Hints are advice a querier may ignore. The head and blocks ignore them today (every
/// matching sample is returned); downsampled blocks, not yet implemented, will use `step`,
/// `range` and `function` to answer from a coarser resolution. The cluster's `IngesterQuerier`
/// passes them on as remote read's `ReadHints`. Prometheus's `Start`/`End` are the `mint`/`maxt`
/// given with the hints.
package struct SelectHints: Sendable, Equatable {
    /// The query's step in milliseconds (the subquery's step inside a subquery; 0 for an
    /// instant query).
    package var step: Int64
    /// The range of a range-vector selector in milliseconds (0 for an instant selector).
    package var range: Int64
    /// The innermost function or aggregation around the selector (`rate`, `sum`), "" when
    /// there is none or a binary operator comes first.
    package var function: String
    /// The labels of the aggregation directly around the selector.
    package var grouping: [String]
    /// Whether `grouping` is a `by` list (false for `without` and when there is none).
    package var by: Bool

    /// Creates hints.
    package init(step: Int64 = 0, range: Int64 = 0, function: String = "", grouping: [String] = [], by: Bool = false) {
        self.step = step
        self.range = range
        self.function = function
        self.grouping = grouping
        self.by = by
    }
}
