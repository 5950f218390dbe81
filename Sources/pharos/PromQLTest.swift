import ArgumentParser
import Foundation
import PromQL

/// `pharos promql`: PromQL tools.
struct PromQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql",
        abstract: "PromQL tools.",
        subcommands: [PromQLTest.self]
    )
}

/// `pharos promql test FILE...`: runs promqltest scripts against the engine over an in-memory
/// TSDB head, one line per file, then `N passed, M failed`; exit 1 when any eval failed.
struct PromQLTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run promqltest scripts (load/eval/clear) against the engine.",
        discussion: "Example: pharos promql test testdata/*.test"
    )

    @Argument(help: "Script files (.test).")
    var files: [String]

    @Flag(help: "Print each failing eval as `file:line reason` (the expected-failures format).")
    var listFailures = false

    func run() throws {
        let runner = PromQLTestRunner()
        var passed = 0, failed = 0
        for path in files {
            let name = URL(fileURLWithPath: path).lastPathComponent
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                print("\(name): cannot read \(path)")
                failed += 1
                continue
            }
            let report = runner.run(text)
            if let error = report.fileError {
                print("\(name): invalid script: \(error)")
                failed += 1
                continue
            }
            passed += report.passed
            failed += report.failed
            if listFailures {
                for (line, outcome) in report.evals {
                    guard case .failed(let message) = outcome else { continue }
                    let reason = report.histogramLines.contains(line) && ProcessInfo.processInfo.environment["PHAROS_RAW_REASONS"] == nil
                        ? "native histograms not implemented"
                        : String(message.split(separator: "\n").first ?? "").prefix(160)
                    print("\(name):\(line) \(reason)")
                }
            } else {
                print("\(name): \(report.passed) passed, \(report.failed) failed")
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
