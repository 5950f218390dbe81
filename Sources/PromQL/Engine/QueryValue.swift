package import Model

/// One point of a range result: a timestamp (milliseconds) and a float.
package struct FloatPoint: Sendable, Equatable {
    /// Milliseconds since the epoch.
    package var t: Int64
    /// The value.
    package var v: Double

    /// Creates a point.
    package init(t: Int64, v: Double) {
        self.t = t
        self.v = v
    }
}

/// One series of an instant-vector result.
package struct VectorSample: Sendable, Equatable {
    /// The series' labels.
    package var labels: Labels
    /// The sample's timestamp in milliseconds (the evaluation time).
    package var t: Int64
    /// The value.
    package var v: Double
}

/// One series of a range result.
package struct MatrixSeries: Sendable, Equatable {
    /// The series' labels.
    package var labels: Labels
    /// The points in time order.
    package var points: [FloatPoint]
}

/// What a query evaluates to (upstream's `parser.Value`).
package enum QueryValue: Sendable, Equatable {
    /// A float at the evaluation time.
    case scalar(t: Int64, v: Double)
    /// A string at the evaluation time.
    case string(t: Int64, v: String)
    /// An instant vector.
    case vector([VectorSample])
    /// A range vector, series sorted by labels.
    case matrix([MatrixSeries])
}

/// A query's value plus the annotations raised while evaluating it.
package struct QueryResult: Sendable {
    /// The value.
    package var value: QueryValue
    /// Warning annotations (`PromQL warning: ...`), without duplicates, sorted.
    package var warnings: [String]
    /// Info annotations (`PromQL info: ...`), without duplicates, sorted.
    package var infos: [String]
    /// What the evaluation read and held (the `samples` part of `stats`).
    package var statistics = QueryStatistics()
}

/// Sample counts of one query, as Prometheus reports them with `stats=all`.
package struct QueryStatistics: Sendable, Equatable {
    /// Samples read summed over the steps: one per series and step of an instant selector,
    /// the window's samples per series and step of a range selector (`totalQueryableSamples`).
    package var totalQueryableSamples: Int64 = 0
    /// The most samples held at once (`peakSamples`).
    package var peakSamples = 0

    /// No samples.
    package init() {}
}

/// A sample flowing between evaluation steps: its labels' ID in the query's `LabelTable`,
/// value, and whether `__name__` must be dropped at the end of evaluation (delayed name
/// removal).
struct EvalSample {
    var id: LabelID
    var dropName: Bool
    var v: Double
    /// The sample's own timestamp (for `timestamp()`); the step time otherwise.
    var t: Int64

    init(id: LabelID, v: Double, t: Int64, dropName: Bool) {
        self.id = id
        self.dropName = dropName
        self.v = v
        self.t = t
    }
}

/// The decoded samples of one series, for range windows.
struct SeriesData: Sendable {
    var labels: Labels
    /// `labels`' ID in the evaluator's `LabelTable`.
    var id: LabelID
    var ts: [Int64]
    var vs: [Double]
    var dropName = false
    /// The samples' start timestamps (0: unknown) when the storage knows some and the engine
    /// uses them (`Engine.Options.useStartTimestamps`); empty otherwise. Only selections have
    /// them: a subquery's samples do not.
    var sts: [Int64] = []

    /// Index range of the samples in `(lo, hi]`.
    func window(after lo: Int64, through hi: Int64) -> Range<Int> {
        let start = firstIndex(after: lo)
        let end = firstIndex(after: hi)
        return start..<max(start, end)
    }

    /// The first index whose timestamp is greater than `t`.
    func firstIndex(after t: Int64) -> Int {
        var low = 0, high = ts.count
        while low < high {
            let mid = (low + high) / 2
            if ts[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// A range-vector argument evaluated for every step: the series and, per step, the end of
/// the window; windows are `(end - range, end]`.
struct RangeData {
    var series: [SeriesData]
    /// The window end per step.
    var ends: [Int64]
    /// The window width in milliseconds.
    var range: Int64
    /// `anchored` / `smoothed` (extended range selectors): windows reach back (and for
    /// `smoothed` forward) by `reach` so boundary values can be picked or interpolated.
    var anchored = false
    var smoothed = false
    var reach: Int64 = 0
    /// The shared selection `series` is, when it came through a `SelectionCache`: what is
    /// derived from it can be shared too.
    var selection: SelectionCache.Key?
}

/// An evaluated expression across all steps.
enum EvalValue {
    case scalar([Double])
    case string(String)
    case vector([[EvalSample]])
    case matrix(RangeData)
}

extension Double {
    /// Whether this is Prometheus's staleness marker.
    var isStaleMarker: Bool { bitPattern == 0x7FF0_0000_0000_0002 }
}
