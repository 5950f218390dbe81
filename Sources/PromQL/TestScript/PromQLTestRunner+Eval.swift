import Foundation
import Model
import TSDB

extension PromQLTestRunner {
    /// Functions whose result depends on the evaluation time, so the `@` variants are skipped.
    private static let timeDependent: Set<String> = [
        "time", "timestamp", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute",
        "month", "year", "predict_linear", "start", "end", "range", "step",
    ]

    func run(_ eval: PromQLTestScript.Eval, querier: any Querier) throws(EvalFailure) {
        if let range = eval.range {
            let result = Result { () throws(PromQLError) in
                try engine.rangeQuery(eval.expr, start: range.start, end: range.end, step: range.step, querier: querier)
            }
            guard let success = try checkOutcome(result, eval) else { return }
            try checkAnnotations(success, eval)
            guard case .matrix(let series) = success.value else { throw EvalFailure("range query returned \(success.value)") }
            try compareMatrix(series, eval, start: range.start, step: range.step, points: Int((range.end - range.start) / range.step) + 1)
            return
        }
        let time = eval.rangeVector?.end ?? eval.instantTime ?? 0
        try runInstant(eval, expr: eval.expr, at: time, querier: querier, label: "")
        var timeDependent = false
        eval.expr.walk { node, _ in
            if case .call(let call) = node, PromQLTestRunner.timeDependent.contains(call.function.name) { timeDependent = true }
            return true
        }
        guard !timeDependent else { return }
        let rewritten = PromQLTestRunner.pinned(eval.expr, at: time)
        let variants: [Int64] = time == 0 ? [-1000, 0, 1000] : [-10 * time, 0, time / 5, time, 10 * time]
        for variant in variants {
            try runInstant(eval, expr: rewritten, at: variant, querier: querier, label: " (with @ \(time) at \(variant)ms)")
        }
    }

    private func runInstant(_ eval: PromQLTestScript.Eval, expr: Expr, at time: Int64, querier: any Querier,
                            label: String) throws(EvalFailure) {
        let result = Result { () throws(PromQLError) in try engine.instantQuery(expr, at: time, querier: querier) }
        do throws(EvalFailure) {
            guard let success = try checkOutcome(result, eval) else { return }
            try checkAnnotations(success, eval)
            try compareInstant(success.value, eval)
            try rangeModeCheck(eval, expr: expr, at: time, instant: success.value, querier: querier)
        } catch {
            throw EvalFailure(error.message + label)
        }
    }

    /// Range-mode twin of an instant run (FORMAT.md 7.3).
    private func rangeModeCheck(_ eval: PromQLTestScript.Eval, expr: Expr, at time: Int64, instant: QueryValue,
                                querier: any Querier) throws(EvalFailure) {
        guard eval.rangeVector == nil, eval.expectedString == nil else { return }
        for marker in ["start()", "end()", "range()", "step()"] where eval.query.contains(marker) { return }
        let result: QueryResult
        do throws(PromQLError) {
            result = try engine.rangeQuery(expr, start: time - 60_000, end: time + 60_000, step: 60_000, querier: querier)
        } catch {
            throw EvalFailure("range-mode query failed: \(error.description)")
        }
        if eval.ordered { return }
        guard case .matrix(let series) = result.value else { throw EvalFailure("range-mode query did not return a matrix") }
        try checkSorted(series)
        if case .scalar = instant {
            let value = series.first?.points.first { $0.t == time }?.v ?? .nan
            try compareInstant(.scalar(t: time, v: value), eval, context: "range mode")
            return
        }
        var vector: [VectorSample] = []
        for entry in series {
            if let point = entry.points.first(where: { $0.t == time }) {
                vector.append(VectorSample(labels: entry.labels, t: time, v: point.v))
            }
        }
        try compareInstant(.vector(vector), eval, context: "range mode")
    }

    /// Handles failure expectations; returns the result to check further, or nil when done.
    private func checkOutcome(_ result: Result<QueryResult, PromQLError>,
                              _ eval: PromQLTestScript.Eval) throws(EvalFailure) -> QueryResult? {
        switch result {
        case .failure(let error):
            guard let expected = eval.expectFail else { throw EvalFailure("unexpected error: \(error.description)") }
            let text = error.description
            if let pattern = expected, !PromQLTestRunner.matches(pattern, text) {
                throw EvalFailure("error \"\(text)\" does not match \(pattern)")
            }
            return nil
        case .success(let value):
            if eval.expectFail != nil { throw EvalFailure("expected an error, got a result") }
            return value
        }
    }

