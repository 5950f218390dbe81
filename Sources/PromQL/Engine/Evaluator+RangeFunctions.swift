import Foundation
import Model

/// One window of samples handed to a range function.
struct Window {
    var ts: ArraySlice<Int64>
    var vs: ArraySlice<Double>
    /// Window start (exclusive) and end (inclusive), milliseconds.
    var start: Int64
    var end: Int64
    /// The step's evaluation time (before offset), milliseconds.
    var evalTime: Int64
    /// The step's index in the evaluator's `times`.
    var step = 0
    /// Extended range selector modifiers of the argument.
    var anchored = false
    var smoothed = false
    /// The samples' start timestamps (`SeriesData.sts`), empty when none are known.
    var sts: ArraySlice<Int64> = []
}

extension Evaluator {
    /// Applies `body` to every series' window at every step.
    ///
    /// `--query.max-samples` counts what is held at once, as Prometheus does: the output so far
    /// and the current window. Windows are slices of the series loaded once (and counted by
    /// `load`), so a long range over many steps costs no more than its samples.
    func rangeFunction(_ data: RangeData, keepName: Bool = false, metricNameCheck: Bool = false,
                       _ body: (Window) throws(PromQLError) -> Double?) throws(PromQLError) -> [[EvalSample]] {
        try slidingWindows(data, keepName: keepName, metricNameCheck: metricNameCheck, prepare: { _ in () }) {
            (_: inout Void, series, range, step) throws(PromQLError) -> Double? in
            let end = data.ends[step]
            return try body(Window(ts: series.ts[range], vs: series.vs[range], start: end - data.range, end: end,
                                   evalTime: times[step], step: step, anchored: data.anchored, smoothed: data.smoothed,
                                   sts: series.sts.isEmpty ? [] : series.sts[range]))
        }
    }

    /// Applies `body` to the index range of every series' window at every step.
    ///
    /// `prepare` derives per-series state once (e.g. where a counter resets), so `body` can
    /// answer a window from that state without walking it: with windows much longer than the
    /// step, consecutive windows overlap almost entirely and walking each is the cost.
    func slidingWindows<State>(_ data: RangeData, keepName: Bool = false, metricNameCheck: Bool = false,
                               prepare: (SeriesData) -> State,
                               _ body: (inout State, SeriesData, Range<Int>, _ step: Int) throws(PromQLError) -> Double?)
        throws(PromQLError) -> [[EvalSample]] {
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for step in out.indices { out[step].reserveCapacity(data.series.count) }
        var produced = 0
        for series in data.series {
            try checkDeadline()
            let id = series.id
            let dropName = keepName ? series.dropName : true
            var checkedName = !metricNameCheck
            var state = prepare(series)
            // Window ends never decrease, so both bounds move forward only.
            var lower = 0, upper = 0
            let count = series.ts.count
            for step in 0..<stepCount {
                let end = data.ends[step]
                let (after, through) = (end - data.range - data.reach, end + (data.smoothed ? data.reach : 0))
                while lower < count, series.ts[lower] <= after { lower += 1 }
                if upper < lower { upper = lower }
                while upper < count, series.ts[upper] <= through { upper += 1 }
                if upper <= lower { continue }
                if produced + (upper - lower) > options.maxSamples { throw .tooManySamples }
                statistics.totalQueryableSamples += Int64(upper - lower)
                guard let value = try body(&state, series, lower..<upper, step) else { continue }
                if !checkedName {
                    checkedName = true
                    if let name = series.labels["__name__"],
                       !(name.hasSuffix("_total") || name.hasSuffix("_sum") || name.hasSuffix("_count") || name.hasSuffix("_bucket")) {
                        infos.insert("PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"\(name)\"")
                    }
                }
                out[step].append(EvalSample(id: id, v: value, t: times[step], dropName: dropName))
                produced += 1
            }
            hold(produced)
        }
        return out
    }

