import Exposition
import Model
import Testing

/// Real and synthetic pages: a node_exporter scrape (captured from Debian's
/// `prometheus-node-exporter`) and `scripts/generate-synthetic-metrics`' page with every type.
@Suite struct FixtureTests {
    /// Lines that are neither blank nor comments: one per sample.
    static func sampleLineCount(_ bytes: [UInt8]) -> Int {
        bytes.split(separator: UInt8(ascii: "\n")).filter { $0.first != UInt8(ascii: "#") }.count
    }

    @Test func parsesNodeExporterPage() throws {
        let bytes = try TestData.fixture("node_exporter.prom")
        var parser = PrometheusTextParser(bytes, isStrict: true)
        let families = try MetricFamily.collect(from: &parser)
        let samples = families.flatMap(\.samples)
        #expect(samples.count == Self.sampleLineCount(bytes))
        #expect(samples.count > 400)
        // Every family the page declares is typed and has help, as node_exporter writes them.
        let declared = families.filter { $0.help != nil }
        #expect(declared.count == bytes.split(separator: UInt8(ascii: "\n")).filter { $0.starts(with: Array("# TYPE ".utf8)) }.count)
        let uname = try #require(samples.first { $0.labels.metricName == "node_uname_info" })
        #expect(uname.labels["sysname"] == "Linux")
        #expect(uname.value == 1)
        let cpu = try #require(families.first { $0.name == "node_cpu_seconds_total" })
        #expect(cpu.type == .counter)
        #expect(cpu.samples.allSatisfy { $0.labels["cpu"] != nil && $0.labels["mode"] != nil && $0.value >= 0 })
        let gc = try #require(families.first { $0.name == "go_gc_duration_seconds" })
        #expect(gc.type == .summary)
        #expect(gc.samples.contains { $0.labels["quantile"] == "0.5" })
    }

    @Test func nodeExporterPageRoundTripsThroughBothWriters() throws {
        var parser = PrometheusTextParser(try TestData.fixture("node_exporter.prom"))
        let families = try MetricFamily.collect(from: &parser)
        var text: [UInt8] = []
        ExpositionWriter.write(families, format: .text, into: &text)
        var textParser = PrometheusTextParser(text, isStrict: true)
        #expect(try MetricFamily.collect(from: &textParser) == families)

        var openMetrics: [UInt8] = []
        ExpositionWriter.write(families, format: .openMetrics, into: &openMetrics)
        // client_golang's page has a gauge and a counter both called go_memstats_alloc_bytes in
        // OpenMetrics terms, which the specification forbids: read it as Prometheus scrapes it.
        var strictParser = OpenMetricsParser(openMetrics)
        #expect(throws: ExpositionError.self) { try MetricFamily.collect(from: &strictParser) }
        var openMetricsParser = OpenMetricsParser(openMetrics, validatesFamilies: false)
        let reparsed = try MetricFamily.collect(from: &openMetricsParser)
        #expect(reparsed.flatMap(\.samples) == families.flatMap(\.samples))
    }

    @Test func syntheticPagesAgreeAcrossFormats() throws {
        let textBytes = try TestData.fixture("synthetic.prom")
        let openMetricsBytes = try TestData.fixture("synthetic.om")
        var textParser = PrometheusTextParser(textBytes, isStrict: true)
        let textFamilies = try MetricFamily.collect(from: &textParser)
        var openMetricsParser = OpenMetricsParser(openMetricsBytes)
        let openMetricsFamilies = try MetricFamily.collect(from: &openMetricsParser)
        #expect(textFamilies.flatMap(\.samples).count == Self.sampleLineCount(textBytes))
        #expect(openMetricsFamilies.flatMap(\.samples).count == Self.sampleLineCount(openMetricsBytes) - 0)
        #expect(Set(openMetricsFamilies.map(\.type)) == Set(MetricType.allCases))

        // The text page is the OpenMetrics page without _created, exemplars and OM-only types.
        let textSamples = textFamilies.flatMap(\.samples)
        let comparable = openMetricsFamilies
            .filter { [.counter, .gauge, .histogram, .summary, .unknown].contains($0.type) }
            .flatMap(\.samples)
            .filter { !($0.labels.metricName ?? "").hasSuffix("_created") }
            .map { MetricSample(labels: $0.labels, value: $0.value, timestampMs: $0.timestampMs) }
        #expect(textSamples == comparable)
        let exemplars = openMetricsFamilies.flatMap(\.samples).compactMap(\.exemplar)
        #expect(exemplars.count == 20 + 20)
        #expect(exemplars.allSatisfy { $0.labels["trace_id"]?.utf8.count == 16 })
    }
}
