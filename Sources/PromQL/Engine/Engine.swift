import Foundation
import Model
package import TSDB

/// Runs PromQL queries against a `Querier` with Prometheus 3 semantics (upstream's
/// `promql.Engine`): every node is evaluated for all steps at once, so a range query decodes
/// each selected series once and shares its samples across steps.
package struct Engine: Sendable {
    /// Engine settings (upstream's `EngineOpts`).
    package struct Options: Sendable {
        /// How far back an instant selector looks for a sample (milliseconds; Prometheus: 5m).
        package var lookbackDelta: Int64 = 5 * 60 * 1000
        /// The most samples a query may hold at once.
        package var maxSamples = 50_000_000
        /// The step of a subquery written without one (`[10m:]`), in milliseconds.
        package var defaultSubqueryStep: Int64 = 60 * 1000
        /// How long one query may run (Prometheus: 2m); checked between nodes and series.
        package var timeout: Duration = .seconds(120)
        /// Whether `rate`, `increase`, `irate`, `resets` and `start_timestamp` use stored start
        /// timestamps (`--enable-feature=use-start-timestamps`, as Prometheus).
        package var useStartTimestamps = false
        /// Creates the defaults.
        package init() {}
    }

    /// The settings.
    package var options: Options

    /// Creates an engine.
    package init(options: Options = Options()) {
        self.options = options
    }

    /// Evaluates `expr` at `time` (milliseconds); selections `cache` keeps are shared with the
    /// other queries using it (a rule group's evaluation).
    /// - Throws: `PromQLError.execution`, `.tooManySamples` or `.storage`.
    package func instantQuery(_ expr: Expr, at time: Int64, querier: any Querier,
                              cache: SelectionCache? = nil) throws(PromQLError) -> QueryResult {
        let evaluator = Evaluator(querier: querier, start: time, end: time, interval: 1, options: options, hintStep: 0, cache: cache)
        let value = try evaluator.evaluate(expr)
        let result: QueryValue
        switch value {
        case .scalar(let values): result = .scalar(t: time, v: values[0])
        case .string(let text): result = .string(t: time, v: text)
        case .vector(let steps):
            let samples = try evaluator.finishNames(steps[0])
            result = .vector(samples.map { VectorSample(labels: evaluator.table[$0.id], t: time, v: $0.v) })
        case .matrix(let data):
            var out: [MatrixSeries] = []
            let lo = data.ends[0] - data.range
            for series in data.series {
                let window = series.window(after: lo, through: data.ends[0])
                if window.isEmpty { continue }
                let points = window.map { FloatPoint(t: series.ts[$0], v: series.vs[$0]) }
                var labels = series.labels
                if series.dropName { labels = Evaluator.dropNameLabels(labels) }
                out.append(MatrixSeries(labels: labels, points: points))
            }
            out.sort { $0.labels < $1.labels }
            result = .matrix(out)
        }
        return QueryResult(value: result, warnings: evaluator.warnings.sorted(), infos: evaluator.infos.sorted(),
                           statistics: evaluator.statistics)
    }

    /// Evaluates `expr` at `start`, `start + step`, ... through `end` (milliseconds).
    /// - Throws: `PromQLError.execution`, `.tooManySamples` or `.storage`.
    package func rangeQuery(_ expr: Expr, start: Int64, end: Int64, step: Int64, querier: any Querier) throws(PromQLError) -> QueryResult {
        guard step > 0 else { throw .execution("zero or negative query resolution step widths are not accepted. Try a positive integer") }
        guard end >= start else { throw .execution("end timestamp must not be before start time") }
        let evaluator = Evaluator(querier: querier, start: start, end: end, interval: step, options: options, hintStep: step)
        let value = try evaluator.evaluate(expr)
        let times = evaluator.times
        let result: QueryValue
        switch value {
        case .scalar(let values):
            result = .matrix([MatrixSeries(labels: Labels(), points: zip(times, values).map { FloatPoint(t: $0, v: $1) })])
        case .string:
            throw .execution("invalid expression type \"string\" for range query, must be Scalar or instant Vector")
        case .matrix:
            throw .execution("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector")
        case .vector(let steps):
            result = .matrix(try evaluator.collectMatrix(steps))
        }
        return QueryResult(value: result, warnings: evaluator.warnings.sorted(), infos: evaluator.infos.sorted(),
                           statistics: evaluator.statistics)
    }
}