    /// `rate`, `increase`, `delta` with upstream's extrapolation.
    static func extrapolatedRate(_ w: Window, isCounter: Bool, isRate: Bool) -> Double? {
        if w.anchored || w.smoothed { return extendedRate(w, isCounter: isCounter, isRate: isRate) }
        guard w.ts.count >= 2, let firstT = w.ts.first, let lastT = w.ts.last,
              let firstV = w.vs.first, let lastV = w.vs.last else { return nil }
        var result = lastV - firstV
        if isCounter {
            var previous = firstV
            for v in w.vs.dropFirst() {
                if v < previous { result += previous }
                previous = v
            }
        }
        return extrapolate(result, firstT: firstT, lastT: lastT, firstV: firstV, count: w.ts.count,
                           start: w.start, end: w.end, isCounter: isCounter, isRate: isRate)
    }

    /// Upstream's extrapolation of a window's raw increase `result` (last minus first value,
    /// plus counter resets) towards the window's edges. With `zeroAt` (a start timestamp in
    /// the window before its first sample, where the counter was 0; `result` then includes
    /// the first value) the increase starts there instead of being extrapolated to the left.
    static func extrapolate(_ result: Double, firstT: Int64, lastT: Int64, firstV: Double, count: Int,
                            start: Int64, end: Int64, isCounter: Bool, isRate: Bool, zeroAt: Int64? = nil) -> Double {
        var durationToStart = Double(firstT - start) / 1000
        var durationToEnd = Double(end - lastT) / 1000
        var sampledInterval = Double(lastT - firstT) / 1000
        let averageBetween = count > 1 ? sampledInterval / Double(count - 1) : 0
        let threshold = averageBetween * 1.1
        if let zeroAt {
            durationToStart = 0
            sampledInterval = Double(lastT - zeroAt) / 1000
        } else {
            if durationToStart >= threshold { durationToStart = averageBetween / 2 }
            if isCounter {
                var durationToZero = durationToStart
                if result > 0, firstV >= 0 { durationToZero = sampledInterval * (firstV / result) }
                if durationToZero < durationToStart { durationToStart = durationToZero }
            }
        }
        if durationToEnd >= threshold { durationToEnd = averageBetween / 2 }
        var factor = sampledInterval != 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1
        if isRate { factor /= Double(end - start) / 1000 }
        return result * factor
    }

    /// `rate`, `increase`, `delta` at every step without walking each window: the first and
    /// last sample come from the window bounds, and counter resets from a list of where the
    /// series resets, so a window costs the same whatever its length. Resets are added in
    /// window order, as `extrapolatedRate` adds them, so results are bit for bit the same.
    /// Start timestamps (`SeriesData.sts`) count as resets too, and one in the window before
    /// its first sample replaces the extrapolation to the left (`extrapolate`'s `zeroAt`).
    func extrapolatedRates(_ data: RangeData, isCounter: Bool, isRate: Bool) throws(PromQLError) -> [[EvalSample]] {
        if data.anchored || data.smoothed {
            return try rangeFunction(data, metricNameCheck: isCounter) { w in
                Evaluator.extrapolatedRate(w, isCounter: isCounter, isRate: isRate)
            }
        }
        let prepare = { (series: SeriesData) -> CounterMarks in isCounter ? CounterMarks(series) : CounterMarks() }
        return try slidingWindows(data, metricNameCheck: isCounter, prepare: prepare) {
            (marks: inout CounterMarks, series: SeriesData, range: Range<Int>, step: Int) throws(PromQLError) -> Double? in
            let (first, last) = (range.lowerBound, range.upperBound - 1)
            let end = data.ends[step], start = end - data.range
            var zeroAt: Int64?
            if isCounter, !series.sts.isEmpty, case let st = series.sts[first], st != 0, st > start, st < series.ts[first] {
                zeroAt = st
            }
            guard range.count >= 2 || zeroAt != nil else { return nil }
            let firstV = series.vs[first]
            var result = series.vs[last] - firstV
            if isCounter {
                if marks.overlaps.any(after: first, before: range.upperBound) {
                    warnings.insert(StartTimestampRules.overlapWarning(metric: series.labels["__name__"] ?? ""))
                }
                marks.resets.forEach(after: first, before: range.upperBound) { result += series.vs[$0 - 1] }
            }
            if zeroAt != nil { result += firstV }
            return Evaluator.extrapolate(result, firstT: series.ts[first], lastT: series.ts[last], firstV: firstV,
                                         count: range.count, start: start, end: end,
                                         isCounter: isCounter, isRate: isRate, zeroAt: zeroAt)
        }
    }

