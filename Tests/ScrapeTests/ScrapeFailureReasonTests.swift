import Config
import Exposition
import Model
import PharosTestSupport
@testable import Scrape
import Testing

/// `pharos_scrape_failure{reason}` beside `up`: each kind of failure, produced by a real target
/// on loopback, is written under its reason, and the series goes stale when the target recovers,
/// fails for another reason, or goes away.
@Suite(.timeLimit(.minutes(2))) struct ScrapeFailureReasonTests {
    /// The reasons whose series hold 1 in `batch`.
    private static func reasons(_ batch: RecordingSink.Batch) -> [String] {
        batch.samples.filter { $0.labels.metricName == ScrapeFailureSeries.name && $0.value == 1 }
            .compactMap { $0.labels[ScrapeFailureSeries.reasonLabel] }
    }

    /// Waits for a failed scrape of the target at `address` that wrote exactly `expected`
    /// (others may come first: on a loaded machine a scrape can time out). Throws when none
    /// comes within the guard time.
    private static func expectReason(_ expected: String, of address: String, in harness: ScrapeHarness) async throws {
        let batch = try await harness.batches(1) { $0.instance == address && reasons($0) == [expected] }[0]
        #expect(batch.up == 0)
    }

    static let bigBody = (0..<20).map { "m{i=\"\($0)\",long_label_name_here=\"\(String(repeating: "a", count: 55))\"} \($0)\n" }.joined()

    /// A failure an exporter produces: its answer and the job settings it breaks.
    struct ExporterFailure: Sendable, CustomTestStringConvertible {
        var reply: FakeExporter.Reply
        var extra = ""
        var expected: String
        var testDescription: String { extra.isEmpty ? expected : "\(expected) (\(extra))" }
    }

    @Test(arguments: [
        ExporterFailure(reply: .hang, expected: "timeout"),
        ExporterFailure(reply: .status(503, "Service Unavailable"), expected: "http_status"),
        ExporterFailure(reply: .body(bigBody), extra: "body_size_limit: 100B", expected: "body_limit"),
        ExporterFailure(reply: .body(bigBody), extra: "sample_limit: 10", expected: "sample_limit"),
        ExporterFailure(reply: .body(bigBody), extra: "label_limit: 3", expected: "label_limit"),
        ExporterFailure(reply: .body(bigBody), extra: "label_name_length_limit: 10", expected: "label_limit"),
        ExporterFailure(reply: .body(bigBody), extra: "label_value_length_limit: 40", expected: "label_limit"),
        ExporterFailure(reply: .body("this is { not metrics\n"), expected: "parse"),
        ExporterFailure(reply: .body("ok 1\n", contentType: "text/html"), expected: "parse"),
        ExporterFailure(reply: .truncated("ok 1\nsecond", declaredBytes: 1_000), expected: "other"),
        ExporterFailure(reply: .body("ok 1\n"), extra: "scheme: https", expected: "tls"),
    ])
    func exporterFailureHasItsReason(_ failure: ExporterFailure) async throws {
        try await withExporters([failure.reply], yaml: scrapeYAML(interval: "300ms", extra: failure.extra)) { harness, exporters in
            try await Self.expectReason(failure.expected, of: exporters[0].address, in: harness)
        }
    }

    /// Nothing listens on the port: `connection_refused`, at once.
    @Test func refusedConnection() async throws {
        let address = "127.0.0.1:\(try Daemon.freePort())"
        try await withExporters([], yaml: scrapeYAML(interval: "300ms")) { harness, _ in
            harness.discover("test", [address])
            try await Self.expectReason("connection_refused", of: address, in: harness)
        }
    }

    /// A host name that cannot resolve: `dns`. A label over 63 bytes cannot be put in a DNS
    /// query, so the resolver fails without sending anything off the machine.
    @Test func unresolvableHost() async throws {
        let address = String(repeating: "a", count: 70) + ".invalid:9100"
        try await withExporters([], yaml: scrapeYAML(interval: "300ms")) { harness, _ in
            harness.discover("test", [address])
            try await Self.expectReason("dns", of: address, in: harness)
        }
    }

    /// `target_limit` fails every target without scraping: `other`.
    @Test func targetLimitIsOther() async throws {
        try await withExporters([.body("ok 1\n"), .body("ok 1\n")], yaml: scrapeYAML(extra: "target_limit: 1")) { harness, exporters in
            try await Self.expectReason("other", of: exporters[0].address, in: harness)
        }
    }

    /// Every error maps onto the fixed set (and the mapping is total: a new `ScrapeError` case
    /// does not compile until it has a reason).
    @Test func everyScrapeErrorHasAReasonFromTheFixedSet() {
        let errors: [(ScrapeError, ScrapeFailureReason)] = [
            (.timedOut(url: "u"), .timeout),
            (.transport(url: "u", reason: "r", failure: .connectionRefused), .connectionRefused),
            (.transport(url: "u", reason: "r", failure: .dns), .dns),
            (.httpStatus(code: 500, reason: "x"), .httpStatus),
            (.bodySizeLimitExceeded(limitBytes: 1), .bodyLimit),
            (.sampleLimitExceeded(limit: 1), .sampleLimit),
            (.labelLimitExceeded(metric: "m", labels: 2, limit: 1), .labelLimit),
            (.malformed(.unsupportedContentType("text/html")), .parse),
            (.compressedBody(encoding: "gzip"), .other),
            (.missingMetricName, .other),
            (.storage("full"), .other),
        ]
        for (error, reason) in errors { #expect(ScrapeFailureReason(error) == reason, "\(error)") }
        #expect(ScrapeFailureReason.allCases.map(\.rawValue) == [
            "timeout", "connection_refused", "dns", "tls", "http_status", "body_limit", "sample_limit", "label_limit",
            "parse", "other",
        ])
    }

    /// 503, then a parse error, then success, then the target goes away: each change marks the
    /// previous reason's series stale at the scrape that ended it, so at most one reason is
    /// current and a healthy target has none.
    @Test func seriesGoStaleWhenTheReasonChangesTheTargetRecoversOrGoesAway() async throws {
        try await withExporters([.status(503, "Service Unavailable")], yaml: scrapeYAML(interval: "1s", timeout: "1s")) { harness, exporters in
            let exporter = exporters[0]
            let address = exporter.address
            _ = try await harness.batches(1) { $0.instance == address && Self.reasons($0) == ["http_status"] }
            exporter.reply(.body("this is { not metrics\n"))
            let parse = try await harness.batches(1) { $0.instance == address && Self.reasons($0) == ["parse"] }[0]
            #expect(parse.value(ScrapeFailureSeries.name, ["reason": "http_status"])?.isStaleMarker == true)
            exporter.reply(.body("ok 1\n"))
            let healthy = try await harness.successes(1, instance: address)[0]
            #expect(healthy.value(ScrapeFailureSeries.name, ["reason": "parse"])?.isStaleMarker == true)
            #expect(Self.reasons(healthy).isEmpty)
            let next = try await harness.successes(1, instance: address)[0]
            #expect(next.value(ScrapeFailureSeries.name) == nil, "nothing is written while the target stays healthy")

            exporter.reply(.status(500, "Internal Server Error"))
            _ = try await harness.batches(1) { $0.instance == address && Self.reasons($0) == ["http_status"] }
            harness.discover("test", [])
            let end = try await harness.batches(1) { batch in batch.samples.contains { $0.labels["instance"] == address && $0.value.isStaleMarker && $0.labels.metricName == "up" } }[0]
            #expect(end.value(ScrapeFailureSeries.name, ["reason": "http_status"])?.isStaleMarker == true)

            // In storage: each reason's run of 1s ends in a staleness marker.
            for (labels, samples) in try harness.sink.samples(ScrapeFailureSeries.name) {
                #expect(samples.last?.value.isStaleMarker == true, "\(labels)")
                #expect(samples.dropLast().allSatisfy { $0.value == 1 || $0.value.isStaleMarker }, "\(labels)")
            }
        }
    }

    /// A reload that changes the job hands the failing target to a new loop: the series goes
    /// on without a staleness marker while the reason stays, and goes stale when it recovers.
    @Test func reloadKeepsTheCurrentReason() async throws {
        try await withExporters([.status(503, "Service Unavailable")], yaml: scrapeYAML(interval: "1s", timeout: "1s")) { harness, exporters in
            let address = exporters[0].address
            _ = try await harness.batches(1) { $0.instance == address && Self.reasons($0) == ["http_status"] }
            try harness.manager.applyConfig(PrometheusConfig.parse(scrapeYAML(interval: "1s", timeout: "1s", extra: "sample_limit: 1000")))
            harness.discover("test", [address])
            let after = try await harness.batches(2) { $0.instance == address }
            #expect(after.allSatisfy { Self.reasons($0) == ["http_status"] && $0.value(ScrapeFailureSeries.name, ["reason": "http_status"]) == 1 })
            exporters[0].reply(.body("ok 1\n"))
            let healthy = try await harness.successes(1, instance: address)[0]
            #expect(healthy.value(ScrapeFailureSeries.name, ["reason": "http_status"])?.isStaleMarker == true)
        }
    }
}
