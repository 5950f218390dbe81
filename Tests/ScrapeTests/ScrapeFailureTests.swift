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
        _ reply: FakeExporter.Reply, extra: String = "", interval: String = "1s", timeout: String = "900ms"
    ) async throws -> (batch: RecordingSink.Batch, status: TargetStatus) {
        let yaml = scrapeYAML(interval: interval, timeout: timeout, extra: extra)
        return try await withExporters([reply, .body(Self.healthyBody)], yaml: yaml) { harness, exporters in
            let (bad, good) = (exporters[0], exporters[1])
            let batch = try await harness.batches(2, instance: bad.address)[1]
            let healthy = try await harness.successes(2, instance: good.address)
            #expect(healthy.allSatisfy { $0.value("ok_metric") == 1 })
            let status = try #require(harness.manager.activeTargets().first { $0.labels["instance"] == bad.address })
            return (batch, status)
        }
    }

    private func expectFailed(_ result: (batch: RecordingSink.Batch, status: TargetStatus), error: String) {
        #expect(result.batch.up == 0)
        let synthetic: Set = ["up", "pharos_scrape_failure"]
        #expect(result.batch.samples.allSatisfy {
            $0.labels.metricName?.hasPrefix("scrape_") == true || synthetic.contains($0.labels.metricName ?? "") || $0.value.isStaleMarker
        })
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
        try await withExporters([.body(Self.healthyBody), .body(Self.healthyBody)], yaml: scrapeYAML(extra: "target_limit: 1")) { harness, exporters in
            let (bad, other) = (exporters[0], exporters[1])
            let batches = try await harness.batches(2, instance: bad.address)
            #expect(batches.allSatisfy { $0.up == 0 })
            let statuses = harness.manager.activeTargets()
            #expect(statuses.count == 2)
            #expect(statuses.allSatisfy { $0.lastError == "target_limit exceeded (number of targets: 2, limit: 1)" || $0.lastScrapeMs == nil })
            #expect(bad.requests.isEmpty && other.requests.isEmpty, "over the target limit nothing is scraped")
        }
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

    @Test func relabelingAwayTheMetricName() async throws {
        let extra = """
            metric_relabel_configs:
              - action: labeldrop
                regex: __name__
            """
        try await withExporters([.body(Self.healthyBody)], yaml: scrapeYAML(interval: "1s", timeout: "1s", extra: extra)) { harness, exporters in
            let batch = try await harness.batches(1, instance: exporters[0].address)[0]
            #expect(batch.up == 0 && batch.value("ok_metric") == nil)
            #expect(harness.manager.activeTargets().first?.lastError == "missing metric name (__name__ label)")
        }
    }

    @Test func missingContentType() async throws {
        expectFailed(try await failedScrape(.untyped(Self.healthyBody)),
                     error: "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target")
    }

    @Test func fallbackProtocolParsesAnUntypedBody() async throws {
        try await withExporters([.untyped(Self.healthyBody)], yaml: scrapeYAML(extra: "fallback_scrape_protocol: PrometheusText0.0.4")) { harness, exporters in
            let batch = try await harness.successes(1, instance: exporters[0].address)[0]
            #expect(batch.value("ok_metric") == 1)
        }
    }

    /// A second sample of a series at the same timestamp is skipped and counted, the rest of the
    /// scrape kept, as upstream (`checkAddError`): the target stays up.
    @Test func duplicateSeriesKeepsTheFirstSample() async throws {
        try await withExporters([.body("dup 1\ndup 2\nother 3\n")]) { harness, exporters in
            let batch = try await harness.successes(1, instance: exporters[0].address)[0]
            #expect(batch.value("dup") == 1 && batch.value("other") == 3)
            #expect(batch.samples.filter { $0.labels.metricName == "dup" }.count == 1)
        }
    }

    /// A failed scrape marks every series of the last good one stale.
    @Test func failureAfterSuccessMarksSeriesStale() async throws {
        try await withExporters([.body("a 1\nb 2\n")]) { harness, exporters in
            let exporter = exporters[0]
            _ = try await harness.successes(1, instance: exporter.address)
            exporter.reply(.status(500, "Internal Server Error"))
            let failed = try await harness.batches(1) { $0.instance == exporter.address && $0.up == 0 }[0]
            #expect(failed.value("a")?.isStaleMarker == true && failed.value("b")?.isStaleMarker == true)
        }
    }
}
