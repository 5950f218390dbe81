import Foundation
import Testing

/// `pharos check metrics` as a user runs it: the built binary, an exposition on stdin, the
/// exit status and `line:column: message` on stderr (promtool's contract).
@Suite struct CheckMetricsCommandTests {
    static let cases = [
        "simple_counter", "histogram_exemplars", "escaping", "no_newline_after_eof", "roundtrip",
        "bad_no_eof", "bad_text_after_eof_1", "bad_value_4", "bad_histograms_10", "bad_exemplars_6",
        "bad_clashing_names_2", "bad_invalid_labels_2",
    ]

    @Test(arguments: cases)
    func openMetricsVerdictAndMessage(caseName: String) throws {
        let pharos = try #require(Subprocess.pharos, "build pharos first: swift build --build-tests")
        let suite = try #require(TestData.openMetricsSuite)
        let testCase = try TestData.openMetricsCase(caseName)
        let input = suite.appendingPathComponent(caseName).appendingPathComponent("metrics")
        let result = try Subprocess.run(pharos, ["check", "metrics", "--format=openmetrics"], input: input)
        if testCase.shouldParse {
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardError.isEmpty)
        } else {
            #expect(result.status == 1)
            #expect(result.standardError.wholeMatch(of: /\d+:\d+: .+\n/) != nil, "\(result.standardError)")
        }
    }

    @Test func textFormatIsTheDefaultAndReportsThePosition() throws {
        let pharos = try #require(Subprocess.pharos, "build pharos first: swift build --build-tests")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-check-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let good = directory.appendingPathComponent("good.prom")
        try Data("# HELP up Whether the target is up.\n# TYPE up gauge\nup{job=\"node\"} 1 1700000000000\n".utf8).write(to: good)
        let accepted = try Subprocess.run(pharos, ["check", "metrics"], input: good)
        #expect(accepted.status == 0)

        let bad = directory.appendingPathComponent("bad.prom")
        try Data("up 1\nup{job=\"node\" 1\n".utf8).write(to: bad)
        let refused = try Subprocess.run(pharos, ["check", "metrics"], input: bad)
        #expect(refused.status == 1)
        #expect(refused.standardError == "2:15: unexpected \"1\", expected \",\" or \"}\"\n")
    }
}
