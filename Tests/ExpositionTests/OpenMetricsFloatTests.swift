import Testing

@testable import Exposition

@Suite struct OpenMetricsFloatTests {
    /// `le`/`quantile` values as Prometheus's `labels.FormatOpenMetricsFloat` writes them.
    @Test(arguments: [
        (1.0, "1.0"), (0.0, "0.0"), (-0.0, "0.0"), (-1.0, "-1.0"), (0.25, "0.25"), (100_000.0, "100000.0"),
        (1e6, "1e+06"), (2.5e-5, "2.5e-05"), (0.0001, "0.0001"), (.infinity, "+Inf"), (-.infinity, "-Inf"),
        (.nan, "NaN"), (123_456.789, "123456.789"),
    ])
    func formatsAsPrometheus(value: Double, expected: String) {
        #expect(value.openMetricsLabelValue == expected)
    }
}