/// The evaluation of one query over a fixed step grid.
final class Evaluator {
    let querier: any Querier
    /// The label sets of the query's samples (shared with subqueries' evaluators).
    let table: LabelTable
    let start: Int64, end: Int64, interval: Int64
    let options: Engine.Options
    let times: [Int64]
    var warnings: Set<String> = []
    var infos: Set<String> = []
    /// Samples read and the most held at once, for `stats`.
    var statistics = QueryStatistics()
    /// The query's outer start/end, for `@ start()`/`@ end()` inside subqueries.
    var queryStart: Int64, queryEnd: Int64
    /// The outer query's step (for `step()` in duration expressions).
    var queryStep: Int64
    /// When the query must have finished.
    let deadline: ContinuousClock.Instant
    /// Decoded selections shared with other queries, if any.
    let cache: SelectionCache?
    /// The nodes enclosing the one being evaluated, root first (for `SelectHints`).
    var ancestors: [SelectionAncestor]
    /// The step `SelectHints` report: the query's (0 for an instant query) or the subquery's.
    let hintStep: Int64

    init(querier: any Querier, start: Int64, end: Int64, interval: Int64, options: Engine.Options, hintStep: Int64,
         queryStart: Int64? = nil, queryEnd: Int64? = nil, queryStep: Int64? = nil,
         deadline: ContinuousClock.Instant? = nil, table: LabelTable = LabelTable(), cache: SelectionCache? = nil,
         ancestors: [SelectionAncestor] = []) {
        self.querier = querier
        self.cache = cache
        self.ancestors = ancestors
        self.hintStep = hintStep
        // Cached selections carry IDs of the cache's table.
        self.table = cache?.table ?? table
        self.start = start
        self.end = end
        self.interval = interval
        self.options = options
        var times: [Int64] = []
        var t = start
        while t <= end {
            times.append(t)
            t += interval
        }
        self.times = times
        self.queryStart = queryStart ?? start
        self.queryEnd = queryEnd ?? end
        self.queryStep = queryStep ?? (start == end ? 0 : interval)
        self.deadline = deadline ?? ContinuousClock.now.advanced(by: options.timeout)
    }

    /// Throws once the query has run past its timeout.
    func checkDeadline() throws(PromQLError) {
        if ContinuousClock.now > deadline { throw .timeout("expression evaluation") }
    }

    var stepCount: Int { times.count }

    func evaluate(_ expr: Expr) throws(PromQLError) -> EvalValue {
        try checkDeadline()
        let ancestor = SelectionAncestor(expr)
        if let ancestor { ancestors.append(ancestor) }
        defer { if ancestor != nil { ancestors.removeLast() } }
        switch expr {
        case .number(let literal): return .scalar(Array(repeating: literal.value, count: stepCount))
        case .string(let literal): return .string(literal.value)
        case .paren(let paren): return try evaluate(paren.expr)
        case .duration(let duration): return .scalar(Array(repeating: try durationSeconds(duration), count: stepCount))
        case .unary(let unary):
            let value = try evaluate(unary.expr)
            guard unary.op == .sub else { return value }
            switch value {
            case .scalar(let values): return .scalar(values.map { -$0 })
            case .vector(let steps):
                return .vector(steps.map { $0.map { EvalSample(id: $0.id, v: -$0.v, t: $0.t, dropName: true) } })
            default: return value
            }
        case .vectorSelector(let selector): return .vector(try evaluateVectorSelector(selector))
        case .matrixSelector(let selector): return .matrix(try evaluateMatrixSelector(selector))
        case .subquery(let subquery): return .matrix(try evaluateSubquery(subquery))
        case .binary(let binary): return try evaluateBinary(binary)
        case .aggregate(let aggregate): return try evaluateAggregate(aggregate)
        case .call(let call): return try evaluateCall(call)
        }
    }

