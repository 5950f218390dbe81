import CoreMetrics
package import Prometheus

/// The process's own metrics (`/metrics`): swift-metrics bootstrapped once with a
/// swift-prometheus registry, under Prometheus's own metric names so its dashboards and
/// alerts work on Pharos.
package enum SelfMetrics {
    /// The registry every swift-metrics handler of the process reports to.
    package static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Prometheus's `DefBuckets`, in seconds, for its duration histograms.
        factory.defaultDurationHistogramBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
            .map { Duration.milliseconds(Int64($0 * 1000)) }
        factory.durationHistogramBuckets["prometheus_http_request_duration_seconds"] =
            [0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120].map { Duration.milliseconds(Int64($0 * 1000)) }
        factory.durationHistogramBuckets["alertmanager_notification_latency_seconds"] =  // Alertmanager's buckets
            [1, 5, 10, 15, 20].map { Duration.seconds($0) }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Bootstraps the metrics system (idempotent).
    package static func bootstrap() {
        _ = registry
    }

    /// The exposition text of every metric: the registry's, then the process collector's.
    package static func render(extra: (inout [UInt8]) -> Void = { _ in }) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 << 10)
        registry.emit(into: &out)
        ProcessMetrics.current().write(into: &out)
        extra(&out)
        return out
    }
}
