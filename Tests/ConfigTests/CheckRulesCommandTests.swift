import Foundation
import Testing

/// `pharos check rules` (and the rule files `check config` names) print what `promtool check
/// rules` prints and exit the same way. Lives beside `CheckConfigCommandTests` to share its
/// binary runner and fixtures.
@Suite(.enabled(if: PharosBinary.path != nil, "needs the pharos binary from swift build"))
struct CheckRulesCommandTests {
    static let valid = "groups:\n- name: a\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n  - alert: Down\n    expr: up == 0\n    for: 5m\n"
    static let invalid = "groups:\n- name: a\n  rules:\n  - record: x\n    expr: sum(up\n    keep_firing_for: 1m\n"
    static let duplicated = "groups:\n- name: a\n  rules:\n  - {record: x, expr: up}\n  - {record: x, expr: up}\n"

    @Test func validFileSucceedsWithItsRuleCount() throws {
        let directory = try Fixtures.scratchDirectory()
        let file = try Fixtures.write(Self.valid, to: "r.yml", in: directory)
        let result = try PharosBinary.run(["check", "rules", file])
        #expect(result.status == 0)
        #expect(result.output == "Checking \(file)\n  SUCCESS: 2 rules found\n\n")
        #expect(result.error.isEmpty)
    }

    @Test func invalidFileListsEveryError() throws {
        let directory = try Fixtures.scratchDirectory()
        let good = try Fixtures.write(Self.valid, to: "good.yml", in: directory)
        let bad = try Fixtures.write(Self.invalid, to: "bad.yml", in: directory)
        let result = try PharosBinary.run(["check", "rules", bad, good])
        #expect(result.status == 1)
        #expect(result.output == "Checking \(bad)\n\nChecking \(good)\n  SUCCESS: 2 rules found\n\n")
        #expect(result.error == """
              FAILED:
            \(bad): 5:11: group "a", rule 1, "x": could not parse expression: 1:7: parse error: unclosed left parenthesis
            \(bad): 4:13: group "a", rule 1, "x": invalid field 'keep_firing_for' in recording rule

            """)
    }

    @Test func duplicateRulesAreALintFindingThatFailsOnlyWhenFatal() throws {
        let directory = try Fixtures.scratchDirectory()
        let file = try Fixtures.write(Self.duplicated, to: "d.yml", in: directory)
        let lenient = try PharosBinary.run(["check", "rules", file])
        #expect(lenient.status == 0)
        #expect(lenient.error == "  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: x\nLabel(s):\nMight cause inconsistency while recording expressions\n")
        #expect(try PharosBinary.run(["check", "rules", "--lint-fatal", file]).status == 3)
        let none = try PharosBinary.run(["check", "rules", "--lint=none", "--lint-fatal", file])
        #expect(none.status == 0)
        #expect(none.output == "Checking \(file)\n  SUCCESS: 2 rules found\n\n")
    }

    @Test func exampleRuleFileIsValid() throws {
        let example = Fixtures.repositoryRoot + "/examples/rules.yml"
        let result = try PharosBinary.run(["check", "rules", example])
        #expect(result.status == 0)
        #expect(result.output == "Checking \(example)\n  SUCCESS: 4 rules found\n\n")
    }

    @Test func missingFileFails() throws {
        let result = try PharosBinary.run(["check", "rules", "/nonexistent/r.yml"])
        #expect(result.status == 1)
        #expect(result.error == "  FAILED:\n/nonexistent/r.yml: open /nonexistent/r.yml: no such file or directory\n")
    }

    @Test func checkConfigChecksTheRuleFilesItNames() throws {
        let directory = try Fixtures.scratchDirectory()
        try Fixtures.write(Self.valid, to: "good.rules.yml", in: directory)
        try Fixtures.write(Self.invalid, to: "bad.rules.yml", in: directory)
        let config = try Fixtures.write("rule_files: [good.rules.yml, bad.rules.yml]\n", to: "p.yml", in: directory)
        let result = try PharosBinary.run(["check", "config", config])
        #expect(result.status == 1)
        #expect(result.output == """
            Checking \(config)
              SUCCESS: 2 rule files found
             SUCCESS: \(config) is valid prometheus config file syntax

            Checking \(directory)/good.rules.yml
              SUCCESS: 2 rules found

            Checking \(directory)/bad.rules.yml


            """)
        #expect(result.error.hasPrefix("  FAILED:\n     \(directory)/bad.rules.yml: 5:11: group \"a\""))
    }
}

/// Byte-for-byte against the installed promtool (2.42), for files whose messages did not
/// change between Prometheus 2.42 and 3.
@Suite(.enabled(if: PharosBinary.path != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool")))
struct CheckRulesPromtoolOutputTests {
    @Test(arguments: [
        CheckRulesCommandTests.valid, CheckRulesCommandTests.invalid, CheckRulesCommandTests.duplicated, "",
        "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, for: 1m, annotations: {s: '{{ .Labels.x '}}\n",
        "groups:\n- name: a\n  limit: abc\n  rules:\n  - {alert: x, expr: up, labels: {a: {b: c}}}\n",
    ])
    func printsWhatPromtoolPrints(text: String) throws {
        let directory = try Fixtures.scratchDirectory()
        let file = try Fixtures.write(text, to: "r.yml", in: directory)
        let ours = try PharosBinary.run(["check", "rules", file])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = ["check", "rules", file]
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(ours.status == process.terminationStatus)
        #expect(ours.output == String(decoding: outputData, as: UTF8.self))
        #expect(ours.error == String(decoding: errorData, as: UTF8.self))
    }
}