    func evaluateVector(_ expr: Expr) throws(PromQLError) -> [[EvalSample]] {
        switch try evaluate(expr) {
        case .vector(let steps): return steps
        default: throw .execution("expected instant vector")
        }
    }

    func evaluateScalar(_ expr: Expr) throws(PromQLError) -> [Double] {
        switch try evaluate(expr) {
        case .scalar(let values): return values
        default: throw .execution("expected scalar")
        }
    }

    func evaluateString(_ expr: Expr) throws(PromQLError) -> String {
        switch try evaluate(expr) {
        case .string(let text): return text
        default: throw .execution("expected string")
        }
    }

    func evaluateMatrix(_ expr: Expr) throws(PromQLError) -> RangeData {
        switch try evaluate(expr) {
        case .matrix(let data): return data
        default: throw .execution("expected range vector")
        }
    }

    // MARK: - Time modifiers

    /// The evaluation time of each step after `@` and `offset`.
    func effectiveTimes(timestamp: Int64?, startOrEnd: AtPreprocessor?, offset: Int64) -> [Int64] {
        let fixed: Int64? = switch startOrEnd {
        case .start: queryStart
        case .end: queryEnd
        case nil: timestamp
        }
        if let fixed { return Array(repeating: fixed - offset, count: stepCount) }
        return times.map { $0 - offset }
    }

    /// A range or step in milliseconds from nanoseconds or a duration expression.
    func milliseconds(_ nanoseconds: Int64, _ expr: DurationExpr?) throws(PromQLError) -> Int64 {
        try offsetMilliseconds(nanoseconds, expr)
    }

    /// An offset in milliseconds from nanoseconds or a duration expression.
    func offsetMilliseconds(_ nanoseconds: Int64, _ expr: DurationExpr?) throws(PromQLError) -> Int64 {
        if let expr { return Int64((try durationSeconds(expr) * 1000).rounded()) }
        return nanoseconds / 1_000_000
    }

    /// Evaluates a duration expression to seconds.
    func durationSeconds(_ duration: DurationExpr) throws(PromQLError) -> Double {
        func operand(_ expr: Expr?) throws(PromQLError) -> Double {
            guard let expr else { return 0 }
            switch expr {
            case .number(let number): return number.value
            case .duration(let inner): return try durationSeconds(inner)
            case .paren(let paren): return try operand(paren.expr)
            case .unary(let unary): return unary.op == .sub ? -(try operand(unary.expr)) : try operand(unary.expr)
            default: throw .execution("unsupported duration expression")
            }
        }
        switch duration.op {
        case .step: return Double(queryStep) / 1000
        case .range: return Double(queryEnd - queryStart) / 1000
        case .minOf: return min(try operand(duration.lhs), try operand(duration.rhs))
        case .maxOf: return max(try operand(duration.lhs), try operand(duration.rhs))
        default: break
        }
        let rhs = try operand(duration.rhs)
        guard let lhsExpr = duration.lhs else { return duration.op == .sub ? -rhs : rhs }
        let lhs = try operand(lhsExpr)
        switch duration.op {
        case .add: return lhs + rhs
        case .sub: return lhs - rhs
        case .mul: return lhs * rhs
        case .div:
            guard rhs != 0 else { throw .execution("division by zero") }
            return lhs / rhs
        case .mod:
            guard rhs != 0 else { throw .execution("modulo by zero") }
            return lhs.truncatingRemainder(dividingBy: rhs)
        case .pow: return pow(lhs, rhs)
        default: throw .execution("unsupported duration operator")
        }
    }

