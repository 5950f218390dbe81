import Model
import Testing
import TSDB
@testable import PromQL

/// `SelectionCache`: selectors repeated across a rule group's expressions are decoded once per
/// evaluation, and writing a series drops the entries that could select it.
@Suite struct SelectionCacheTests {
    private func append(_ head: Head, _ labels: Labels, _ t: Int64, _ v: Double) throws {
        var appender = head.appender()
        try appender.append(labels, timestamp: t, value: v)
        _ = try appender.commit()
    }

    private func value(_ result: QueryResult) -> Double? {
        guard case .vector(let samples) = result.value else { return nil }
        return samples.first?.v
    }

    @Test func repeatedSelectorsAreSharedUntilTheirNameIsWritten() throws {
        let head = Head()
        try append(head, Labels(["__name__": "x", "a": "1"]), 0, 1)
        let expressions = try ["sum(x)", "max(x) > 0", "count(y)", "sum(rate(x[5m]))"].map { try PromQLParser.parse($0) }
        let cache = SelectionCache(sharedBy: expressions)
        guard case .vectorSelector(let x) = try PromQLParser.parse("x"), case .vectorSelector(let y) = try PromQLParser.parse("y")
        else { Issue.record("not selectors"); return }
        #expect(cache.caches(x.matchers))
        #expect(!cache.caches(y.matchers))

        let engine = Engine()
        let sumX = try PromQLParser.parse("sum(x)"), maxX = try PromQLParser.parse("max(x)")
        #expect(value(try engine.instantQuery(sumX, at: 30_000, querier: head.querier(), cache: cache)) == 1)
        // A sample written after the first use is not seen through the cache...
        try append(head, Labels(["__name__": "x", "a": "2"]), 20_000, 5)
        #expect(value(try engine.instantQuery(maxX, at: 30_000, querier: head.querier(), cache: cache)) == 1)
        // ... nor after writing another name ...
        cache.invalidate(metricNames: ["y"])
        #expect(value(try engine.instantQuery(maxX, at: 30_000, querier: head.querier(), cache: cache)) == 1)
        // ... until its own name is written; without a cache it is seen at once.
        #expect(value(try engine.instantQuery(maxX, at: 30_000, querier: head.querier())) == 5)
        cache.invalidate(metricNames: ["x"])
        #expect(value(try engine.instantQuery(maxX, at: 30_000, querier: head.querier(), cache: cache)) == 5)
        #expect(value(try engine.instantQuery(sumX, at: 30_000, querier: head.querier(), cache: cache)) == 6)
    }

    @Test func selectorsWithoutAFixedNameAreDroppedByAnyWrite() throws {
        let head = Head()
        try append(head, Labels(["__name__": "x", "a": "1"]), 0, 1)
        let expressions = try ["count({a=\"1\"})", "count({a=\"1\"}) > 0"].map { try PromQLParser.parse($0) }
        let cache = SelectionCache(sharedBy: expressions)
        let engine = Engine()
        #expect(value(try engine.instantQuery(expressions[0], at: 10_000, querier: head.querier(), cache: cache)) == 1)
        try append(head, Labels(["__name__": "z", "a": "1"]), 5_000, 1)
        cache.invalidate(metricNames: ["z"])
        #expect(value(try engine.instantQuery(expressions[0], at: 10_000, querier: head.querier(), cache: cache)) == 2)
    }

    /// An instant selector evaluated at one time keeps only each series' newest sample; a
    /// `[5m]` range over the same selector covers the same times (the lookback is 5m) and
    /// must still get every sample, whichever of the two runs first.
    @Test func newestSampleSelectionsAreNotServedToRanges() throws {
        let head = Head()
        for t in stride(from: Int64(0), through: 60_000, by: 15_000) {
            try append(head, Labels(["__name__": "x", "a": "1"]), t, Double(t / 1000))
        }
        let expressions = try ["x", "count_over_time(x[5m])", "x > 0"].map { try PromQLParser.parse($0) }
        let engine = Engine()
        for order in [[0, 1, 2], [1, 0, 2]] {
            let cache = SelectionCache(sharedBy: expressions)
            var answers: [Int: Double?] = [:]
            for index in order {
                answers[index] = value(try engine.instantQuery(expressions[index], at: 60_000, querier: head.querier(), cache: cache))
            }
            #expect(answers == [0: 60, 1: 5, 2: 60])
        }
    }

    /// `predict_linear` over a shared selection shares its regressions between the queries at
    /// one time (the mixin's 4 h and 24 h predictions), and answers as without the cache: at
    /// another time, over another range, or after the series was written.
    @Test func sharedRegressionsAnswerAsWithoutTheCache() throws {
        let head = Head()
        for t in stride(from: Int64(0), through: 600_000, by: 15_000) {
            try append(head, Labels(["__name__": "x", "a": "1"]), t, Double(t / 1000) * 2 + 1)
            try append(head, Labels(["__name__": "x", "a": "2"]), t, 500 - Double(t / 1000))
        }
        let texts = ["predict_linear(x[5m], 3600)", "predict_linear(x[5m], 600) > -1e9", "predict_linear(x[2m], 60)"]
        let expressions = try texts.map { try PromQLParser.parse($0) }
        let engine = Engine()
        func answers(_ expr: Expr, at t: Int64, _ cache: SelectionCache?) throws -> QueryValue {
            try engine.instantQuery(expr, at: t, querier: head.querier(), cache: cache).value
        }
        let cache = SelectionCache(sharedBy: expressions)
        for t: Int64 in [400_000, 600_000] {
            for expr in expressions + expressions {
                #expect(try answers(expr, at: t, cache) == (try answers(expr, at: t, nil)))
            }
        }
        // Writing the name drops the regressions with the selection they came from.
        _ = try answers(expressions[0], at: 610_000, cache)
        try append(head, Labels(["__name__": "x", "a": "1"]), 607_000, 10_000)
        cache.invalidate(metricNames: ["x"])
        #expect(try answers(expressions[1], at: 610_000, cache) == (try answers(expressions[1], at: 610_000, nil)))
    }

