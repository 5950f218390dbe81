import ArgumentParser
import Foundation
import Rules

/// `pharos check rules FILE...`: the `promtool check rules` of Pharos, with the same output and
/// exit codes (1 when a file is invalid, 3 when only lint findings fail with `--lint-fatal`).
struct CheckRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check that rule files are valid."
    )

    @Option(name: .customLong("lint"), help: "Linting checks to apply: comma-separated all, duplicate-rules or none.")
    var lint = "duplicate-rules"

    @Flag(name: .customLong("lint-fatal"), help: "Make lint findings exit with status 3.")
    var lintFatal = false

    @Flag(name: .customLong("ignore-unknown-fields"), help: "Ignore unknown fields in the rule files (for files extended with custom metadata).")
    var ignoreUnknownFields = false

    @Argument(help: "The rule files to check; standard input when none is given.")
    var files: [String] = []

    func run() throws {
        let options: RulesCheck.LintOptions
        do {
            options = try RulesCheck.LintOptions(parsing: lint, ignoreUnknownFields: ignoreUnknownFields)
        } catch {
            throw ValidationError(error.description)
        }
        var outcome = RuleFileCheckOutcome()
        if files.isEmpty {
            let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            outcome = CheckRules.printReport(RulesCheck.check(yaml: text, lint: options), name: "standard input", errorIndent: "")
        }
        for file in files {
            outcome.merge(CheckRules.checkAndPrint(file: file, lint: options, errorIndent: ""))
        }
        if outcome.hasErrors { throw ExitCode.failure }
        if outcome.hasLintFindings && lintFatal { throw ExitCode(3) }
    }

    /// Checks one rule file and prints what promtool prints for it: `Checking FILE`, then
    /// `  SUCCESS: N rules found` or `  FAILED:` and each error on standard error, then a blank line.
    /// - Parameter errorIndent: put before each error line (`check config` indents them).
    static func checkAndPrint(file: String, lint: RulesCheck.LintOptions, errorIndent: String) -> RuleFileCheckOutcome {
        printReport(RulesCheck.check(file: file, lint: lint), name: file, errorIndent: errorIndent)
    }

    /// Prints one file's report under the name `name`.
    static func printReport(_ report: RulesCheck.Report, name: String, errorIndent: String) -> RuleFileCheckOutcome {
        print("Checking", name)
        var outcome = RuleFileCheckOutcome()
        if !report.errors.isEmpty {
            outcome.hasErrors = true
            writeToStandardError(["  FAILED:"] + report.errors.map { errorIndent + $0.description })
        } else if !report.lintFindings.isEmpty {
            outcome.hasLintFindings = true
            writeToStandardError(["  FAILED:"] + report.lintFindings.map { errorIndent + $0 })
        } else {
            print("  SUCCESS: \(report.ruleCount) rules found")
        }
        print()
        return outcome
    }

    private static func writeToStandardError(_ lines: [String]) {
        FileHandle.standardError.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }
}

/// What checking rule files found, for the exit code.
struct RuleFileCheckOutcome {
    var hasErrors = false
    var hasLintFindings = false

    mutating func merge(_ other: RuleFileCheckOutcome) {
        hasErrors = hasErrors || other.hasErrors
        hasLintFindings = hasLintFindings || other.hasLintFindings
    }
}