    // MARK: - Selectors

    /// Loads the series matching `matchers` with their samples in `[mint, maxt]`; with
    /// `lastOnly`, only each series' newest sample there, a staleness marker included (all an
    /// instant selector evaluated at one time reads: a stale newest sample hides older ones).
    /// `range` is a range selector's, for `SelectHints`. A cached selection is shared whatever
    /// the hints of the selector that made it: today every querier returns the same samples
    /// whatever the hints (a downsampling querier will need them in the cache key).
    func load(_ matchers: [Matcher], mint: Int64, maxt: Int64, keepStale: Bool, lastOnly: Bool = false,
              range: Int64 = 0) throws(PromQLError) -> [SeriesData] {
        guard let cache, let key = cacheKey(matchers, mint: mint, maxt: maxt, keepStale: keepStale, lastOnly: lastOnly) else {
            return try decode(matchers, mint: mint, maxt: maxt, keepStale: keepStale, lastOnly: lastOnly, range: range)
        }
        if let cached = cache.lookup(key) {
            let total = cached.reduce(0) { $0 + $1.ts.count }
            if total > options.maxSamples { throw .tooManySamples }
            hold(total)
            return cached
        }
        let result = try decode(matchers, mint: mint, maxt: maxt, keepStale: keepStale, lastOnly: lastOnly, range: range)
        cache.store(result, for: key)
        return result
    }

    /// The key `load` keeps this selection under, `nil` when it is not shared.
    func cacheKey(_ matchers: [Matcher], mint: Int64, maxt: Int64, keepStale: Bool, lastOnly: Bool = false) -> SelectionCache.Key? {
        guard let cache, cache.caches(matchers) else { return nil }
        return SelectionCache.Key(matchers: matchers, mint: mint, maxt: maxt, keepStale: keepStale, lastOnly: lastOnly)
    }

    /// Selects and decodes the series matching `matchers` with their samples in `[mint, maxt]`
    /// (with `lastOnly`, the newest of them, stale or not).
    private func decode(_ matchers: [Matcher], mint: Int64, maxt: Int64, keepStale: Bool, lastOnly: Bool,
                        range: Int64) throws(PromQLError) -> [SeriesData] {
        if lastOnly { return try newest(matchers, mint: mint, maxt: maxt, hints: selectHints(range: range)) }
        let selected: [Series]
        do throws(TSDBError) {
            selected = try querier.select(matchers, mint: mint, maxt: maxt, hints: selectHints(range: range))
        } catch {
            throw .storage("\(error)")
        }
        var result: [SeriesData] = []
        result.reserveCapacity(selected.count)
        var iterator = SeriesIterator()
        var total = 0
        // Decoded into buffers reused across series, then copied out at their exact size:
        // growing each series' arrays sample by sample reallocates them several times.
        var ts: [Int64] = [], vs: [Double] = [], sts: [Int64] = []
        let withStartTimestamps = options.useStartTimestamps
        for series in selected {
            try checkDeadline()
            iterator.reset(series)
            ts.removeAll(keepingCapacity: true)
            vs.removeAll(keepingCapacity: true)
            if withStartTimestamps {
                sts.removeAll(keepingCapacity: true)
                iterator.appendRemaining(timestamps: &ts, values: &vs, startTimestamps: &sts, skippingStaleMarkers: !keepStale)
            } else {
                iterator.appendRemaining(timestamps: &ts, values: &vs, skippingStaleMarkers: !keepStale)
            }
            if let error = iterator.error { throw .storage("\(error)") }
            total += ts.count
            if total > options.maxSamples { throw .tooManySamples }
            if !ts.isEmpty {
                result.append(SeriesData(labels: series.labels, id: table.id(of: series.labels), ts: Array(ts[...]), vs: Array(vs[...]),
                                         sts: sts.contains { $0 != 0 } ? Array(sts[...]) : []))
            }
        }
        hold(total)
        return result
    }

