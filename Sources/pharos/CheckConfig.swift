import ArgumentParser
import Config
import Foundation

/// `pharos check config FILE...`: the `promtool check config` of Pharos, with the same output.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check that prometheus.yml files are valid."
    )

    @Flag(name: .customLong("syntax-only"), help: "Only check the config file syntax, not the files it names.")
    var syntaxOnly = false

    @Argument(help: "The config files to check.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            print("Checking", file)
            do {
                let report = try ConfigCheck.check(file: file, syntaxOnly: syntaxOnly)
                for warning in report.warnings { print("  WARNING:", warning) }
                if !report.ruleFiles.isEmpty { print("  SUCCESS: \(report.ruleFiles.count) rule files found") }
                print(" SUCCESS: \(file) is valid prometheus config file syntax")
            } catch {
                FileHandle.standardError.write(Data("  FAILED: \(error)\n".utf8))
                failed = true
            }
            print()
        }
        if failed { throw ExitCode.failure }
    }
}
