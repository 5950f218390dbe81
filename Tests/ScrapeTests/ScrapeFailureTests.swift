import Model
@testable import Scrape
import Testing

/// Limits and hostile targets: each fails the whole scrape (up 0, nothing of the body kept)
/// with a `lastError` that names the cause, while a healthy target beside it keeps scraping.
@Suite(.timeLimit(.minutes(2))) struct ScrapeFailureTests {
    static let healthyBody = "ok_metric 1\n"

    /// Scrapes `reply` beside a healthy exporter and returns the failing target's first
    /// complete failed batch and its status.
    private func failedScrape(
        _ reply: FakeExporter.Reply, extra: String = "", interval: String = "300ms", timeout: String = "200ms"
    ) async throws -> (batch: RecordingSink.Batch, status: TargetStatus) {
        let bad = try await FakeExporter(reply)
        let good = try await FakeExporter(.body(Self.healthyBody))
        let harness = try ScrapeHarness(yaml: scrapeYAML(interval: interval, timeout: timeout, extra: extra))
        harness.discover("test", [bad.address, good.address])
        let batch = try await harness.batches(2, instance: bad.address)[1]
        let healthy = try await harness.batches(2, instance: good.address)
        #expect(healthy.allSatisfy { $0.up == 1 && $0.value("ok_metric") == 1 })
        let status = try #require(harness.manager.activeTargets().first { $0.labels["instance"] == bad.address })
        try await harness.shutdown()
        try await bad.stop()
        try await good.stop()
        return (batch, status)
    }

    private func expectFailed(_ result: (batch: RecordingSink.Batch, status: TargetStatus), error: String) {
        #expect(result.batch.up == 0)
        #expect(result.batch.samples.allSatisfy { $0.labels.metricName?.hasPrefix("scrape_") == true || $0.labels.metricName == "up" || $0.value.isStaleMarker })
        #expect(result.status.health == .down)
        #expect(result.status.lastError == error)
    }

    static let longValue = String(repeating: "a", count: 55)
    static let bigBody = (0..<20).map { "m{i=\"\($0)\",long_label_name_here=\"\(longValue)\"} \($0)\n" }.joined()

    @Test func sampleLimit() async throws {
        let result = try await failedScrape(.body(Self.bigBody), extra: "sample_limit: 10")
        expectFailed(result, error: "sample limit exceeded")
        #expect(result.batch.value("scrape_samples_scraped") == 20)
    }

    @Test func labelLimit() async throws {
        expectFailed(try await failedScrape(.body(Self.bigBody), extra: "label_limit: 3"),
                     error: "label_limit exceeded (metric: m, number of labels: 5, limit: 3)")
    }

    @Test func labelNameLengthLimit() async throws {
        expectFailed(try await failedScrape(.body(Self.bigBody), extra: "label_name_length_limit: 10"),
                     error: "label_name_length_limit exceeded (metric: m, label name: long_label_name_here, length: 20, limit: 10)")
    }

    @Test func labelValueLengthLimit() async throws {
        expectFailed(try await failedScrape(.body(Self.bigBody), extra: "label_value_length_limit: 40"),
                     error: "label_value_length_limit exceeded (metric: m, label name: long_label_name_here, value: \"\(Self.longValue.prefix(50))\", length: 55, limit: 40)")
    }

    @Test func bodySizeLimit() async throws {
        expectFailed(try await failedScrape(.body(Self.bigBody), extra: "body_size_limit: 100B"), error: "body size limit exceeded")
    }

    @Test func targetLimit() async throws {
        let bad = try await FakeExporter(.body(Self.healthyBody))
        let other = try await FakeExporter(.body(Self.healthyBody))
        let harness = try ScrapeHarness(yaml: scrapeYAML(extra: "target_limit: 1"))
        harness.discover("test", [bad.address, other.address])
        let batches = try await harness.batches(2, instance: bad.address)
        #expect(batches.allSatisfy { $0.up == 0 })
        let statuses = harness.manager.activeTargets()
        #expect(statuses.count == 2)
        #expect(statuses.allSatisfy { $0.lastError == "target_limit exceeded (number of targets: 2, limit: 1)" || $0.lastScrapeMs == nil })
        #expect(bad.requests.isEmpty && other.requests.isEmpty, "over the target limit nothing is scraped")
        try await harness.shutdown()
        try await bad.stop()
        try await other.stop()
    }

    @Test func garbageBody() async throws {
        let result = try await failedScrape(.body("this is { not metrics\n"))
        #expect(result.batch.up == 0 && result.status.health == .down)
        #expect(result.status.lastError.hasPrefix("1:"), "the parse error has a position: \(result.status.lastError)")
    }

    @Test func targetThatNeverAnswersTimesOut() async throws {
        let result = try await failedScrape(.hang)
        #expect(result.batch.up == 0)
        #expect(result.status.lastError.hasSuffix("/metrics\": context deadline exceeded"))
        #expect((result.batch.value("scrape_duration_seconds") ?? 0) >= 0.19)
    }

    @Test func targetThatClosesMidBody() async throws {
        let result = try await failedScrape(.truncated("ok_metric 1\nsecond", declaredBytes: 1_000))
        #expect(result.batch.up == 0 && result.batch.value("ok_metric") == nil)
        #expect(result.status.lastError.hasPrefix("Get \"http://"))
    }

    @Test func errorStatus() async throws {
        expectFailed(try await failedScrape(.status(503, "Service Unavailable")), error: "server returned HTTP status 503 Service Unavailable")
    }

    @Test func wrongContentType() async throws {
        expectFailed(try await failedScrape(.body(Self.healthyBody, contentType: "text/html")),
                     error: "received unsupported Content-Type \"text/html\" and no fallback_scrape_protocol specified for target")
    }

    @Test func fallbackProtocolParsesAnUntypedBody() async throws {
        let exporter = try await FakeExporter(.untyped(Self.healthyBody))
        let harness = try ScrapeHarness(yaml: scrapeYAML(extra: "fallback_scrape_protocol: PrometheusText0.0.4"))
        harness.discover("test", [exporter.address])
        let batch = try await harness.batches(1, instance: exporter.address)[0]
        #expect(batch.up == 1 && batch.value("ok_metric") == 1)
        try await harness.shutdown()
        try await exporter.stop()
    }

    /// A second sample of a series at the same timestamp is skipped and counted, the rest of the
    /// scrape kept, as upstream (`checkAddError`): the target stays up.
    @Test func duplicateSeriesKeepsTheFirstSample() async throws {
        let exporter = try await FakeExporter(.body("dup 1\ndup 2\nother 3\n"))
        let harness = try ScrapeHarness(yaml: scrapeYAML())
        harness.discover("test", [exporter.address])
        let batch = try await harness.batches(1, instance: exporter.address)[0]
        #expect(batch.up == 1 && batch.value("dup") == 1 && batch.value("other") == 3)
        #expect(batch.samples.filter { $0.labels.metricName == "dup" }.count == 1)
        try await harness.shutdown()
        try await exporter.stop()
    }

    /// A failed scrape marks every series of the last good one stale.
    @Test func failureAfterSuccessMarksSeriesStale() async throws {
        let exporter = try await FakeExporter(.body("a 1\nb 2\n"))
        let harness = try ScrapeHarness(yaml: scrapeYAML())
        harness.discover("test", [exporter.address])
        _ = try await harness.batches(1, instance: exporter.address)
        exporter.reply(.status(500, "Internal Server Error"))
        let failed = try await harness.batches(1) { $0.instance == exporter.address && $0.up == 0 }[0]
        #expect(failed.value("a")?.isStaleMarker == true && failed.value("b")?.isStaleMarker == true)
        try await harness.shutdown()
        try await exporter.stop()
    }
}