    static func matches(_ pattern: PromQLTestScript.Pattern, _ text: String) -> Bool {
        switch pattern {
        case .exact(let expected): return expected == text
        case .regex(let expression):
            guard let regex = try? RE2Regex(expression) else { return false }
            return regex.matchesPart(of: text)
        }
    }

    private func checkAnnotations(_ result: QueryResult, _ eval: PromQLTestScript.Eval) throws(EvalFailure) {
        try checkKind("warning", result.warnings, expected: eval.warnings, none: eval.noWarn)
        try checkKind("info", result.infos, expected: eval.infos, none: eval.noInfo)
    }

    private func checkKind(_ kind: String, _ actual: [String], expected: [PromQLTestScript.Pattern?], none: Bool) throws(EvalFailure) {
        if none, !actual.isEmpty { throw EvalFailure("unexpected \(kind) annotations: \(actual)") }
        guard !expected.isEmpty else { return }
        if actual.isEmpty { throw EvalFailure("expected \(kind) annotations, got none") }
        for pattern in expected {
            guard let pattern else { continue }
            if !actual.contains(where: { PromQLTestRunner.matches(pattern, $0) }) {
                throw EvalFailure("no \(kind) annotation matches \(pattern); got \(actual)")
            }
        }
        let patterns = expected.compactMap { $0 }
        if patterns.count == expected.count {
            for text in actual where !patterns.contains(where: { PromQLTestRunner.matches($0, text) }) {
                throw EvalFailure("unexpected \(kind) annotation: \(text)")
            }
        }
    }

    private func compareInstant(_ value: QueryValue, _ eval: PromQLTestScript.Eval, context: String = "") throws(EvalFailure) {
        let prefix = context.isEmpty ? "" : "\(context): "
        if let rangeVector = eval.rangeVector {
            guard case .matrix(let series) = value else { throw EvalFailure("\(prefix)expected a range vector, got \(value)") }
            let points = Int((rangeVector.end - rangeVector.start) / rangeVector.step) + 1
            try compareMatrix(series, eval, start: rangeVector.start, step: rangeVector.step, points: points)
            return
        }
        if let expected = eval.expectedString {
            guard case .string(_, let text) = value, text == expected else {
                throw EvalFailure("\(prefix)expected string \"\(expected)\", got \(value)")
            }
            return
        }
        if let expected = eval.expectedScalar {
            guard case .scalar(_, let v) = value else { throw EvalFailure("\(prefix)expected scalar \(expected), got \(value)") }
            if !PromQLTestRunner.floatsEqual(expected, v) { throw EvalFailure("\(prefix)expected scalar \(expected), got \(v)") }
            return
        }
        guard case .vector(let samples) = value else { throw EvalFailure("\(prefix)expected an instant vector, got \(value)") }
        guard samples.count == eval.series.count else {
            throw EvalFailure("\(prefix)expected \(eval.series.count) series, got \(samples.count): \(samples.map { "\($0.labels) \($0.v)" })")
        }
        var expected: [Labels: Double] = [:]
        var positions: [Labels: Int] = [:]
        for (index, series) in eval.series.enumerated() {
            guard series.values.count == 1, case .float(let v) = series.values[0] else {
                throw EvalFailure("\(prefix)expected series \(series.labels) does not hold exactly one float")
            }
            expected[series.labels] = v
            positions[series.labels] = index
        }
        for (index, sample) in samples.enumerated() {
            guard let want = expected[sample.labels] else {
                throw EvalFailure("\(prefix)unexpected series \(sample.labels) \(sample.v)")
            }
            if !PromQLTestRunner.floatsEqual(want, sample.v) {
                throw EvalFailure("\(prefix)\(sample.labels): expected \(want), got \(sample.v)")
            }
            if eval.ordered, positions[sample.labels] != index {
                throw EvalFailure("\(prefix)\(sample.labels) at position \(index), expected at \(positions[sample.labels] ?? -1)")
            }
        }
    }

