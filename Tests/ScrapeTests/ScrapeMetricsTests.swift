import CoreMetrics
@testable import Scrape
import Synchronization
import Testing

/// The self-metrics reach the swift-metrics backend under Prometheus's names.
@Suite(.timeLimit(.minutes(1))) struct ScrapeMetricsTests {
    @Test func countsLimitBreachesTargetsAndIntervals() async throws {
        let metrics = RecordingMetrics.bootstrapped
        let yaml = scrapeYAML(job: "self_metrics", extra: "sample_limit: 1")
        let harness = try ScrapeHarness(yaml: yaml)
        let exporter = try await FakeExporter(.body("a 1\nb 2\n"))
        harness.discover("self_metrics", [exporter.address])
        let batches = try await harness.batches(3, instance: exporter.address)
        try await harness.shutdown()
        try await exporter.stop()
        #expect(batches.allSatisfy { $0.up == 0 })
        #expect(metrics.total("prometheus_target_scrapes_exceeded_sample_limit_total") >= 3)
        #expect(metrics.total("prometheus_target_scrape_pools_total") >= 1)
        #expect(metrics.values("prometheus_target_scrape_pool_targets", [("scrape_job", "self_metrics")]).contains(1))
        #expect(!metrics.values("prometheus_target_sync_length_seconds", [("scrape_job", "self_metrics")]).isEmpty)
        let intervals = metrics.values("prometheus_target_interval_length_seconds", [("interval", "200ms")])
        #expect(intervals.count >= 2 && intervals.allSatisfy { $0 > 0 })
    }
}

/// A swift-metrics backend that keeps every value, bootstrapped once for the test process
/// (swift-metrics allows one bootstrap).
final class RecordingMetrics: MetricsFactory, Sendable {
    static let bootstrapped: RecordingMetrics = {
        let metrics = RecordingMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()

    private let recorded = Mutex<[String: [Double]]>([:])

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + dimensions.map { "|\($0.0)=\($0.1)" }.sorted().joined()
    }

    /// Every value recorded for the metric (increments for counters).
    func values(_ label: String, _ dimensions: [(String, String)] = []) -> [Double] {
        recorded.withLock { $0[Self.key(label, dimensions)] ?? [] }
    }

    /// The sum of the values (a counter's total).
    func total(_ label: String, _ dimensions: [(String, String)] = []) -> Double {
        values(label, dimensions).reduce(0, +)
    }

    fileprivate func record(_ key: String, _ value: Double) {
        recorded.withLock { $0[key, default: []].append(value) }
    }

    private final class Handler: CounterHandler, RecorderHandler, TimerHandler, Sendable {
        let key: String
        let metrics: RecordingMetrics
        init(key: String, metrics: RecordingMetrics) {
            self.key = key
            self.metrics = metrics
        }
        func increment(by amount: Int64) { metrics.record(key, Double(amount)) }
        func reset() {}
        func record(_ value: Int64) { metrics.record(key, Double(value)) }
        func record(_ value: Double) { metrics.record(key, value) }
        func recordNanoseconds(_ duration: Int64) { metrics.record(key, Double(duration) / 1e9) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(key: Self.key(label, dimensions), metrics: self)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(key: Self.key(label, dimensions), metrics: self)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Handler(key: Self.key(label, dimensions), metrics: self)
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
