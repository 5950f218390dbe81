import Model
import Synchronization
import Testing
import TSDB
@testable import PromQL

/// The `SelectHints` the engine gives the querier for each selector, as Prometheus's
/// `populateSeries` fills them (its rules checked against Prometheus 2.42 itself in
/// ServerTests' `SelectHintsPrometheusTests`).
@Suite struct SelectHintsTests {
    /// A head querier that keeps what each `select` was asked, then answers from the head.
    private final class Selections: Querier {
        let head: Head
        let log = Mutex<[(name: String, mint: Int64, maxt: Int64, hints: SelectHints?)]>([])

        init(head: Head) { self.head = head }

        func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [Series] {
            let name = matchers.first { $0.name == "__name__" }?.value ?? ""
            log.withLock { $0.append((name, mint, maxt, hints)) }
            return try head.querier().select(matchers, mint: mint, maxt: maxt, hints: hints)
        }
        func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] { try head.querier().labelNames(matchers) }
        func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
            try head.querier().labelValues(name, matchers)
        }
    }

    private static let minute: Int64 = 60_000

    private func selections() throws -> Selections {
        let head = Head()
        var appender = head.appender()
        for a in ["p", "q"] {
            for t in stride(from: Int64(0), through: 60 * Self.minute, by: 15_000) {
                try appender.append(Labels(["__name__": "x", "a": a, "b": "1"]), timestamp: t, value: Double(t / 1000))
                try appender.append(Labels(["__name__": "y", "a": a]), timestamp: t, value: 1)
            }
        }
        _ = try appender.commit()
        return Selections(head: head)
    }

    private func range(_ query: String, step: Int64 = 30_000) throws -> [(name: String, mint: Int64, maxt: Int64, hints: SelectHints?)] {
        let querier = try selections()
        let result = try Engine().rangeQuery(try PromQLParser.parse(query, options: .all), start: 30 * Self.minute,
                                             end: 40 * Self.minute, step: step, querier: querier)
        guard case .matrix(let series) = result.value else { throw PromQLError.execution("not a matrix") }
        #expect(!series.isEmpty, "\(query) selected nothing")
        return querier.log.withLock { $0 }
    }

    @Test func rateUnderAnAggregationNamesTheFunctionAndRange() throws {
        let selected = try range("sum by (a) (rate(x[5m]))")
        #expect(selected.count == 1)
        // As upstream, grouping is only taken from an aggregation directly around the
        // selector: here `rate` (and the range selector) stand between them.
        #expect(selected.first?.hints == SelectHints(step: 30_000, range: 5 * Self.minute, function: "rate"))
        #expect(selected.first?.mint == 25 * Self.minute + 1)
        #expect(selected.first?.maxt == 40 * Self.minute)
    }

    @Test func anAggregationDirectlyAroundTheSelectorGivesItsGrouping() throws {
        #expect(try range("sum by (a) (x)").first?.hints
                == SelectHints(step: 30_000, function: "sum", grouping: ["a"], by: true))
        #expect(try range("count without (b) ((x))").first?.hints == SelectHints(step: 30_000, function: "count"),
                "parentheses between the aggregation and the selector hide the grouping, as upstream")
        #expect(try range("max without (b) (x)", step: 60_000).first?.hints
                == SelectHints(step: 60_000, function: "max", grouping: ["b"], by: false))
    }

    @Test func aBinaryOperatorEndsTheFunctionSearch() throws {
        let selected = try range("abs(rate(x[1m]) * on(a) group_left y)")
        #expect(selected.map(\.name) == ["x", "y"])
        #expect(selected.map(\.hints) == [SelectHints(step: 30_000, range: Self.minute, function: "rate"),
                                          SelectHints(step: 30_000)])
    }

    @Test func subqueriesGiveTheirStep() throws {
        let selected = try range("max_over_time(rate(x[1m])[10m:2m])")
        #expect(selected.first?.hints == SelectHints(step: 2 * Self.minute, range: Self.minute, function: "rate"))
        let defaulted = try range("max_over_time(deriv(x[2m])[10m:])")
        #expect(defaulted.first?.hints == SelectHints(step: Self.minute, range: 2 * Self.minute, function: "deriv"),
                "a subquery without a step uses the default subquery step")
    }

    @Test func instantQueriesHaveNoStep() throws {
        let querier = try selections()
        _ = try Engine().instantQuery(try PromQLParser.parse("topk(1, x)", options: .all), at: 40 * Self.minute, querier: querier)
        // `by` is "not without", as upstream: true for an aggregation without a clause.
        #expect(querier.log.withLock { $0.map(\.hints) } == [SelectHints(function: "topk", by: true)])
    }
}