    /// A selection is dropped once the last expression reading it has run: later queries
    /// (template queries) decode it again and see what was written since.
    @Test func selectionsAreDroppedAfterTheirLastReader() throws {
        let head = Head()
        try append(head, Labels(["__name__": "x", "a": "1"]), 0, 1)
        let expressions = try ["sum(x)", "max(x) > 0", "count(x) > 0", "sum(y)"].map { try PromQLParser.parse($0) }
        let engine = Engine()
        let cache = SelectionCache(sharedBy: expressions)
        #expect(value(try engine.instantQuery(expressions[0], at: 30_000, querier: head.querier(), cache: cache)) == 1)
        try append(head, Labels(["__name__": "x", "a": "2"]), 20_000, 5)
        cache.finished(expression: 1)
        #expect(value(try engine.instantQuery(expressions[0], at: 30_000, querier: head.querier(), cache: cache)) == 1)
        cache.finished(expression: 2)
        #expect(value(try engine.instantQuery(expressions[0], at: 30_000, querier: head.querier(), cache: cache)) == 6)
    }

    /// A group's next evaluation takes over the label table (the same sets keep their IDs)
    /// until the table holds more than twice what it held after its first evaluation (plus
    /// 1,024): then the next evaluation starts a new one. Answers do not depend on it.
    @Test func theLabelTablePassesToTheNextEvaluationWithinItsBound() throws {
        let head = Head()
        for a in 0..<10 { try append(head, Labels(["__name__": "x", "a": String(a)]), 0, 1) }
        let expressions = try ["sum(x)"].map { try PromQLParser.parse($0) }
        let engine = Engine()
        func evaluate(after previous: SelectionCache?) throws -> (SelectionCache, Double?) {
            let cache = SelectionCache(sharedBy: expressions, after: previous)
            return (cache, value(try engine.instantQuery(expressions[0], at: 30_000, querier: head.querier(), cache: cache)))
        }
        let (first, firstSum) = try evaluate(after: nil)
        #expect(firstSum == 10)
        let ids = (0..<10).map { first.table.id(of: Labels(["__name__": "x", "a": String($0)])) }
        let size = first.table.count
        let (second, secondSum) = try evaluate(after: first)
        #expect(second.table === first.table && secondSum == 10)
        #expect(second.table.count == size, "the same series add no sets")
        #expect((0..<10).map { second.table.id(of: Labels(["__name__": "x", "a": String($0)])) } == ids)
        // New series grow the table past its bound, and the evaluation after that starts a
        // new one (which holds only the sets still read).
        for a in 10..<(2 * size + 1100) { try append(head, Labels(["__name__": "x", "a": String(a)]), 0, 1) }
        let (third, thirdSum) = try evaluate(after: second)
        #expect(third.table === first.table && thirdSum == Double(2 * size + 1100))
        let (fourth, fourthSum) = try evaluate(after: third)
        #expect(fourth.table !== first.table && fourthSum == thirdSum)
        // Its bound follows from its own first evaluation.
        let (fifth, _) = try evaluate(after: fourth)
        #expect(fifth.table === fourth.table)
    }

    /// Sets are found by their hash's low bits with linear probing: thousands of sets (many
    /// sharing low bits) each get one ID, found again and resolved back to the same set.
    @Test func labelTableIDsAreStableAcrossGrowth() {
        let table = LabelTable()
        let sets = (0..<5000).map { Labels(["__name__": "m", "i": String($0), "j": String($0 % 7)]) }
        let ids = sets.map { table.id(of: $0) }
        #expect(Set(ids).count == sets.count)
        #expect(sets.map { table.id(of: $0) } == ids)
        #expect(ids.map { table[$0] } == sets)
        #expect(table.count == sets.count)
        // Projections (`on`/`ignoring`, `by`/`without`) are one object per kind and names,
        // answering as the label operations they stand for.
        let ignoring = table.projection(keeping: false, ["j"]), on = table.projection(keeping: true, ["j"])
        #expect(table.projection(keeping: false, ["j"]) === ignoring && on !== ignoring)
        #expect(ids.map { table[ignoring.id(of: $0, in: table)] } == sets.map { $0.dropping(["j"]).withoutMetricName })
        #expect(ids.map { table[on.id(of: $0, in: table)] } == sets.map { $0.keeping(["j"]) })
        #expect(Set(ids.map { on.id(of: $0, in: table) }).count == 7)
    }
}