    /// The series matching `matchers` with their newest sample in `[mint, maxt]`.
    private func newest(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints) throws(PromQLError) -> [SeriesData] {
        let selected: [NewestSample]
        do throws(TSDBError) {
            selected = try querier.selectNewest(matchers, mint: mint, maxt: maxt, hints: hints)
        } catch {
            throw .storage("\(error)")
        }
        if selected.count > options.maxSamples { throw .tooManySamples }
        try checkDeadline()
        var result: [SeriesData] = []
        result.reserveCapacity(selected.count)
        for sample in selected {
            result.append(SeriesData(labels: sample.labels, id: table.id(of: sample.labels), ts: [sample.timestamp], vs: [sample.value]))
        }
        hold(selected.count)
        return result
    }

    /// The selector's samples at every step; with `startTimestamps` (`start_timestamp()`),
    /// each selected sample's start timestamp in seconds (0 when unknown) instead of its value.
    func evaluateVectorSelector(_ selector: VectorSelector, startTimestamps: Bool = false) throws(PromQLError) -> [[EvalSample]] {
        let offset = try offsetMilliseconds(selector.originalOffset, selector.originalOffsetExpr)
        let evalTimes = effectiveTimes(timestamp: selector.timestamp, startOrEnd: selector.startOrEnd, offset: offset)
        guard let first = evalTimes.min(), let last = evalTimes.max() else { return [] }
        let lookback = options.lookbackDelta
        if selector.smoothed, !startTimestamps { return try smoothedSelector(selector, evalTimes, first: first, last: last) }
        // At one evaluation time (an instant query, or `@`) only each series' newest sample
        // counts; its start timestamp needs the samples decoded.
        let data = try load(selector.matchers, mint: first - lookback + 1, maxt: last, keepStale: true,
                            lastOnly: first == last && !startTimestamps)
        var steps = Array(repeating: [EvalSample](), count: stepCount)
        for step in steps.indices { steps[step].reserveCapacity(data.count) }
        var count = 0
        for series in data {
            let id = series.id
            // Evaluation times never decrease, so the newest sample at or before each one is
            // found by moving one cursor forward.
            var next = 0
            for (step, t) in evalTimes.enumerated() {
                while next < series.ts.count, series.ts[next] <= t { next += 1 }
                let index = next - 1
                guard index >= 0, series.ts[index] > t - lookback else { continue }
                let value = series.vs[index]
                if value.isStaleMarker { continue }
                if startTimestamps {
                    let st = series.sts.isEmpty ? 0 : series.sts[index]
                    steps[step].append(EvalSample(id: id, v: Double(st) / 1000, t: times[step], dropName: true))
                } else {
                    steps[step].append(EvalSample(id: id, v: value, t: series.ts[index], dropName: false))
                }
                count += 1
            }
            if count > options.maxSamples { throw .tooManySamples }
        }
        statistics.totalQueryableSamples += Int64(count)
        hold(count)
        return steps
    }

    /// Notes that `count` samples are held at once (for `peakSamples`).
    func hold(_ count: Int) {
        if count > statistics.peakSamples { statistics.peakSamples = count }
    }

