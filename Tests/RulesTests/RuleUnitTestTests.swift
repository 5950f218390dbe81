import Foundation
import Model
import PharosTestSupport
import Testing
@testable import Rules

/// `RuleTestFile` decoding and `RuleUnitTest` runs in process (the differential suite compares
/// the command with promtool's): file format, failure wording, malformed input.
@Suite struct RuleUnitTestTests {
    static let sample = """
        rule_files: [rules.yml, 'more/*.yml']
        evaluation_interval: 30s
        group_eval_order: [b, a]
        tests:
          - name: t
            interval: 15s
            external_labels: {cluster: c1}
            external_url: http://x.example
            input_series:
              - series: 'up{job="a"}'
                values: '1 0x3 _ stale'
            alert_rule_test:
              - eval_time: 1m
                alertname: Down
                exp_alerts:
                  - exp_labels: {job: a}
                    exp_annotations: {summary: s}
            promql_expr_test:
              - expr: up
                eval_time: 90s
                exp_samples:
                  - labels: 'up{job="a"}'
                    value: 0
        """

    /// A scratch directory with `files` written into it, removed after `body`.
    static func withFiles<T>(_ files: [String: String], _ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-ruletest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return try body(directory)
    }

    @Test func decodesEveryField() throws {
        let file = try RuleTestFile.decode(yaml: Self.sample)
        #expect(file.ruleFiles == ["rules.yml", "more/*.yml"])
        #expect(file.evaluationInterval == .seconds(30))
        #expect(file.groupEvalOrder == ["b", "a"])
        let group = try #require(file.tests.first)
        #expect(group.name == "t" && group.interval == .seconds(15))
        #expect(group.externalLabels == ["cluster": "c1"] && group.externalURL == "http://x.example")
        #expect(group.inputSeries == [.init(series: "up{job=\"a\"}", values: "1 0x3 _ stale")])
        #expect(group.alertTests == [.init(evalTime: .seconds(60), alertName: "Down", expectedAlerts: [.init(labels: ["job": "a"], annotations: ["summary": "s"])])])
        #expect(group.exprTests == [.init(expr: "up", evalTime: .seconds(90), expectedSamples: [.init(labels: "up{job=\"a\"}", value: 0)])])
        #expect(try RuleTestFile.decode(yaml: "") == RuleTestFile())
    }

    @Test func decodingErrorsAreWordedAsPromtools() {
        func message(_ yaml: String) -> String {
            do {
                _ = try RuleTestFile.decode(yaml: yaml)
                return "decoded"
            } catch {
                return error.description
            }
        }
        #expect(message("test: []\n") == "yaml: unmarshal errors:\n  line 1: field test not found in type main.unitTestFile")
        #expect(message("tests:\n- input_series:\n  - serie: x\n    values: 1\n") == "yaml: unmarshal errors:\n  line 3: field serie not found in type main.series")
        #expect(message("tests:\n- promql_expr_test:\n  - exp_samples:\n    - value: abc\n") == "yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `abc` into float64")
        #expect(message("tests:\n- alert_rule_test:\n  - eval_time: 5\n") == "not a valid duration string: \"5\"")
        #expect(message("tests: 3\n") == "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `3` into []main.testGroup")
        // Config's YAML reader refuses a repeated key itself (promtool: `field tests already set in type …`).
        #expect(message("tests: []\ntests: []\n") == "yaml: line 1, column 1: mapping key \"tests\" already defined")
        #expect(message("tests: [\n").hasPrefix("yaml: line"))
    }

    @Test func goDurations() {
        #expect(GoDuration.format(milliseconds: 0) == "0s")
        #expect(GoDuration.format(milliseconds: 500) == "500ms")
        #expect(GoDuration.format(milliseconds: 60_000) == "1m0s")
        #expect(GoDuration.format(milliseconds: 3_723_500) == "1h2m3.5s")
        #expect(GoDuration.format(milliseconds: 90_050) == "1m30.05s")
    }

    @Test func joinsPathsAsGoDoes() {
        #expect(RuleUnitTest.joinPath("fail", "../rules/a.yml") == "rules/a.yml")
        #expect(RuleUnitTest.joinPath("", "./a.yml") == "a.yml")
        #expect(RuleUnitTest.joinPath("/x/y", "../../../a.yml") == "/a.yml")
        #expect(RuleUnitTest.joinPath("..", "a.yml") == "../a.yml")
    }

