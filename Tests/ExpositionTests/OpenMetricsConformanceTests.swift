import Exposition
import Foundation
import Model
import Testing

/// Every case of the upstream OpenMetrics parser suite (`shared/conformance/openmetrics`):
/// the verdict must match `shouldParse`; valid cases must also yield the samples an
/// independent reader finds, and survive a write → parse round trip in both text formats.
@Suite struct OpenMetricsConformanceTests {
    @Test func suiteIsPresentAndComplete() {
        #expect(TestData.openMetricsSuite != nil, "shared/conformance/openmetrics not found above \(TestData.packageRoot.path)")
        #expect(TestData.openMetricsCases.count == 211)
    }

    @Test(arguments: TestData.openMetricsCases)
    func verdictMatches(caseName: String) throws {
        let testCase = try TestData.openMetricsCase(caseName)
        #expect(testCase.type == "text")
        var parser = OpenMetricsParser(testCase.input)
        if testCase.shouldParse {
            let families = try MetricFamily.collect(from: &parser)
            try checkContent(testCase, families)
            try checkRoundTrip(families)
        } else {
            #expect(throws: ExpositionError.self, "\(caseName) must be refused") {
                _ = try MetricFamily.collect(from: &parser)
            }
        }
    }

    /// The parser's samples equal those of the naive reference reader.
    private func checkContent(_ testCase: TestData.OpenMetricsCase, _ families: [MetricFamily]) throws {
        let expected = ReferenceReader.samples(String(decoding: testCase.input, as: UTF8.self))
        let actual = families.flatMap(\.samples).map(Self.reference)
        #expect(actual == expected, "\(testCase.name)")
    }

    /// Writing the families and parsing them again gives the same families.
    private func checkRoundTrip(_ families: [MetricFamily]) throws {
        var openMetrics: [UInt8] = []
        ExpositionWriter.write(families, format: .openMetrics, into: &openMetrics)
        var parser = OpenMetricsParser(openMetrics)
        let reparsed = try MetricFamily.collect(from: &parser)
        #expect(reparsed == families, "\(String(decoding: openMetrics, as: UTF8.self))")

        var text: [UInt8] = []
        ExpositionWriter.write(families, format: .text, into: &text)
        var textParser = PrometheusTextParser(text)
        let textSamples = try MetricFamily.collect(from: &textParser).flatMap(\.samples)
        let withoutExemplars = families.flatMap(\.samples).map { sample in
            MetricSample(labels: sample.labels, value: sample.value, timestampMs: sample.timestampMs)
        }
        #expect(textSamples == withoutExemplars, "\(String(decoding: text, as: UTF8.self))")
    }

    static func reference(_ sample: MetricSample) -> ReferenceSample {
        var result = ReferenceSample(
            labels: Dictionary(uniqueKeysWithValues: sample.labels.map { ($0.name, $0.value) }),
            value: sample.value, timestampMs: sample.timestampMs)
        if let exemplar = sample.exemplar {
            result.exemplarLabels = Dictionary(uniqueKeysWithValues: exemplar.labels.map { ($0.name, $0.value) })
            result.exemplarValue = exemplar.value.value
            result.exemplarTimestampMs = exemplar.value.timestampMs
        }
        return result
    }
}
