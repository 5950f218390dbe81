import ArgumentParser
import Foundation
import Rules

/// `pharos test`: unit tests for rule files, like `promtool test`.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Unit tests for rule files.",
        subcommands: [TestRules.self]
    )
}

/// `pharos test rules FILE...`: runs rule unit-test files with the output and exit status of
/// `promtool test rules`: `Unit Testing:  FILE`, then `  SUCCESS` or `  FAILED:` and each failure
/// on standard error, each followed by a blank line; exit 1 when any file failed.
struct TestRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Run rule unit-test files (promtool's test file format).",
        discussion: "Example: pharos test rules tests/alerts_test.yml"
    )

    @Argument(help: "The test files.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            print("Unit Testing: ", file)
            let report = RuleUnitTest.run(file: file)
            for warning in report.warnings { Self.writeToStandardError(warning) }
            if report.passed {
                print("  SUCCESS")
            } else {
                failed = true
                Self.writeToStandardError("  FAILED:")
                for failure in report.failures {
                    Self.writeToStandardError(failure)
                    print()
                }
            }
            print()
        }
        if failed { throw ExitCode.failure }
    }

    private static func writeToStandardError(_ line: String) {
        // Standard output is flushed first so that the two streams interleave as promtool's do.
        fflush(nil)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