    /// `metric smoothed`: the value at each step interpolated between the samples around it
    /// (within the lookback delta on either side), or carried forward after the last one.
    func smoothedSelector(_ selector: VectorSelector, _ evalTimes: [Int64], first: Int64, last: Int64) throws(PromQLError) -> [[EvalSample]] {
        let lookback = options.lookbackDelta
        let data = try load(selector.matchers, mint: first - lookback + 1, maxt: last + lookback, keepStale: false)
        var steps = Array(repeating: [EvalSample](), count: stepCount)
        for series in data {
            let id = series.id
            for (step, t) in evalTimes.enumerated() {
                let window = series.window(after: t - lookback, through: t + lookback)
                guard !window.isEmpty else { continue }
                // The first index in the window at or after t.
                var index = window.lowerBound
                while index < window.upperBound, series.ts[index] < t { index += 1 }
                let value: Double
                if index < window.upperBound, series.ts[index] == t {
                    value = series.vs[index]
                } else if index > window.lowerBound, index < window.upperBound {
                    let (t1, t2) = (series.ts[index - 1], series.ts[index])
                    let (y1, y2) = (series.vs[index - 1], series.vs[index])
                    value = y1 + (y2 - y1) * Double(t - t1) / Double(t2 - t1)
                } else if index > window.lowerBound {
                    value = series.vs[index - 1]
                } else {
                    continue
                }
                steps[step].append(EvalSample(id: id, v: value, t: times[step], dropName: false))
            }
        }
        return steps
    }

    func evaluateMatrixSelector(_ selector: MatrixSelector) throws(PromQLError) -> RangeData {
        let vs = selector.vectorSelector
        let offset = try offsetMilliseconds(vs.originalOffset, vs.originalOffsetExpr)
        let rangeMs = try milliseconds(selector.rangeNanoseconds, selector.rangeExpr)
        let ends = effectiveTimes(timestamp: vs.timestamp, startOrEnd: vs.startOrEnd, offset: offset)
        guard let first = ends.min(), let last = ends.max() else { return RangeData(series: [], ends: ends, range: rangeMs) }
        let extra = vs.anchored || vs.smoothed ? options.lookbackDelta : 0
        let (mint, maxt) = (first - rangeMs - extra + 1, last + (vs.smoothed ? extra : 0))
        let data = try load(vs.matchers, mint: mint, maxt: maxt, keepStale: false, range: rangeMs)
        return RangeData(series: data, ends: ends, range: rangeMs, anchored: vs.anchored, smoothed: vs.smoothed,
                         reach: extra, selection: cacheKey(vs.matchers, mint: mint, maxt: maxt, keepStale: false))
    }

    func evaluateSubquery(_ subquery: SubqueryExpr) throws(PromQLError) -> RangeData {
        let offset = try offsetMilliseconds(subquery.originalOffset, subquery.originalOffsetExpr)
        let rangeMs = try milliseconds(subquery.rangeNanoseconds, subquery.rangeExpr)
        var stepMs = try milliseconds(subquery.stepNanoseconds, subquery.stepExpr)
        if stepMs <= 0 { stepMs = options.defaultSubqueryStep }
        let ends = effectiveTimes(timestamp: subquery.timestamp, startOrEnd: subquery.startOrEnd, offset: offset)
        guard let first = ends.min(), let last = ends.max() else { return RangeData(series: [], ends: ends, range: rangeMs) }
        // Inner steps are aligned to multiples of the step: the first one after `first - range`.
        let lowest = first - rangeMs
        var innerStart = lowest - floorMod(lowest, stepMs)
        if innerStart <= lowest { innerStart += stepMs }
        let innerEnd = last - floorMod(last, stepMs)
        guard innerStart <= innerEnd else { return RangeData(series: [], ends: ends, range: rangeMs) }
        let inner = Evaluator(querier: querier, start: innerStart, end: innerEnd, interval: stepMs, options: options,
                              hintStep: stepMs, queryStart: queryStart, queryEnd: queryEnd, queryStep: queryStep,
                              deadline: deadline, table: table, cache: cache, ancestors: ancestors)
        let value = try inner.evaluate(subquery.expr)
        warnings.formUnion(inner.warnings)
        infos.formUnion(inner.infos)
        statistics.totalQueryableSamples += inner.statistics.totalQueryableSamples
        hold(inner.statistics.peakSamples)
        var series: [SeriesData] = []
        switch value {
        case .scalar(let values):
            series = [SeriesData(labels: Labels(), id: table.empty, ts: inner.times, vs: values)]
        case .vector(let steps):
            var index: [LabelID: Int] = [:]
            for (step, samples) in steps.enumerated() {
                for sample in samples {
                    if let at = index[sample.id] {
                        series[at].ts.append(inner.times[step])
                        series[at].vs.append(sample.v)
                        series[at].dropName = series[at].dropName || sample.dropName
                    } else {
                        index[sample.id] = series.count
                        series.append(SeriesData(labels: table[sample.id], id: sample.id, ts: [inner.times[step]], vs: [sample.v],
                                                 dropName: sample.dropName))
                    }
                }
            }
            series.sort { $0.labels < $1.labels }
        default:
            throw .execution("subquery of a non-vector expression")
        }
        return RangeData(series: series, ends: ends, range: rangeMs)
    }

