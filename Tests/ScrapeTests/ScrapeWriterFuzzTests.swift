import Config
import Model
import PharosTestSupport
@testable import Scrape
import Testing
import TSDB

/// Random and mutated bodies, in every format, never trap the writer, and a good body after
/// them is written in full: a hostile target cannot break its loop.
@Suite struct ScrapeWriterFuzzTests {
    static func corpus() throws -> [[UInt8]] {
        [
            Array(ScrapeLoopTests.body.utf8),
            Array("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n# EOF\n".utf8),
            Array(try expositionFixture("node_exporter.prom").prefix(20_000)),
        ]
    }

    static let contentTypes = ["text/plain; version=0.0.4", "application/openmetrics-text; version=1.0.0",
                               "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"]

    @Test func mutatedBodiesNeverTrapAndTheLoopRecovers() throws {
        let config = try #require(try PrometheusConfig.parse(scrapeYAML(extra: "sample_limit: 5000")).scrapeConfigs.first)
        let head = Head()
        var writer = ScrapeWriter(options: try SampleOptions(config), targetLabels: Labels(["job": "fuzz", "instance": "x:1"]))
        var random = SeededGenerator(seed: 0x5C4A_9E)
        let corpus = try Self.corpus()
        var timestampMs: Int64 = 1_700_000_000_000
        var failures = 0
        for round in 0..<600 {
            var body = corpus[round % corpus.count]
            switch round % 4 {
            case 0 where !body.isEmpty:  // flip bytes
                for _ in 0..<Int.random(in: 1...8, using: &random) { body[Int.random(in: 0..<body.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random) }
            case 1:  // truncate
                body = Array(body.prefix(Int.random(in: 0...body.count, using: &random)))
            case 2:  // random bytes
                body = (0..<Int.random(in: 0...512, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:  // insert structural bytes
                for _ in 0..<4 { body.insert([UInt8(ascii: "{"), UInt8(ascii: "\""), UInt8(ascii: "\n"), 0, 0xFF].randomElement(using: &random) ?? 0, at: Int.random(in: 0...body.count, using: &random)) }
            }
            timestampMs += 1_000
            if !write(body, contentType: Self.contentTypes[round % 3], at: timestampMs, with: &writer, into: head) { failures += 1 }
        }
        #expect(failures > 0, "the mutations produced failures")
        timestampMs += 1_000
        #expect(write(corpus[0], contentType: Self.contentTypes[0], at: timestampMs, with: &writer, into: head))
    }

    /// One scrape as the loop performs it; whether it succeeded.
    private func write(_ body: [UInt8], contentType: String, at timestampMs: Int64, with writer: inout ScrapeWriter, into head: Head) -> Bool {
        var app = head.makeAppender()
        var counts = WriteCounts()
        var failure: ScrapeFailureReason?
        do throws(ScrapeError) {
            try writer.write(body: body, contentType: contentType, timestampMs: timestampMs, counts: &counts, into: &app)
        } catch {
            failure = ScrapeFailureReason(error)
            app.rollback()
            writer.abandon()
        }
        writer.finish(timestampMs: timestampMs, failure: failure, durationSeconds: 0, counts: counts, into: &app)
        _ = try? app.commitBatch()
        return failure == nil
    }
}
