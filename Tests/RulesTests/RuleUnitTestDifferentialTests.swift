import Foundation
import PharosTestSupport
import Testing

/// The built `pharos` and Debian's promtool 2.42, when both are there.
private let ruleTestTools: (pharos: String, promtool: String)? = {
    let promtool = "/usr/bin/promtool"
    guard FileManager.default.isExecutableFile(atPath: promtool), let pharos = TestBinaries.built("pharos") else { return nil }
    return (pharos, promtool)
}()

/// `pharos test rules` against the real `promtool test rules` 2.42 on the committed files of
/// `Fixtures/rule-unit-tests`: the same output and exit status for the files in `pass/` (both
/// pass) and `fail/` (both fail with the same failure report, got/exp included); for the files in
/// `differ/`, where Pharos follows Prometheus 3 on purpose (`DIFFERENCES.md`), Pharos passes and
/// promtool fails.
@Suite(.enabled(if: ruleTestTools != nil, "needs promtool (apt-get install prometheus) and a built pharos"))
struct RuleUnitTestDifferentialTests {
    static var tools: (pharos: String, promtool: String)? { ruleTestTools }
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/rule-unit-tests")

    static func files(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(folder).path)) ?? []
        return names.filter { $0.hasSuffix(".yml") }.sorted().map { "\(folder)/\($0)" }
    }

    struct Outcome: Equatable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool test rules FILE` in the fixtures directory (so both print the same paths).
    static func testRules(_ tool: String, _ file: String) throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-ruletest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["test", "rules", file]
        process.currentDirectoryURL = fixtures
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("\(tool) test rules \(file) did not finish within 60 s")
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8))
    }

    @Test(arguments: files(in: "pass") + files(in: "fail"))
    func sameVerdictAndReport(file: String) throws {
        let tools = try #require(Self.tools)
        let theirs = try Self.testRules(tools.promtool, file)
        let ours = try Self.testRules(tools.pharos, file)
        #expect(theirs.status == (file.hasPrefix("pass/") ? 0 : 1), "promtool: \(theirs.stderr)")
        #expect(ours.status == theirs.status)
        #expect(ours.stdout == theirs.stdout)
        #expect(ours.stderr == theirs.stderr)
    }

    @Test(arguments: files(in: "differ"))
    func intendedDifferencePassesOnlyInPharos(file: String) throws {
        let tools = try #require(Self.tools)
        let listed = try String(contentsOf: Self.fixtures.appendingPathComponent("DIFFERENCES.md"), encoding: .utf8)
        #expect(listed.contains("`\(file)`"), "every intended difference is listed with its reason")
        let ours = try Self.testRules(tools.pharos, file)
        #expect(ours.status == 0, "pharos: \(ours.stderr)")
        #expect(try Self.testRules(tools.promtool, file).status == 1)
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files(in: "pass").count >= 2)
        #expect(Self.files(in: "fail").count >= 5)
        #expect(Self.files(in: "differ").count >= 4)
    }
}
