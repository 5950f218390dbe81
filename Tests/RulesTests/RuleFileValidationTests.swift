import Foundation
import Model
import PromQL
import Testing
@testable import Rules

@Suite struct RuleFileValidationTests {
    private func problems(_ text: String, scheme: NameValidationScheme = .legacy) throws -> [String] {
        try RuleFile.decode(yaml: text).validate(scheme: scheme).map(\.description)
    }

    /// The same file promtool 2.42 was run on; the messages are its lines, in its order
    /// (labels and annotations sorted, where Go's map order is random), in Prometheus 3's form
    /// for the `record`/`alert` conflict positions.
    @Test func reportsEveryProblemOfAFileAsPromtool() throws {
        let text = """
            groups:
              - name: g1
                rules:
                  - record: "job:up{sum}"
                    expr: sum by (job) (up
                    for: 5m
                    annotations: {a: b}
                  - alert: X
                    record: y
                    expr: up
                    labels:
                      __name__: x
                      "bad-name": y
                      z: "{{ .Foo "
                    annotations:
                      "x-y": z
                  - expr: foo[5m]
              - name: g1
                rules: []
              - name: ""
                rules: []
            """
        #expect(try problems(text) == [
            #"5:15: group "g1", rule 1, "job:up{sum}": could not parse expression: 1:17: parse error: unclosed left parenthesis"#,
            #"4:17: group "g1", rule 1, "job:up{sum}": invalid field 'annotations' in recording rule"#,
            #"4:17: group "g1", rule 1, "job:up{sum}": invalid field 'for' in recording rule"#,
            #"4:17: group "g1", rule 1, "job:up{sum}": invalid recording rule name: job:up{sum}"#,
            #"4:17: group "g1", rule 1, "job:up{sum}": braces present in the recording rule name; should it be in expr?: job:up{sum}"#,
            #"9:17: 8:16: group "g1", rule 2, "X": only one of 'record' and 'alert' must be set"#,
            #"9:17: group "g1", rule 2, "X": invalid field 'annotations' in recording rule"#,
            #"group "g1", rule 2, "X": invalid label name: __name__"#,
            #"group "g1", rule 2, "X": invalid label name: bad-name"#,
            #"group "g1", rule 2, "X": invalid annotation name: x-y"#,
            #"group "g1", rule 2, "X": label "z": template: __alert_X:1: unclosed action"#,
            #"0:0: 0:0: group "g1", rule 3, "": one of 'record' or 'alert' must be set"#,
            #"18:5: groupname: "g1" is repeated in the same file"#,
            #"20:5: Groupname must not be empty"#,
        ])
    }

    @Test(arguments: [
        ("record: a\n    expr: ''", #"5:11: group "g", rule 1, "a": field 'expr' must be set in rule"#),
        ("record: a\n    expr: up\n    keep_firing_for: 1m", #"4:13: group "g", rule 1, "a": invalid field 'keep_firing_for' in recording rule"#),
        ("record: 1a\n    expr: up", #"4:13: group "g", rule 1, "1a": invalid recording rule name: 1a"#),
        ("alert: a\n    expr: up\n    annotations: {s: '{{ nosuchfunc }}'}", #"group "g", rule 1, "a": annotation "s": template: __alert_a:1: function "nosuchfunc" not defined"#),
        ("alert: a\n    expr: sum(rate(x[5m])) by", #"5:11: group "g", rule 1, "a": could not parse expression: 1:20: parse error: unexpected end of input in grouping opts, expected "(""#),
    ])
    func reportsOneProblem(rule: String, expected: String) throws {
        let text = "groups:\n- name: g\n  rules:\n  - \(rule)\n"
        #expect(try problems(text) == [expected])
    }

    /// Prometheus 3 validates names as UTF-8 unless told otherwise.
    @Test func utf8SchemeAcceptsWhatLegacyRefuses() throws {
        let text = "groups:\n- name: g\n  labels: {'a.b': c}\n  rules:\n  - record: 'http.requests:rate'\n    expr: up\n    labels: {'bad-name': y}\n"
        #expect(try problems(text, scheme: .utf8).isEmpty)
        let legacy = try problems(text, scheme: .legacy)
        #expect(legacy == [
            "invalid label name: a.b",
            #"5:13: group "g", rule 1, "http.requests:rate": invalid recording rule name: http.requests:rate"#,
            #"group "g", rule 1, "http.requests:rate": invalid label name: bad-name"#,
        ])
    }

    /// As upstream: the result type is checked when the rule is evaluated, not when it loads.
    @Test func acceptsExpressionsOfAnyResultTypeAtLoad() throws {
        let text = "groups:\n- name: g\n  rules:\n  - record: r\n    expr: foo[5m]\n  - alert: s\n    expr: '\"text\"'\n"
        #expect(try problems(text).isEmpty)
    }

    @Test func countsRulesAcrossGroups() throws {
        let text = "groups:\n- name: a\n  rules:\n  - {record: x, expr: up}\n  - {record: y, expr: up}\n- name: b\n  rules:\n  - {alert: z, expr: up}\n"
        #expect(try RuleFile.decode(yaml: text).ruleCount == 3)
    }
}

@Suite struct RuleLintTests {
    @Test func reportsEachDuplicateOnceSortedWithMergedGroupLabels() throws {
        let text = """
            groups:
              - name: g1
                rules:
                  - {record: a, expr: up, labels: {x: "1", b: "2"}}
                  - {record: a, expr: up, labels: {b: "2", x: "1"}}
                  - {record: a, expr: up, labels: {b: "3", x: "1"}}
                  - {record: c, expr: up}
                  - {record: c, expr: up}
                  - {alert: c, expr: up}
              - name: g2
                labels: {b: "3"}
                rules:
                  - {record: a, expr: up, labels: {x: "1"}}
            """
        let file = try RuleFile.decode(yaml: text)
        let duplicates = RuleLint.duplicateRules(in: file)
        #expect(duplicates.map(\.name) == ["a", "a", "c"])
        #expect(RuleLint.describe(duplicates) == """
            lint error 3 duplicate rule(s) found.
            Metric: a
            Label(s):
            \tb: 2
            \tx: 1
            Metric: a
            Label(s):
            \tb: 3
            \tx: 1
            Metric: c
            Label(s):
            Might cause inconsistency while recording expressions
            """)
    }

    @Test func lintOptionsParseAsPromtool() throws {
        #expect(try RulesCheck.LintOptions(parsing: "none").duplicateRules == false)
        #expect(try RulesCheck.LintOptions(parsing: "all").duplicateRules)
        #expect(try RulesCheck.LintOptions(parsing: "none,duplicate-rules").duplicateRules)
        #expect(throws: RulesError.unknownLintOption("bogus")) { try RulesCheck.LintOptions(parsing: "bogus") }
    }

    @Test func checkReportsLintOnlyForValidFiles() {
        let duplicated = "groups:\n- name: a\n  rules:\n  - {record: x, expr: up}\n  - {record: x, expr: up}\n"
        let report = RulesCheck.check(yaml: duplicated)
        #expect(report.isValid)
        #expect(report.ruleCount == 2)
        #expect(report.lintFindings.count == 1)
        #expect(RulesCheck.check(yaml: duplicated, lint: .init(duplicateRules: false)).lintFindings.isEmpty)
    }
}

@Suite struct RuleExpressionTests {
    @Test(arguments: [
        ("sum by (job) (rate(x[5m]))", true), ("1 + 2", true), ("time()", true), ("up == bool 1", true),
        ("x[5m]", false), ("\"text\"", false), ("rate(x[5m])[10m:1m]", false),
    ])
    func onlyInstantVectorsAndScalarsAreRuleResults(expr: String, isResult: Bool) throws {
        var rule = Rule()
        rule.record = "r"
        rule.expr = expr
        let parsed = try rule.parsedExpression()
        #expect((Rule.resultTypeProblem(parsed.type) == nil) == isResult)
    }
}

@Suite struct RuleGroupLoaderTests {
    private func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func appliesGlobalDefaultsAndParsesExpressions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try write("groups:\n- name: a\n  rules:\n  - {record: r, expr: 'sum(up)'}\n- name: b\n  interval: 0s\n  rules: []\n", "1.yml", in: directory)
        let second = try write("groups:\n- name: a\n  interval: 15s\n  query_offset: 30s\n  rules:\n  - {alert: A, expr: 'up == 0'}\n", "2.yml", in: directory)
        let groups = try RuleGroupLoader.load(files: [first, second], evaluationInterval: .seconds(60), queryOffset: .seconds(5))
        #expect(groups.map(\.key) == ["\(first);a", "\(first);b", "\(second);a"])
        #expect(groups.map(\.interval) == [.seconds(60), .seconds(60), .seconds(15)])
        #expect(groups.map(\.queryOffset) == [.seconds(5), .seconds(5), .seconds(30)])
        #expect(groups[0].rules.first?.expression.type == .vector)
    }

    @Test func loadsNothingWhenAnyFileIsInvalid() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try write("groups:\n- name: a\n  rules:\n  - {record: r, expr: up}\n", "good.yml", in: directory)
        let bad = try write("groups:\n- name: a\n  rules:\n  - {record: r, expr: 'up +'}\n  - {expr: up}\n", "bad.yml", in: directory)
        do {
            _ = try RuleGroupLoader.load(files: [good, bad, directory.path + "/missing.yml"], evaluationInterval: .seconds(60), queryOffset: .zero)
            Issue.record("an invalid file was loaded")
        } catch {
            guard case .several(let errors) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(errors.count == 3)
            #expect(errors.last?.description.hasSuffix("no such file or directory") == true)
        }
    }
}