    /// `changes` / `resets` at every step from a running count of the series' changes or
    /// resets (integers, so the window's count is exactly a difference of two totals);
    /// `counts(series, i)` tells whether sample `i` changed or reset against sample `i - 1`.
    func countedTransitions(_ data: RangeData, _ counts: @escaping (SeriesData, Int) -> Bool) throws(PromQLError) -> [[EvalSample]] {
        let prepare = { (series: SeriesData) -> RunningCount in RunningCount(count: series.vs.count) { counts(series, $0) } }
        return try slidingWindows(data, prepare: prepare) {
            (running: inout RunningCount, _: SeriesData, range: Range<Int>, _: Int) throws(PromQLError) -> Double? in
            Double(running.count(in: range))
        }
    }

    /// `rate`, `increase`, `delta` over an `anchored`/`smoothed` selector: the values at the
    /// range boundaries are picked (anchored) or interpolated (smoothed), no extrapolation.
    static func extendedRate(_ w: Window, isCounter: Bool, isRate: Bool) -> Double? {
        let ts = Array(w.ts), vs = Array(w.vs)
        guard !ts.isEmpty else { return nil }
        var last = ts.count - 1
        func search(_ limit: Int, _ predicate: (Int) -> Bool) -> Int {
            var low = 0, high = limit
            while low < high {
                let mid = (low + high) / 2
                if predicate(mid) { high = mid } else { low = mid + 1 }
            }
            return low
        }
        var first = max(0, search(last) { ts[$0] > w.start } - 1)
        if w.smoothed { last = search(last) { ts[$0] >= w.end } }
        if ts[last] <= w.start { return nil }
        if w.smoothed, ts[first] > w.end { return nil }
        func interpolate(_ a: Int, _ b: Int, _ t: Int64) -> Double {
            var y1 = vs[a]
            let y2 = vs[b]
            if isCounter, y2 < y1 { y1 = 0 }
            return y1 + (y2 - y1) * Double(t - ts[a]) / Double(ts[b] - ts[a])
        }
        let left = w.smoothed && ts[first] < w.start ? interpolate(first, first + 1, w.start) : vs[first]
        let right = w.smoothed && last > 0 && ts[last] > w.end ? interpolate(last - 1, last, w.end) : vs[last]
        var result = right - left
        if isCounter {
            if ts[first] <= w.start { first += 1 }
            if ts[last] >= w.end { last -= 1 }
            var previous = left
            if first <= last {
                for v in vs[first...last] {
                    if v < previous { result += previous }
                    previous = v
                }
            }
            if right < previous { result += previous }
        }
        if isRate { result /= Double(w.end - w.start) / 1000 }
        return result
    }

    /// For `anchored` windows: the samples from the last one at or before the range start;
    /// nil when no sample lies after the range start.
    static func anchoredValues(_ w: Window) -> ArraySlice<Double>? {
        guard w.anchored else { return w.vs }
        var index = w.ts.startIndex
        while index < w.ts.endIndex, w.ts[index] <= w.start { index += 1 }
        guard index < w.ts.endIndex else { return nil }
        let anchor = index > w.ts.startIndex ? index - 1 : index
        return w.vs[anchor...]
    }

