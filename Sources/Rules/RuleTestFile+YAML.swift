internal import Config
internal import Yams
import Model

extension RuleTestFile {
    /// Reads a rule-test file strictly, as promtool's `yaml.UnmarshalStrict` does: unknown keys,
    /// values of the wrong kind and repeated keys are all listed in one `.unmarshal` error with
    /// yaml.v2's wording and promtool's Go type names (`main.testGroup`); text that is not YAML,
    /// or a duration that does not parse, stops at once. An empty document is a file with no tests.
    /// - Throws: `RulesError.decoding` or `.unmarshal`.
    package static func decode(yaml text: String) throws(RulesError) -> RuleTestFile {
        let root: Node?
        do {
            root = try StrictYAML.compose(text)
        } catch {
            throw .decoding(error)
        }
        guard let root else { return RuleTestFile() }
        var reader = RuleTestFileReader()
        let file = try reader.file(root)
        if !reader.yaml.problems.isEmpty { throw .unmarshal(reader.yaml.problems) }
        return file
    }
}

/// Walks a rule-test file's node tree with the schema of promtool's `unittest.go`.
private struct RuleTestFileReader {
    var yaml = StrictYAMLCollector(ignoreUnknownFields: false, repeatedKey: { key, _ in "key \(GoQuote.quote(key)) already set in map" })

    mutating func file(_ node: Node) throws(RulesError) -> RuleTestFile {
        var file = RuleTestFile()
        for (key, keyLine, value) in yaml.entries(node, type: "main.unitTestFile") {
            switch key {
            case "rule_files": file.ruleFiles = yaml.sequence(value, type: "[]string").map { yaml.string($0) }
            case "evaluation_interval": file.evaluationInterval = try yaml.duration(value)
            case "group_eval_order": file.groupEvalOrder = yaml.sequence(value, type: "[]string").map { yaml.string($0) }
            case "tests": for item in yaml.sequence(value, type: "[]main.testGroup") { file.tests.append(try testGroup(item)) }
            default: yaml.unknown(key, line: keyLine, type: "main.unitTestFile")
            }
        }
        return file
    }

    mutating func testGroup(_ node: Node) throws(RulesError) -> RuleTestFile.TestGroup {
        var group = RuleTestFile.TestGroup()
        for (key, keyLine, value) in yaml.entries(node, type: "main.testGroup") {
            switch key {
            case "name": group.name = yaml.string(value)
            case "interval": group.interval = try yaml.duration(value)
            case "input_series":
                for item in yaml.sequence(value, type: "[]main.series") {
                    var series = RuleTestFile.InputSeries()
                    for (key, keyLine, value) in yaml.entries(item, type: "main.series") {
                        switch key {
                        case "series": series.series = yaml.string(value)
                        case "values": series.values = yaml.string(value)
                        default: yaml.unknown(key, line: keyLine, type: "main.series")
                        }
                    }
                    group.inputSeries.append(series)
                }
            case "alert_rule_test":
                for item in yaml.sequence(value, type: "[]main.alertTestCase") { group.alertTests.append(try alertTest(item)) }
            case "promql_expr_test":
                for item in yaml.sequence(value, type: "[]main.promqlTestCase") { group.exprTests.append(try exprTest(item)) }
            case "external_labels": group.externalLabels = yaml.stringMap(value)
            case "external_url": group.externalURL = yaml.string(value)
            default: yaml.unknown(key, line: keyLine, type: "main.testGroup")
            }
        }
        return group
    }

    mutating func alertTest(_ node: Node) throws(RulesError) -> RuleTestFile.AlertTest {
        var test = RuleTestFile.AlertTest()
        for (key, keyLine, value) in yaml.entries(node, type: "main.alertTestCase") {
            switch key {
            case "eval_time": test.evalTime = try yaml.duration(value)
            case "alertname": test.alertName = yaml.string(value)
            case "exp_alerts":
                for item in yaml.sequence(value, type: "[]main.alert") {
                    var alert = RuleTestFile.ExpectedAlert()
                    for (key, keyLine, value) in yaml.entries(item, type: "main.alert") {
                        switch key {
                        case "exp_labels": alert.labels = yaml.stringMap(value)
                        case "exp_annotations": alert.annotations = yaml.stringMap(value)
                        default: yaml.unknown(key, line: keyLine, type: "main.alert")
                        }
                    }
                    test.expectedAlerts.append(alert)
                }
            default: yaml.unknown(key, line: keyLine, type: "main.alertTestCase")
            }
        }
        return test
    }

    mutating func exprTest(_ node: Node) throws(RulesError) -> RuleTestFile.ExprTest {
        var test = RuleTestFile.ExprTest()
        for (key, keyLine, value) in yaml.entries(node, type: "main.promqlTestCase") {
            switch key {
            case "expr": test.expr = yaml.string(value)
            case "eval_time": test.evalTime = try yaml.duration(value)
            case "exp_samples":
                for item in yaml.sequence(value, type: "[]main.sample") {
                    var sample = RuleTestFile.ExpectedSample()
                    for (key, keyLine, value) in yaml.entries(item, type: "main.sample") {
                        switch key {
                        case "labels": sample.labels = yaml.string(value)
                        case "value": sample.value = yaml.double(value)
                        default: yaml.unknown(key, line: keyLine, type: "main.sample")
                        }
                    }
                    test.expectedSamples.append(sample)
                }
            default: yaml.unknown(key, line: keyLine, type: "main.promqlTestCase")
            }
        }
        return test
    }
}
