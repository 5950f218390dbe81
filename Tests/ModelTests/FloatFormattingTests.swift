import Testing

@testable import Model

/// Go's `strconv.FormatFloat` forms Prometheus uses: `'g'` for sample values in expositions,
/// `'f'` (shortest digits, never an exponent) for the PromQL printer, client_golang's times and
/// header values such as `X-Prometheus-Scrape-Timeout-Seconds`.
@Suite struct FloatFormattingTests {
    @Test(arguments: [
        (1.0, "1"), (-0.5, "-0.5"), (1e21, "1000000000000000000000"), (1e-7, "0.0000001"),
        (123456789.125, "123456789.125"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
        (-0.0, "-0"), (0.0, "0"), (10.0, "10"), (0.25, "0.25"), (1.5e-5, "0.000015"), (1700000000.123, "1700000000.123"),
    ])
    func goFixed(value: Double, expected: String) {
        #expect(FloatFormatting.goFixed(value) == expected)
    }

    @Test(arguments: [
        (1.0, "1"), (1e-5, "1e-05"), (123456.0, "123456"), (1234567.0, "1.234567e+06"), (2478268416.0, "2.478268416e+09"),
        (0.0001, "0.0001"), (Double.nan, "NaN"), (-Double.infinity, "-Inf"),
    ])
    func goShortestG(value: Double, expected: String) {
        var out: [UInt8] = []
        FloatFormatting.append(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }
}