    static func instantRate(_ w: Window, isRate: Bool) -> Double? {
        guard w.ts.count >= 2 else { return nil }
        let last = w.vs[w.vs.endIndex - 1], previous = w.vs[w.vs.endIndex - 2]
        let (lastT, previousT) = (w.ts[w.ts.endIndex - 1], w.ts[w.ts.endIndex - 2])
        let dt = Double(lastT - previousT) / 1000
        guard dt != 0 else { return nil }
        var result = last - previous
        if isRate {
            let startReset = !w.sts.isEmpty && StartTimestampRules.isReset(
                previousST: w.sts[w.sts.endIndex - 2], previousT: previousT, st: w.sts[w.sts.endIndex - 1], t: lastT)
            if last < previous || startReset { result = last }
            return result / dt
        }
        return result
    }

    /// Least-squares slope and intercept at `interceptTime` (upstream's `linearRegression`).
    static func linearRegression(_ w: Window, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0
        var sumX = KahanSum(), sumY = KahanSum(), sumXY = KahanSum(), sumX2 = KahanSum()
        let initY = w.vs.first ?? 0
        var constY = true
        // Over the buffers: windows of predict_linear(…[6h]) hold thousands of samples.
        w.ts.withUnsafeBufferPointer { ts in
            w.vs.withUnsafeBufferPointer { vs in
                for index in 0..<min(ts.count, vs.count) {
                    let v = vs[index]
                    if constY, v != initY { constY = false }
                    n += 1
                    let x = Double(ts[index] - interceptTime) / 1000
                    sumX.add(x)
                    sumY.add(v)
                    sumXY.add(x * v)
                    sumX2.add(x * x)
                }
            }
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        let covXY = sumXY.value - sumX.value * sumY.value / n
        let varX = sumX2.value - sumX.value * sumX.value / n
        let slope = covXY / varX
        let intercept = sumY.value / n - slope * sumX.value / n
        return (slope, intercept)
    }

    /// `predict_linear`. At one time over a shared selection, the regressions are shared too:
    /// the first query computes them, the others (predicting further ahead) reuse them.
    func predictLinear(_ source: RangeData, seconds: [Double]) throws(PromQLError) -> [[EvalSample]] {
        let key = stepCount == 1 ? source.selection.map {
            SelectionCache.RegressionKey(selection: $0, end: source.ends[0], range: source.range, interceptTime: times[0])
        } : nil
        let known = key.flatMap { cache?.lookup($0) }
        var computed = [SelectionCache.Regression](repeating: nil, count: key == nil || known != nil ? 0 : source.series.count)
        var seriesIndex = -1
        let out = try slidingWindows(source, prepare: { _ in seriesIndex += 1; return seriesIndex }) {
            (index: inout Int, series: SeriesData, range: Range<Int>, step: Int) throws(PromQLError) -> Double? in
            guard range.count >= 2 else { return nil }
            let regression: (slope: Double, intercept: Double)
            if let known, index < known.count, let shared = known[index] {
                regression = shared
            } else {
                let end = source.ends[step]
                let w = Window(ts: series.ts[range], vs: series.vs[range], start: end - source.range, end: end, evalTime: times[step])
                regression = Evaluator.linearRegression(w, interceptTime: times[step])
                if index < computed.count { computed[index] = regression }
            }
            return regression.slope * seconds[step] + regression.intercept
        }
        if let key, let cache, !computed.isEmpty { cache.store(computed, for: key) }
        return out
    }

    func evaluateRangeCall(_ name: String, _ call: Call) throws(PromQLError) -> [[EvalSample]]? {
        func data() throws(PromQLError) -> RangeData { try evaluateMatrix(call.args[0]) }
        try checkExtendedSelector(name, call)
        switch name {
        case "rate": return try extrapolatedRates(data(), isCounter: true, isRate: true)
        case "increase": return try extrapolatedRates(data(), isCounter: true, isRate: false)
        case "delta": return try extrapolatedRates(data(), isCounter: false, isRate: false)
        case "irate": return try rangeFunction(data()) { w in Evaluator.instantRate(w, isRate: true) }
        case "idelta": return try rangeFunction(data()) { w in Evaluator.instantRate(w, isRate: false) }
        case "deriv":
            return try rangeFunction(data()) { w in
                guard w.ts.count >= 2, let first = w.ts.first else { return nil }
                return Evaluator.linearRegression(w, interceptTime: first).slope
            }
        case "predict_linear":
            let seconds = try evaluateScalar(call.args[1])
            return try predictLinear(data(), seconds: seconds)
        case "avg_over_time": return try rangeFunction(data()) { w in Evaluator.average(Array(w.vs)) }
        case "sum_over_time":
            return try rangeFunction(data()) { w in
                var sum = KahanSum()
                for v in w.vs { sum.add(v) }
                return sum.value
            }
        case "count_over_time": return try slidingWindows(data(), prepare: { _ in () }) { _, _, range, _ in Double(range.count) }
        case "min_over_time":
            return try rangeFunction(data()) { w in
                var m = w.vs.first ?? .nan
                for v in w.vs.dropFirst() where v < m || m.isNaN { m = v }
                return m
            }
        case "max_over_time":
            return try rangeFunction(data()) { w in
                var m = w.vs.first ?? .nan
                for v in w.vs.dropFirst() where v > m || m.isNaN { m = v }
                return m
            }
        case "last_over_time":
            return try slidingWindows(data(), keepName: true, prepare: { _ in () }) { _, series, range, _ in series.vs[range.upperBound - 1] }
        case "first_over_time":
            return try slidingWindows(data(), keepName: true, prepare: { _ in () }) { _, series, range, _ in series.vs[range.lowerBound] }
        case "ts_of_last_over_time":
            return try slidingWindows(data(), prepare: { _ in () }) { _, series, range, _ in Double(series.ts[range.upperBound - 1]) / 1000 }
        case "ts_of_first_over_time":
            return try slidingWindows(data(), prepare: { _ in () }) { _, series, range, _ in Double(series.ts[range.lowerBound]) / 1000 }
        case "ts_of_max_over_time", "ts_of_min_over_time":
            let wantMax = name == "ts_of_max_over_time"
            return try rangeFunction(data()) { w in
                var best = w.vs.first ?? .nan
                var at = w.ts.first ?? 0
                for (t, v) in zip(w.ts, w.vs).dropFirst() {
                    if (wantMax ? v >= best : v <= best) || best.isNaN { best = v; at = t }
                }
                return Double(at) / 1000
            }
        case "present_over_time": return try slidingWindows(data(), prepare: { _ in () }) { _, _, _, _ in 1 }
        case "stddev_over_time": return try rangeFunction(data()) { w in Evaluator.variance(Array(w.vs)).squareRoot() }
        case "stdvar_over_time": return try rangeFunction(data()) { w in Evaluator.variance(Array(w.vs)) }
        case "mad_over_time":
            return try rangeFunction(data()) { w in
                let values = Array(w.vs)
                if values.contains(where: \.isNaN) { return .nan }
                let median = Evaluator.quantile(0.5, values)
                return Evaluator.quantile(0.5, values.map { abs($0 - median) })
            }
        case "quantile_over_time":
            let q = try evaluateScalar(call.args[0])
            let source = try evaluateMatrix(call.args[1])
            for value in q where value < 0 || value > 1 || value.isNaN {
                warnings.insert("PromQL warning: quantile value should be between 0 and 1, got \(Evaluator.formatValue(value))")
            }
            return try rangeFunction(source) { w in
                Evaluator.quantile(q[w.step], Array(w.vs))
            }
        case "changes":
            let source = try data()
            if !source.anchored { return try countedTransitions(source) { series, i in
                let (previous, current) = (series.vs[i - 1], series.vs[i])
                return current != previous && !(current.isNaN && previous.isNaN)
            } }
            return try rangeFunction(source) { w in
                guard let values = Evaluator.anchoredValues(w) else { return nil }
                let w = Window(ts: [], vs: values, start: w.start, end: w.end, evalTime: w.evalTime)
                var changes = 0.0
                var previous = w.vs.first ?? 0
                for v in w.vs.dropFirst() {
                    if v != previous && !(v.isNaN && previous.isNaN) { changes += 1 }
                    previous = v
                }
                return changes
            }
        case "resets":
            let source = try data()
            if !source.anchored { return try countedTransitions(source) { series, i in series.isCounterReset(at: i) } }
            return try rangeFunction(source) { w in
                guard let values = Evaluator.anchoredValues(w) else { return nil }
                let w = Window(ts: [], vs: values, start: w.start, end: w.end, evalTime: w.evalTime)
                var resets = 0.0
                var previous = w.vs.first ?? 0
                for v in w.vs.dropFirst() {
                    if v < previous { resets += 1 }
                    previous = v
                }
                return resets
            }
        case "double_exponential_smoothing":
            let sf = try evaluateScalar(call.args[1])
            let tf = try evaluateScalar(call.args[2])
            let source = try data()
            return try rangeFunction(source) { w throws(PromQLError) in
                let s = sf[w.step], t = tf[w.step]
                guard s > 0, s < 1 else { throw .execution("invalid smoothing factor. Expected: 0 < sf < 1, got: \(Evaluator.formatValue(s))") }
                guard t > 0, t < 1 else { throw .execution("invalid trend factor. Expected: 0 < tf < 1, got: \(Evaluator.formatValue(t))") }
                let values = Array(w.vs)
                guard values.count >= 2 else { return nil }
                var smoothed = values[0]
                var trend = values[1] - values[0]
                var previous = smoothed
                for index in 1..<values.count {
                    if index > 1 { trend = t * (smoothed - previous) + (1 - t) * trend }
                    previous = smoothed
                    smoothed = s * values[index] + (1 - s) * (previous + trend)
                }
                return smoothed
            }
        case "absent_over_time":
            let source = try data()
            var out = [[EvalSample]](repeating: [], count: stepCount)
            let id = table.id(of: Evaluator.absentLabels(call.args[0]))
            for step in 0..<stepCount {
                let end = source.ends[step]
                let present = source.series.contains { !$0.window(after: end - source.range, through: end).isEmpty }
                if !present { out[step] = [EvalSample(id: id, v: 1, t: times[step], dropName: false)] }
            }
            return out
        default:
            return nil
        }
    }

    /// Refuses `anchored`/`smoothed` arguments for functions that cannot take them.
    func checkExtendedSelector(_ name: String, _ call: Call) throws(PromQLError) {
        for arg in call.args {
            guard case .matrixSelector(let selector) = arg else { continue }
            if selector.vectorSelector.anchored, !["changes", "delta", "increase", "rate", "resets"].contains(name) {
                throw .execution("anchored modifier can only be used with: changes, delta, increase, rate, resets - not with \(name)")
            }
            if selector.vectorSelector.smoothed, !["delta", "increase", "rate"].contains(name) {
                throw .execution("smoothed modifier can only be used with: delta, increase, rate - not with \(name)")
            }
        }
    }

    /// The labels `absent()` gives its result: the selector's equality matchers.
    static func absentLabels(_ expr: Expr) -> Labels {
        var matchers: [Matcher] = []
        switch expr {
        case .vectorSelector(let selector): matchers = selector.matchers
        case .matrixSelector(let selector): matchers = selector.vectorSelector.matchers
        case .subquery: return Labels()
        case .paren(let paren): return absentLabels(paren.expr)
        default: return Labels()
        }
        var builder = LabelsBuilder()
        var seen = Set<String>()
        var duplicated = Set<String>()
        for matcher in matchers where matcher.name != "__name__" {
            if matcher.type == .equal, !seen.contains(matcher.name) {
                builder.set(matcher.name, matcher.value)
            } else if seen.contains(matcher.name) {
                duplicated.insert(matcher.name)
            }
            seen.insert(matcher.name)
        }
        for name in duplicated { builder.delete(name) }
        return builder.labels()
    }
}
