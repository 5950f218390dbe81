import Foundation
import Testing

/// Where `swift build` put the `pharos` binary, if it did.
enum PharosBinary {
    static let path: String? = {
        let candidate = Fixtures.repositoryRoot + "/.build/debug/pharos"
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }()

    /// Runs `pharos arguments...` and returns its exit status, standard output and standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }
}

/// `pharos check config` prints what `promtool check config` prints and exits the same way.
@Suite(.enabled(if: PharosBinary.path != nil, "needs the pharos binary from swift build"))
struct CheckConfigCommandTests {
    @Test func validFileSucceeds() throws {
        let example = Fixtures.repositoryRoot + "/examples/prometheus.yml"
        let result = try PharosBinary.run(["check", "config", example])
        #expect(result.status == 0)
        #expect(result.output == "Checking \(example)\n SUCCESS: \(example) is valid prometheus config file syntax\n\n")
        #expect(result.error.isEmpty)
    }

    @Test func invalidFileFailsWithTheReason() throws {
        let directory = try Fixtures.scratchDirectory()
        let good = try Fixtures.write("scrape_configs:\n  - job_name: a\n", to: "good.yml", in: directory)
        let bad = try Fixtures.write("scrape_configs:\n  - job_name: a\n    foo: 1\n", to: "bad.yml", in: directory)
        let result = try PharosBinary.run(["check", "config", good, bad])
        #expect(result.status == 1)
        #expect(result.output.contains(" SUCCESS: \(good) is valid prometheus config file syntax\n"))
        #expect(result.output.contains("Checking \(bad)\n"))
        #expect(result.error == "  FAILED: parsing YAML file \(bad): line 3: field foo not found in type config.ScrapeConfig\n")
    }

    @Test func reportsRuleFilesFound() throws {
        let directory = try Fixtures.scratchDirectory()
        try Fixtures.write("groups: []\n", to: "x.rules.yml", in: directory)
        let config = try Fixtures.write("rule_files: [\"*.rules.yml\"]\n", to: "p.yml", in: directory)
        let result = try PharosBinary.run(["check", "config", config])
        #expect(result.status == 0)
        #expect(result.output.contains("  SUCCESS: 1 rule files found\n"))
    }
}