    @Test func passingAndFailingGroups() throws {
        let rules = """
            groups:
              - name: g
                rules:
                  - record: job:up:sum
                    expr: sum by (job) (up)
                  - alert: Down
                    expr: up == 0
                    for: 1m
                    annotations: {summary: '{{ $labels.job }} is {{ $value }} in {{ $externalLabels.cluster }}'}
            """
        let test = """
            rule_files: [rules.yml]
            tests:
              - name: down
                interval: 1m
                external_labels: {cluster: c1}
                input_series:
                  - series: 'up{job="a"}'
                    values: '1 0 0 0'
                alert_rule_test:
                  - eval_time: 1m
                    alertname: Down
                  - eval_time: 2m30s
                    alertname: Down
                    exp_alerts:
                      - exp_labels: {job: a}
                        exp_annotations: {summary: a is 0 in c1}
                promql_expr_test:
                  - expr: job:up:sum
                    eval_time: 3m
                    exp_samples:
                      - labels: 'job:up:sum{job="a"}'
                        value: 0
            """
        try Self.withFiles(["rules.yml": rules, "test.yml": test, "wrong.yml": test.replacingOccurrences(of: "value: 0", with: "value: 1")]) { directory in
            let passed = RuleUnitTest.run(file: directory.appendingPathComponent("test.yml").path)
            #expect(passed.passed, "\(passed.failures)")
            let failed = RuleUnitTest.run(file: directory.appendingPathComponent("wrong.yml").path)
            #expect(failed.failures == ["""
                    expr: "job:up:sum", time: 3m,
                        exp: {__name__="job:up:sum", job="a"} 1E+00
                        got: {__name__="job:up:sum", job="a"} 0E+00
                """])
        }
    }

    @Test func malformedInputsFailWithAMessage() throws {
        let cases: [(String, String)] = [
            ("tests:\n- interval: 1m\n  input_series:\n  - {series: 'up{', values: '1'}\n  promql_expr_test:\n  - {expr: up, eval_time: 1m}\n", "parse error"),
            ("tests:\n- interval: 1m\n  input_series:\n  - {series: 'up', values: '1 2x'}\n  promql_expr_test:\n  - {expr: up, eval_time: 1m}\n", "parse error"),
            ("tests:\n- interval: 1m\n  input_series:\n  - {series: 'up', values: '{{schema:0 sum:1}}'}\n", "native histogram"),
            ("tests:\n- alert_rule_test:\n  - {eval_time: 1m}\n", "misses required attribute alertname at eval_time 1m"),
            ("rule_files: [nosuch.yml]\ntests:\n- promql_expr_test:\n  - {expr: 'sum(', eval_time: 1m}\n", "unclosed left parenthesis"),
            ("tests:\n- promql_expr_test:\n  - {expr: up, eval_time: 1m, exp_samples: [{labels: 'up{', value: 1}]}\n", "labels \"up{\""),
            ("group_eval_order: [a, a]\n", "group name repeated in evaluation order: a"),
        ]
        for (yaml, expected) in cases {
            try Self.withFiles(["t.yml": yaml]) { directory in
                let report = RuleUnitTest.run(file: directory.appendingPathComponent("t.yml").path)
                #expect(report.failures.contains { $0.contains(expected) }, "\(yaml): \(report.failures)")
            }
        }
        let missing = RuleUnitTest.run(file: "/nonexistent/pharos-test.yml")
        #expect(missing.failures == ["open /nonexistent/pharos-test.yml: no such file or directory"])
    }

    @Test func mutatedTestFilesDecodeOrFail() {
        var random = SeededGenerator(seed: 0x7E57_2026)
        let alphabet = Array("{}[]:-'\"\n\t #|>&*!%@$()=~,.0aZ_x".utf8)
        let seed = Array(Self.sample.utf8)
        for end in 0...seed.count {
            _ = try? RuleTestFile.decode(yaml: String(decoding: seed[..<end], as: UTF8.self))
        }
        for _ in 0..<2000 {
            let bytes = random.mutate(seed, alphabet: alphabet)
            do {
                _ = try RuleTestFile.decode(yaml: String(decoding: bytes, as: UTF8.self))
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
