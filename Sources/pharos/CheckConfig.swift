import ArgumentParser
import Config
import Foundation
import Rules

/// `pharos check config FILE...`: the `promtool check config` of Pharos, with the same output.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check that prometheus.yml files are valid."
    )

    @Flag(name: .customLong("syntax-only"), help: "Only check the config file syntax, not the files it names.")
    var syntaxOnly = false

    @Flag(name: .customLong("agent"), help: "Check the config files for agent mode (no alerting, rules or remote read).")
    var agentMode = false

    @Flag(name: .customLong("ignore-unknown-fields"), help: "Ignore unknown fields in the rule files the configs name.")
    var ignoreUnknownFields = false

    @Argument(help: "The config files to check.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            print("Checking", file)
            do {
                let report = try ConfigCheck.check(file: file, syntaxOnly: syntaxOnly, agentMode: agentMode)
                for warning in report.warnings { print("  WARNING:", warning) }
                if !report.ruleFiles.isEmpty { print("  SUCCESS: \(report.ruleFiles.count) rule files found") }
                print(" SUCCESS: \(file) is valid prometheus config file syntax")
                print()
                // As promtool: each rule file the config names is checked like `check rules`.
                for ruleFile in report.ruleFiles {
                    let outcome = CheckRules.checkAndPrint(file: ruleFile, lint: RulesCheck.LintOptions(ignoreUnknownFields: ignoreUnknownFields), errorIndent: "     ")
                    if outcome.hasErrors { failed = true }
                }
                continue
            } catch {
                FileHandle.standardError.write(Data("  FAILED: \(error)\n".utf8))
                failed = true
            }
            print()
        }
        if failed { throw ExitCode.failure }
    }
}