    // MARK: - Name removal

    /// Labels without `__name__`, `__type__` and `__unit__`.
    static func dropNameLabels(_ labels: Labels) -> Labels {
        guard labels.contains(name: "__name__") || labels.contains(name: "__type__") || labels.contains(name: "__unit__") else {
            return labels
        }
        var builder = LabelsBuilder(labels)
        builder.delete("__name__", "__type__", "__unit__")
        return builder.labels()
    }

    /// Applies delayed name removal to one instant vector; duplicates are an error.
    func finishNames(_ samples: [EvalSample]) throws(PromQLError) -> [EvalSample] {
        var out = samples
        var anyDropped = false
        var named = LabelMemo<LabelID>()
        for index in out.indices where out[index].dropName {
            out[index].id = named.value(for: out[index].id) { table.id(of: Evaluator.dropNameLabels(table[$0])) }
            anyDropped = true
        }
        if anyDropped {
            var seen = Set<LabelID>()
            for sample in out where !seen.insert(sample.id).inserted {
                throw .execution("vector cannot contain metrics with the same labelset")
            }
        }
        return out
    }

    /// Turns per-step vectors into a matrix sorted by labels, with delayed name removal.
    func collectMatrix(_ steps: [[EvalSample]]) throws(PromQLError) -> [MatrixSeries] {
        // Per label ID of a sample: the index in `out` of its series, after name removal.
        var slotOfID = LabelMemo<Int>(), slotOfNamedID = LabelMemo<Int>()
        var slotOfFinal: [LabelID: Int] = [:]
        var out: [MatrixSeries] = []
        // Points per label ID, so each series' points are allocated once.
        var pointCount = LabelMemo<Int>()
        for samples in steps {
            for sample in samples { pointCount.remember((pointCount[sample.id] ?? 0) + 1, for: sample.id) }
        }
        func slot(_ id: LabelID, capacity: Int) -> Int {
            if let at = slotOfFinal[id] { return at }
            slotOfFinal[id] = out.count
            var points: [FloatPoint] = []
            points.reserveCapacity(capacity)
            out.append(MatrixSeries(labels: table[id], points: points))
            return out.count - 1
        }
        for (step, samples) in steps.enumerated() {
            for sample in samples {
                let capacity = pointCount[sample.id] ?? 0
                let at = sample.dropName
                    ? slotOfNamedID.value(for: sample.id) { slot(table.id(of: Evaluator.dropNameLabels(table[$0])), capacity: capacity) }
                    : slotOfID.value(for: sample.id) { slot($0, capacity: capacity) }
                if out[at].points.last?.t == times[step] {
                    throw .execution("vector cannot contain metrics with the same labelset")
                }
                out[at].points.append(FloatPoint(t: times[step], v: sample.v))
            }
        }
        out.sort { $0.labels < $1.labels }
        return out
    }
}

/// `a mod b` rounded toward negative infinity (for step alignment with negative times).
func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
    let r = a % b
    return r < 0 ? r + b : r
}
