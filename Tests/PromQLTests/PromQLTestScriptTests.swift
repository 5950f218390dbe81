import Testing
@testable import PromQL

/// The promqltest interpreter's own rules (FORMAT.md section 11) on small scripts.
@Suite struct PromQLTestScriptTests {
    @Test func durations() {
        #expect(PromQLTestScript.duration("0") == 0)
        #expect(PromQLTestScript.duration("1h30m") == 5_400_000)
        #expect(PromQLTestScript.duration("20s500ms") == 20_500)
        #expect(PromQLTestScript.duration("1m") == 60_000)
        #expect(PromQLTestScript.duration("5") == nil)
        #expect(PromQLTestScript.duration("-1m") == nil)
        #expect(PromQLTestScript.duration("") == nil)
    }

    @Test func commentEndsABlockAndTheNextLineMustBeACommand() {
        let text = "load 1m\n  a 1\n# comment\n  b 2\n"
        #expect(throws: PromQLError.self) { try PromQLTestScript(parsing: text) }
    }

    @Test func scalarLineEndsTheBlock() throws {
        let script = try PromQLTestScript(parsing: "eval instant at 0s 1 + 1\n  2\n")
        guard case .eval(let eval)? = script.commands.first else { Issue.record("no eval"); return }
        #expect(eval.expectedScalar == 2)
        #expect(eval.series.isEmpty)
    }

    @Test func expectLines() throws {
        let text = """
        eval instant at 1m foo
          expect fail msg: something bad
          expect warn regex: x.*y
          expect no_info
          expect ordered
        """
        let script = try PromQLTestScript(parsing: text)
        guard case .eval(let eval)? = script.commands.first else { Issue.record("no eval"); return }
        guard case .exact(let message)?? = eval.expectFail else { Issue.record("no fail"); return }
        #expect(message == "something bad")
        #expect(eval.warnings.count == 1)
        #expect(eval.noInfo && eval.ordered)
        #expect(eval.instantTime == 60_000)
    }

    @Test func rangeHeader() throws {
        let script = try PromQLTestScript(parsing: "eval range from 0 to 2m step 30s foo\n  foo 1 2 3 4 5\n")
        guard case .eval(let eval)? = script.commands.first else { Issue.record("no eval"); return }
        #expect(eval.range?.start == 0 && eval.range?.end == 120_000 && eval.range?.step == 30_000)
        #expect(eval.series.count == 1)
    }

    @Test func floatEquality() {
        let stale = Double(bitPattern: 0x7FF0_0000_0000_0002)
        #expect(PromQLTestRunner.floatsEqual(.nan, .nan))
        #expect(!PromQLTestRunner.floatsEqual(.nan, stale))
        #expect(PromQLTestRunner.floatsEqual(stale, stale))
        #expect(!PromQLTestRunner.floatsEqual(0, 1e-300))
        #expect(PromQLTestRunner.floatsEqual(1, 1 + 1e-9))
        #expect(!PromQLTestRunner.floatsEqual(1, 1.001))
        #expect(PromQLTestRunner.floatsEqual(.infinity, .infinity))
    }

    /// A whole run: loads into a real head, the engine answers, mismatches are reported.
    @Test func runsAScript() {
        let text = """
        load 1m
          requests_total{job="a"} 0+10x10
          requests_total{job="b"} 0+20x10

        eval instant at 10m rate(requests_total[5m])
          {job="a"} 0.16666666666
          {job="b"} 0.33333333333

        eval instant at 10m sum(requests_total)
          {} 300

        eval instant at 10m sum(requests_total)
          {} 301

        eval range from 0 to 2m step 1m requests_total{job="a"} * 2
          {job="a"} 0 20 40
        """
        let report = PromQLTestRunner().run(text)
        #expect(report.fileError == nil)
        #expect(report.evals.map(\.line) == [5, 9, 12, 15])
        #expect(report.passed == 3)
        if case .failed(let message) = report.evals[2].outcome {
            #expect(message.contains("expected 301"))
        } else {
            Issue.record("the wrong expectation passed")
        }
    }

