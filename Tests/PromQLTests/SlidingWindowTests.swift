import Foundation
import Model
import Testing
import TSDB
@testable import PromQL

/// The range functions that answer each step from per-series state instead of walking the
/// window (`Evaluator.slidingWindows`) against the straightforward per-window evaluation, bit
/// for bit, on awkward data: counter resets (also to zero and several in one window), NaN,
/// staleness markers, gaps longer than the window, unaligned samples, windows that start
/// and end exactly on samples, and series with a single sample in a window.
@Suite struct SlidingWindowTests {
    static let stale = Double(bitPattern: 0x7FF0_0000_0000_0002)
    static let hour: Int64 = 3_600_000

    /// Raw samples per series (staleness markers included), keyed by the `id` label.
    static let series: [(String, [(Int64, Double)])] = {
        var counter: [(Int64, Double)] = [], gaps: [(Int64, Double)] = [], stale: [(Int64, Double)] = []
        var unaligned: [(Int64, Double)] = [], sparse: [(Int64, Double)] = [], flat: [(Int64, Double)] = []
        var value = 0.0
        for i in 0..<720 {
            let t = Int64(i) * 15_000
            // Resets every 37 samples (to a lower, sometimes zero, value) and twice in a row
            // around sample 300; increments of 0 leave the value unchanged.
            if i % 37 == 36 || i == 301 || i == 302 { value = Double(i % 5) } else { value += Double(i % 7) }
            counter.append((t, value))
            if (i / 120) % 2 == 0 || i % 120 > 90 { gaps.append((t, i % 50 == 0 ? .nan : Double(i % 11) - 5)) }
            stale.append((t, i % 40 == 20 ? Self.stale : Double(i % 9)))
            flat.append((t, i < 360 ? 5 : 7))
        }
        for i in 0..<800 { unaligned.append((Int64(i) * 13_300 + Int64(i % 3) * 1_000 + 7, Double(i * 3 % 17))) }
        for i in 0..<18 { sparse.append((Int64(i) * 600_000 + 3_000, Double(18 - i))) }
        return [("counter", counter), ("gaps", gaps), ("stale", stale), ("unaligned", unaligned), ("sparse", sparse), ("flat", flat)]
    }()

    static func head() throws -> Head {
        let head = Head()
        var appender = head.appender()
        for (id, samples) in series {
            for (t, v) in samples { try appender.append(Labels(["__name__": "x_total", "id": id]), timestamp: t, value: v) }
        }
        _ = try appender.commit()
        return head
    }

    /// The straightforward answer of `function` for the window `(end - range, end]`.
    /// `samples` are the series' samples without staleness markers.
    static func reference(_ function: String, _ samples: [(Int64, Double)], end: Int64, range: Int64) -> Double? {
        // Binary searches for the window's bounds (the test's own, not the engine's cursors).
        func firstIndex(after t: Int64) -> Int {
            var low = 0, high = samples.count
            while low < high {
                let mid = (low + high) / 2
                if samples[mid].0 <= t { low = mid + 1 } else { high = mid }
            }
            return low
        }
        let lower = firstIndex(after: end - range), upper = firstIndex(after: end)
        guard lower < upper else { return nil }
        let inWindow = samples[lower..<upper]
        let w = Window(ts: ArraySlice(inWindow.map { $0.0 }), vs: ArraySlice(inWindow.map { $0.1 }),
                       start: end - range, end: end, evalTime: end)
        let values = inWindow.map { $0.1 }
        func transitions(_ counts: (Double, Double) -> Bool) -> Double {
            Double(zip(values, values.dropFirst()).filter { counts($0, $1) }.count)
        }
        switch function {
        case "rate": return Evaluator.extrapolatedRate(w, isCounter: true, isRate: true)
        case "increase": return Evaluator.extrapolatedRate(w, isCounter: true, isRate: false)
        case "delta": return Evaluator.extrapolatedRate(w, isCounter: false, isRate: false)
        case "changes": return transitions { $1 != $0 && !($1.isNaN && $0.isNaN) }
        case "resets": return transitions { $1 < $0 }
        case "count_over_time": return Double(values.count)
        case "present_over_time": return 1
        case "last_over_time": return values.last
        case "first_over_time": return values.first
        case "ts_of_last_over_time": return Double(samples[upper - 1].0) / 1000
        case "ts_of_first_over_time": return Double(samples[lower].0) / 1000
        default: preconditionFailure("no reference for \(function)")
        }
    }

    static let functions = ["rate", "increase", "delta", "changes", "resets", "count_over_time", "present_over_time",
                            "last_over_time", "first_over_time", "ts_of_last_over_time", "ts_of_first_over_time"]

    @Test(arguments: functions)
    func rangeQueryMatchesPerWindowEvaluation(function: String) throws {
        let head = try Self.head()
        // Steps on the sample grid (windows start and end exactly on samples) and off it.
        for (start, step) in [(Int64(0), Int64(15_000)), (Int64(7_000), Int64(60_000)), (Int64(30 * 60_000), Int64(45_000))] {
            for (rangeText, range) in [("1m", Int64(60_000)), ("5m", Int64(300_000)), ("1h", Self.hour)] {
                let query = "\(function)(x_total[\(rangeText)])"
                let end = 3 * Self.hour
                let result = try Engine().rangeQuery(try PromQLParser.parse(query, options: .all), start: start, end: end, step: step,
                                                     querier: head.querier())
                guard case .matrix(let got) = result.value else { Issue.record("\(query): not a matrix"); return }
                var byID: [String: [FloatPoint]] = [:]
                for one in got { byID[one.labels["id"] ?? ""] = one.points }
                for (id, raw) in Self.series {
                    let samples = raw.filter { $0.1.bitPattern != Self.stale.bitPattern }
                    var expected: [FloatPoint] = []
                    var t = start
                    while t <= end {
                        if let v = Self.reference(function, samples, end: t, range: range) { expected.append(FloatPoint(t: t, v: v)) }
                        t += step
                    }
                    let points = byID[id] ?? []
                    #expect(points.count == expected.count, "\(query) step \(step) \(id)")
                    for (a, b) in zip(points, expected) where a.t != b.t || !(a.v.bitPattern == b.v.bitPattern || (a.v.isNaN && b.v.isNaN)) {
                        Issue.record("\(query) start \(start) step \(step) \(id) at \(b.t): \(a.t) \(a.v), want \(b.v)")
                        break
                    }
                }
            }
        }
    }

    /// Offsets and `@` give windows whose ends do not follow the step grid (all equal, or
    /// shifted): the cursors only assume ends never decrease.
    @Test func offsetAndAtWindows() throws {
        let head = try Self.head()
        let engine = Engine()
        for query in ["rate(x_total[5m] offset 7m)", "increase(x_total[10m] @ 5400)", "changes(x_total[20m] offset -3m)"] {
            let ranged = try engine.rangeQuery(try PromQLParser.parse(query), start: Self.hour, end: 2 * Self.hour, step: 60_000,
                                               querier: head.querier())
            guard case .matrix(let series) = ranged.value else { Issue.record("not a matrix"); continue }
            for one in series {
                for point in one.points {
                    let instant = try engine.instantQuery(try PromQLParser.parse(query), at: point.t, querier: head.querier())
                    guard case .vector(let samples) = instant.value,
                          let match = samples.first(where: { $0.labels == one.labels }) else {
                        Issue.record("\(query) at \(point.t): missing in the instant query"); continue
                    }
                    #expect(match.v.bitPattern == point.v.bitPattern || (match.v.isNaN && point.v.isNaN), "\(query) at \(point.t)")
                }
            }
        }
    }
}
