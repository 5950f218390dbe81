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
}
