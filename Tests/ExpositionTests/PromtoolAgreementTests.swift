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
}