    /// Truncated and mutated scripts never trap: they parse or fail with an error.
    @Test func hostileScriptsNeverTrap() throws {
        let base = """
        load 5m
          metric{a="b"} 1+1x3 _ stale {{schema:0 sum:1}}
        eval range from 0 to 10m step 5m metric
          expect warn msg: x
          metric{a="b"} 1 2 3
        eval instant at 1m metric
          expect range vector from 0 to 1m step 30s
          2
        """
        let scalars = Array(base.unicodeScalars)
        for length in 0...scalars.count {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[..<length])
            _ = PromQLTestRunner().run(String(view))
        }
        var state: UInt64 = 42
        let alphabet = Array("load eval instant range at from to step expect {}[]()=\"_x+-0123456789ms\n ")
        for _ in 0..<300 {
            var mutated = scalars.map(Character.init)
            for _ in 0..<4 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407   // LCG, wraps by design
                let position = Int((state >> 33) % UInt64(mutated.count))
                let replacement = alphabet[Int((state >> 13) % UInt64(alphabet.count))]
                mutated[position] = replacement
            }
            _ = PromQLTestRunner().run(String(mutated))
        }
    }

    @Test func startTimestampItems() throws {
        #expect(try StartTimestampLine.positions("_") == [nil])
        #expect(try StartTimestampLine.positions("_x3") == [nil, nil, nil])
        #expect(try StartTimestampLine.positions("-30s-1mx2") == [-30_000, -90_000, -150_000])
        #expect(try StartTimestampLine.positions("0-1mx2") == [0, -60_000, -120_000])
        #expect(try StartTimestampLine.positions("+1m") == [60_000])
        #expect(try StartTimestampLine.positions("-59999msx1") == [-59_999, -59_999])
        #expect(try StartTimestampLine.positions("1ms+2msx2") == [1, 3, 5])
        for bad in ["x", "-", "1q", "1m+", "1m+2m", "_xa", "1mx-1"] {
            #expect(throws: PromQLError.self, "\(bad)") { try StartTimestampLine.positions(bad) }
        }
        #expect(try StartTimestampLine(parsing: "a{b=\"c\"} 1 2") == nil)
        let line = try #require(try StartTimestampLine(parsing: "  a{b=\"c d\"}@st  _ -1mx1"))
        #expect(line.offsets == [nil, -60_000, -60_000])
    }

    @Test func startTimestampLineMustMatchTheNextSeriesLine() {
        for text in ["load 1m\n  a@st _ 0\n  a 1\n", "load 1m\n  a@st _ 0\n  b 1 2\n", "load 1m\n  a@st _ 0\n",
                     "load 1m\n  a@st 0\n  a@st 0\n  a 1\n"] {
            #expect(throws: PromQLError.self, "\(text)") { try PromQLTestScript(parsing: text) }
        }
    }

    /// Start timestamps reach `start_timestamp()` and `resets()` through a real head.
    @Test func startTimestampsFromLoadLinesReachTheEngine() {
        let text = """
        load 10s
            series{case="a"}@st  _  1ms  _  0  -1ms  -10s
            series{case="a"}     _  10  20  30    40    50
            other                _   1   2   3     4     5
            counter_total@st     _ -5s -15s -25s -5s
            counter_total        _  10   20   30  35

        eval range from 0s to 50s step 10s start_timestamp(series)
            {case="a"}  _ 10.001 0 30 39.999 40

        eval range from 0s to 50s step 10s start_timestamp(other)
            {} _ 0 0 0 0 0

        eval instant at 50s start_timestamp(series * 1)

        eval instant at 50s start_timestamp((series))
            {case="a"} 40

        eval instant at 40s resets(counter_total[1m])
            {} 1

        eval instant at 40s changes(counter_total[1m])
            {} 3
        """
        let report = PromQLTestRunner().run(text)
        #expect(report.fileError == nil)
        #expect(report.evals.count == 6)
        for (line, outcome) in report.evals { #expect(outcome == .passed, "line \(line)") }
        var withoutStarts = PromQLTestRunner()
        withoutStarts.engine.options.useStartTimestamps = false
        let plain = withoutStarts.run(text)
        #expect(plain.evals.filter { $0.outcome != .passed }.map(\.line) == [8, 11, 16, 19])
    }
}
