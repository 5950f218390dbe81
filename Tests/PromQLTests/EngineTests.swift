import Model
import PharosTestSupport
import Testing
import TSDB
@testable import PromQL

/// The engine over a real TSDB head: limits, errors and result shapes.
@Suite struct EngineTests {
    private func head(_ series: [(Labels, [(Int64, Double)])]) throws -> Head { try .holding(series) }

    private func parse(_ query: String) throws -> Expr { try PromQLParser.parse(query, options: .all) }

    @Test func maxSamplesIsEnforced() throws {
        let samples = (0..<100).map { (Int64($0) * 1000, Double($0)) }
        let head = try head([(Labels(["__name__": "x"]), samples)])
        var options = Engine.Options()
        options.maxSamples = 50
        let engine = Engine(options: options)
        #expect(throws: PromQLError.tooManySamples) {
            try engine.instantQuery(try parse("sum_over_time(x[100s])"), at: 99_000, querier: head.querier())
        }
        let error = PromQLError.tooManySamples
        #expect(error.description == "query processing would load too many samples into memory in query execution")
        options.maxSamples = 1000
        let result = try Engine(options: options).instantQuery(try parse("count_over_time(x[100s])"), at: 99_000, querier: head.querier())
        #expect(result.value == .vector([VectorSample(labels: Labels(), t: 99_000, v: 100)]))
    }

    /// Windows over many steps share the samples loaded once: the limit counts what is held
    /// (loaded samples, the current window, the output), not the sum of every step's window.
    @Test func maxSamplesCountsHeldSamplesNotWindowsPerStep() throws {
        let samples = (0..<100).map { (Int64($0) * 1000, Double($0)) }
        let head = try head([(Labels(["__name__": "x"]), samples)])
        var options = Engine.Options()
        options.maxSamples = 250
        // 100 steps of windows of up to 100 samples: about 5,000 window samples in total.
        let result = try Engine(options: options).rangeQuery(try parse("count_over_time(x[100s])"), start: 0, end: 99_000,
                                                             step: 1000, querier: head.querier())
        guard case .matrix(let series) = result.value else { Issue.record("not a matrix"); return }
        #expect(series.first?.points.last == FloatPoint(t: 99_000, v: 100))
        options.maxSamples = 150
        #expect(throws: PromQLError.tooManySamples) {
            try Engine(options: options).rangeQuery(try parse("count_over_time(x[100s])"), start: 0, end: 99_000,
                                                    step: 1000, querier: head.querier())
        }
    }

    @Test func staleMarkerEndsASeries() throws {
        let stale = Double(bitPattern: 0x7FF0_0000_0000_0002)
        let head = try head([(Labels(["__name__": "x"]), [(0, 1), (60_000, stale)])])
        let engine = Engine()
        let before = try engine.instantQuery(try parse("x"), at: 30_000, querier: head.querier())
        #expect(before.value == .vector([VectorSample(labels: Labels(["__name__": "x"]), t: 30_000, v: 1)]))
        let after = try engine.instantQuery(try parse("x"), at: 90_000, querier: head.querier())
        #expect(after.value == .vector([]))
    }

    @Test func rangeQueryReturnsASortedMatrix() throws {
        let head = try head([
            (Labels(["__name__": "x", "i": "b"]), [(0, 1), (60_000, 2)]),
            (Labels(["__name__": "x", "i": "a"]), [(0, 3), (60_000, 4)]),
        ])
        let result = try Engine().rangeQuery(try parse("x * 2"), start: 0, end: 60_000, step: 30_000, querier: head.querier())
        #expect(result.value == .matrix([
            MatrixSeries(labels: Labels(["i": "a"]), points: [FloatPoint(t: 0, v: 6), FloatPoint(t: 30_000, v: 6), FloatPoint(t: 60_000, v: 8)]),
            MatrixSeries(labels: Labels(["i": "b"]), points: [FloatPoint(t: 0, v: 2), FloatPoint(t: 30_000, v: 2), FloatPoint(t: 60_000, v: 4)]),
        ]))
    }

    @Test func duplicateLabelsetsAfterNameRemovalFail() throws {
        let head = try head([
            (Labels(["__name__": "x", "i": "a"]), [(0, 1)]),
            (Labels(["__name__": "y", "i": "a"]), [(0, 2)]),
        ])
        #expect(throws: PromQLError.execution("vector cannot contain metrics with the same labelset")) {
            try Engine().instantQuery(try parse("{i=\"a\"} * 1"), at: 0, querier: head.querier())
        }
    }

    @Test func rateAddsAnInfoForNonCounterNames() throws {
        let head = try head([(Labels(["__name__": "gauge"]), [(0, 1), (30_000, 2), (60_000, 3)])])
        let result = try Engine().instantQuery(try parse("rate(gauge[1m])"), at: 60_000, querier: head.querier())
        #expect(result.infos == ["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"gauge\""])
    }
}

extension EngineTests {
    @Test func timeoutStopsTheQuery() throws {
        let head = Head()
        var options = Engine.Options()
        options.timeout = .zero - .seconds(1)   // already past the deadline
        #expect(throws: PromQLError.timeout("expression evaluation")) {
            try Engine(options: options).instantQuery(try PromQLParser.parse("1 + 1"), at: 0, querier: head.querier())
        }
        #expect(PromQLError.timeout("expression evaluation").description == "query timed out in expression evaluation")
    }
}
