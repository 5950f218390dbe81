import Benchmark
import Exposition
import Foundation
import Model

/// Parse throughput of both text parsers on a real node_exporter page and the synthetic page,
/// label-set building and hashing, and the regex matcher's fast paths. Run with
/// `PHAROS_BENCHMARKS=1 swift package benchmark` (see docs/benchmarks.md).
let benchmarks: @Sendable () -> Void = {
    let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/ExpositionTests/Fixtures")
    func load(_ name: String) -> [UInt8] {
        (try? Array(Data(contentsOf: fixtures.appendingPathComponent(name)))) ?? []
    }
    let nodeExporter = load("node_exporter.prom")
    let syntheticText = load("synthetic.prom")
    let syntheticOpenMetrics = load("synthetic.om")
    // The node_exporter page as OpenMetrics, through our writer (client_golang's page breaks
    // family rules in OpenMetrics terms, so it is read without family validation).
    var nodeExporterOpenMetrics: [UInt8] = []
    var reader = PrometheusTextParser(nodeExporter)
    if let families = try? MetricFamily.collect(from: &reader) {
        ExpositionWriter.write(families, format: .openMetrics, into: &nodeExporterOpenMetrics)
    }

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions],
        maxDuration: .seconds(3), maxIterations: 100_000)

    /// Entries only: the parser's own cost (what a scrape pays for a cached series).
    func scan(_ parser: inout some MetricsParser) -> Double {
        var sum = 0.0
        while let entry = try? parser.next() {
            if entry == .series { sum += parser.value }
        }
        return sum
    }

    /// Entries and a `Labels` set per sample (what a scrape pays for a new series).
    func scanWithLabels(_ parser: inout some MetricsParser) -> UInt64 {
        var builder = LabelsBuilder()
        var hash: UInt64 = 0
        while let entry = try? parser.next() {
            if entry == .series {
                parser.labels(into: &builder)
                hash ^= builder.labels().hash
            }
        }
        return hash
    }

    for (name, body) in [("node_exporter", nodeExporter), ("synthetic", syntheticText)] {
        Benchmark("TextParser/\(name)/scan (\(body.count) bytes)") { benchmark in
            for _ in benchmark.scaledIterations {
                var parser = PrometheusTextParser(body)
                blackHole(scan(&parser))
            }
        }
        Benchmark("TextParser/\(name)/labels (\(body.count) bytes)") { benchmark in
            for _ in benchmark.scaledIterations {
                var parser = PrometheusTextParser(body)
                blackHole(scanWithLabels(&parser))
            }
        }
    }
    for (name, body, validates) in [("node_exporter", nodeExporterOpenMetrics, false), ("synthetic", syntheticOpenMetrics, true)] {
        Benchmark("OpenMetricsParser/\(name)/scan (\(body.count) bytes)") { benchmark in
            for _ in benchmark.scaledIterations {
                var parser = OpenMetricsParser(body, validatesFamilies: validates)
                blackHole(scan(&parser))
            }
        }
        Benchmark("OpenMetricsParser/\(name)/labels (\(body.count) bytes)") { benchmark in
            for _ in benchmark.scaledIterations {
                var parser = OpenMetricsParser(body, validatesFamilies: validates)
                blackHole(scanWithLabels(&parser))
            }
        }
    }

    Benchmark("Labels/build+hash (6 labels)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var builder = LabelsBuilder()
        for i in benchmark.scaledIterations {
            builder.reset()
            builder.set("__name__", "http_request_duration_seconds_bucket")
            builder.set("job", "api")
            builder.set("instance", "10.0.0.1:9090")
            builder.set("handler", "/api/v1/query")
            builder.set("method", "GET")
            builder.set("le", i & 1 == 0 ? "0.25" : "+Inf")
            blackHole(builder.labels().hash)
        }
    }

    let values = (0..<1_000).map { "/api/v\($0 % 3)/query\($0 % 17 == 0 ? "_range" : "")" }
    for pattern in [".*", ".+", "/api/v1/query", "/api/v1/query|/api/v2/query|/metrics", "/api/v[12]/query.*"] {
        Benchmark("FastRegexMatcher/\(pattern) (1000 values)") { benchmark in
            guard let matcher = try? FastRegexMatcher(pattern) else { return }
            for _ in benchmark.scaledIterations {
                var count = 0
                for value in values where matcher.matches(value) { count += 1 }
                blackHole(count)
            }
        }
    }

    // What the WAL, chunk files and index checksum: one 32 KiB WAL page.
    let page = (0..<32 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 131) }
    Benchmark("CRC32C/32 KiB") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(CRC32C.checksum(page)) }
    }
}
