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
}
