import Exposition
import Foundation
import Testing

/// Differential test against the reference: `promtool check metrics` (Prometheus 2.42,
/// client_golang's text parser) and `PrometheusTextParser(isStrict: true)` must give the same
/// verdict on every input of the OpenMetrics suite read as text 0.0.4.
@Suite(.enabled(if: Subprocess.promtool != nil, "needs promtool (Debian package prometheus)"))
struct PromtoolAgreementTests {
    @Test(arguments: TestData.openMetricsCases)
    func strictTextVerdictMatchesPromtool(caseName: String) throws {
        let promtool = try #require(Subprocess.promtool)
        let suite = try #require(TestData.openMetricsSuite)
        let input = suite.appendingPathComponent(caseName).appendingPathComponent("metrics")
        let result = try Subprocess.run(promtool, ["check", "metrics"], input: input)
        // promtool exits 1 on a parse error and 3 on lint findings (which we do not check).
        let promtoolAccepts = result.status != 1
        var parser = PrometheusTextParser(try TestData.openMetricsCase(caseName).input, isStrict: true)
        var error: ExpositionError?
        do {
            while try parser.next() != nil {}
        } catch let thrown {
            error = thrown
        }
        #expect(promtoolAccepts == (error == nil), "promtool: \(result.standardError) pharos: \(error.map { "\($0)" } ?? "ok")")
    }

    /// Text-format corners the OpenMetrics suite does not reach.
    @Test(arguments: [
        "a 1\na 2\n", "a 1 -5\n", "a{} 1\n", "a{b=\"1\",} 1\n", " a 1\n", "a\t1\n", "a 1\t\n", "a{b=\"1\"}1\n",
        "a{b = \"1\"} 1\n", "#TYPE a gauge\na 1\n", "# TYPE a gauge\n# HELP a x\na 1\n",
        "# TYPE a histogram\na_bucket 1\n", "# TYPE a histogram\na_bucket{le=\"x\"} 1\n",
        "# TYPE a summary\na{quantile=\"0.5\"} x\n", "a 1e3\n", "a -inf\n", "a nan\n", "a Infinity\n", "a 1_000\n",
        "a 0x10\n", "\n\n", "# just a comment", "a{b=\"\\xff\"} 1\n", "a 1 9223372036854775808\n",
        "a 1 -9223372036854775808\n", "a{__name__=\"b\"} 1\n", "a{b=\"c\"} 1\nb 2\na{b=\"d\"} 3\n",
        "# TYPE a gauge\n# TYPE b gauge\n# TYPE a gauge\n", "# HELP a \\\\ and \\n\na 1\n", "a{b=\"\\\"\"} 1\n",
        "a{b=\"é\"} 1\n", "# TYPE a gauge\n# HELP a x\n# HELP a y\n",
    ])
    func strictTextVerdictMatchesPromtoolOnTextCorners(text: String) throws {
        let promtool = try #require(Subprocess.promtool)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-promtool-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("metrics.prom")
        try Data(text.utf8).write(to: input)
        let result = try Subprocess.run(promtool, ["check", "metrics"], input: input)
        var parser = PrometheusTextParser(Array(text.utf8), isStrict: true)
        var error: ExpositionError?
        do {
            while try parser.next() != nil {}
        } catch let thrown {
            error = thrown
        }
        #expect((result.status != 1) == (error == nil), "promtool: \(result.standardError) pharos: \(error.map { "\($0)" } ?? "ok")")
    }
}