    private func checkSorted(_ series: [MatrixSeries]) throws(EvalFailure) {
        for index in series.indices.dropFirst() where !(series[index - 1].labels < series[index].labels) {
            throw EvalFailure("matrix not sorted by labels at \(series[index].labels)")
        }
    }

    private func compareMatrix(_ series: [MatrixSeries], _ eval: PromQLTestScript.Eval, start: Int64, step: Int64,
                               points: Int) throws(EvalFailure) {
        if eval.ordered { throw EvalFailure("expect ordered cannot apply to a range vector") }
        try checkSorted(series)
        guard series.count == eval.series.count else {
            throw EvalFailure("expected \(eval.series.count) series, got \(series.count): \(series.map { "\($0.labels)" })")
        }
        var expected: [Labels: [SeriesValue]] = [:]
        for line in eval.series { expected[line.labels] = line.values }
        for entry in series {
            guard let values = expected[entry.labels] else { throw EvalFailure("unexpected series \(entry.labels)") }
            if values.count > points { throw EvalFailure("\(entry.labels): more expected values than steps") }
            var wanted: [Int64: Double] = [:]
            for (index, value) in values.enumerated() {
                switch value {
                case .omitted: continue
                case .float(let v): wanted[start + Int64(index) * step] = v
                default: throw EvalFailure("histogram expected")
                }
            }
            guard wanted.count == entry.points.count else {
                throw EvalFailure("\(entry.labels): expected \(wanted.count) points, got \(entry.points.count): \(entry.points.map { "\($0.v)@\($0.t)" })")
            }
            for point in entry.points {
                guard let want = wanted[point.t] else { throw EvalFailure("\(entry.labels): unexpected point at \(point.t)") }
                if !PromQLTestRunner.floatsEqual(want, point.v) {
                    throw EvalFailure("\(entry.labels) at \(point.t): expected \(want), got \(point.v)")
                }
            }
        }
    }

    /// FORMAT.md 7.4 float equality.
    static func floatsEqual(_ a: Double, _ b: Double) -> Bool {
        if a.isStaleMarker || b.isStaleMarker { return a.isStaleMarker && b.isStaleMarker }
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        let epsilon = 1e-6
        let diff = abs(a - b)
        if a == 0 || b == 0 || abs(a) + abs(b) < Double.leastNormalMagnitude {
            return diff < epsilon * Double.leastNormalMagnitude
        }
        return diff / min(abs(a) + abs(b), Double.greatestFiniteMagnitude) < epsilon
    }

    /// Adds `@ time` to every top-level selector and subquery without a numeric `@`.
    static func pinned(_ expr: Expr, at time: Int64) -> Expr {
        switch expr {
        case .vectorSelector(var selector):
            if selector.timestamp == nil || selector.startOrEnd != nil {
                selector.timestamp = time
                selector.startOrEnd = nil
            }
            return .vectorSelector(selector)
        case .matrixSelector(var selector):
            if selector.vectorSelector.timestamp == nil || selector.vectorSelector.startOrEnd != nil {
                selector.vectorSelector.timestamp = time
                selector.vectorSelector.startOrEnd = nil
            }
            return .matrixSelector(selector)
        case .subquery(var subquery):
            if subquery.timestamp == nil || subquery.startOrEnd != nil {
                subquery.timestamp = time
                subquery.startOrEnd = nil
            }
            return .subquery(subquery)
        case .paren(var paren):
            paren.expr = pinned(paren.expr, at: time)
            return .paren(paren)
        case .unary(var unary):
            unary.expr = pinned(unary.expr, at: time)
            return .unary(unary)
        case .binary(var binary):
            binary.lhs = pinned(binary.lhs, at: time)
            binary.rhs = pinned(binary.rhs, at: time)
            return .binary(binary)
        case .aggregate(var aggregate):
            aggregate.expr = pinned(aggregate.expr, at: time)
            aggregate.param = aggregate.param.map { pinned($0, at: time) }
            return .aggregate(aggregate)
        case .call(var call):
            call.args = call.args.map { pinned($0, at: time) }
            return .call(call)
        case .number, .string, .duration:
            return expr
        }
    }
}
