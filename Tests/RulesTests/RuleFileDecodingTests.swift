import Config
import Testing
@testable import Rules

@Suite struct RuleFileDecodingTests {
    @Test func readsGroupsAndRulesWithPrometheus3Keys() throws {
        let text = """
            groups:
              - name: api
                interval: 30s
                query_offset: 1m
                limit: 10
                labels: {team: sre}
                rules:
                  - record: job:http_requests:rate5m
                    expr: sum by (job) (rate(http_requests_total[5m]))
                    labels: {source: rules}
                  - alert: HighErrorRate
                    expr: job:http_errors:ratio > 0.1
                    for: 5m
                    keep_firing_for: 2m
                    labels: {severity: page}
                    annotations:
                      summary: "{{ $labels.job }} errors at {{ $value }}"
            """
        let file = try RuleFile.decode(yaml: text)
        #expect(file.ruleCount == 2)
        let group = try #require(file.groups.first)
        #expect(group.name == "api")
        #expect(group.interval == .seconds(30))
        #expect(group.queryOffset == .seconds(60))
        #expect(group.limit == 10)
        #expect(group.labels == ["team": "sre"])
        #expect(group.position == SourcePosition(line: 2, column: 5))
        #expect(group.rules[0].record == "job:http_requests:rate5m")
        #expect(group.rules[0].recordPosition == SourcePosition(line: 8, column: 17))
        #expect(group.rules[0].exprPosition == SourcePosition(line: 9, column: 15))
        #expect(group.rules[1].alert == "HighErrorRate")
        #expect(group.rules[1].holdDuration == .seconds(300))
        #expect(group.rules[1].keepFiringFor == .seconds(120))
        #expect(group.rules[1].annotations["summary"] == "{{ $labels.job }} errors at {{ $value }}")
        #expect(file.validate().isEmpty)
    }

    @Test(arguments: ["", "# only a comment\n", "groups:\n", "groups: []\n"])
    func emptyDocumentsHaveNoGroups(text: String) throws {
        #expect(try RuleFile.decode(yaml: text).groups.isEmpty)
    }

    /// yaml.v3 with known fields lists every unknown key and mistyped value, not just the first.
    @Test func collectsEveryUnknownKeyAndMistypedValue() {
        let text = """
            groups:
              - name: g
                foo: bar
                limit: abc
                rules:
                  - record: a
                    expr: up
                    bar: 1
                    labels: {a: {b: c}}
            """
        #expect(throws: RulesError.unmarshal([
            .unknownField("foo", type: "rulefmt.RuleGroup", line: 3),
            .typeMismatch(found: "!!str `abc`", expected: "int", line: 4),
            .unknownField("bar", type: "rulefmt.Rule", line: 8),
            .typeMismatch(found: "!!map", expected: "string", line: 9),
        ])) { try RuleFile.decode(yaml: text) }
    }

    @Test func describesUnmarshalErrorsAsPromtool() {
        let error = RulesError.inFile(path: "r.yml", .unmarshal([.unknownField("foo", type: "rulefmt.RuleGroup", line: 3)]))
        #expect(error.description == "r.yml: yaml: unmarshal errors:\n  line 3: field foo not found in type rulefmt.RuleGroup")
    }

    @Test func refusesRepeatedKeys() {
        let text = "groups:\n- name: a\n  rules:\n  - record: x\n    record: y\n    expr: up\n"
        do {
            _ = try RuleFile.decode(yaml: text)
            Issue.record("a repeated key was accepted")
        } catch {
            #expect(error.description.contains(#"mapping key "record" already defined"#))
        }
    }

    @Test func badDurationStopsDecodingWithTheBareMessage() throws {
        let text = "groups:\n- name: a\n  rules:\n  - alert: x\n    expr: up\n    for: 5\n"
        do {
            _ = try RuleFile.decode(yaml: text)
            Issue.record("a duration without a unit was accepted")
        } catch {
            #expect(error.description == "not a valid duration string: \"5\"")
        }
    }

    @Test(arguments: [
        ("[1]", "line 1: cannot unmarshal !!seq into rulefmt.RuleGroups"),
        ("groups: 3", "line 1: cannot unmarshal !!int `3` into []rulefmt.RuleGroup"),
        ("groups: [3]", "line 1: cannot unmarshal !!int `3` into rulefmt.RuleGroup"),
        ("groups: [{name: a, rules: [x]}]", "line 1: cannot unmarshal !!str `x` into rulefmt.Rule"),
    ])
    func refusesValuesOfTheWrongKind(text: String, expected: String) {
        #expect(throws: RulesError.self) { try RuleFile.decode(yaml: text) }
        do {
            _ = try RuleFile.decode(yaml: text)
        } catch {
            #expect(error.description == "yaml: unmarshal errors:\n  " + expected)
        }
    }

    @Test func refusesTextThatIsNotYAML() {
        #expect {
            try RuleFile.decode(yaml: "groups: [")
        } throws: { error in
            guard case .decoding = error as? RulesError else { return false }
            return true
        }
    }
}

@Suite struct IgnoreUnknownFieldsTests {
    @Test func acceptsCustomMetadataOnlyWhenAsked() throws {
        let text = "groups:\n- name: g\n  owner: team-a\n  rules:\n  - {record: r, expr: up, runbook: 'https://x'}\n"
        #expect(throws: RulesError.self) { try RuleFile.decode(yaml: text) }
        #expect(try RuleFile.decode(yaml: text, ignoreUnknownFields: true).ruleCount == 1)
        // Values of the wrong kind are still refused.
        #expect(throws: RulesError.self) { try RuleFile.decode(yaml: "groups:\n- name: g\n  limit: x\n  extra: 1\n", ignoreUnknownFields: true) }
        #expect(RulesCheck.check(yaml: text, lint: .init(ignoreUnknownFields: true)).isValid)
    }
}
