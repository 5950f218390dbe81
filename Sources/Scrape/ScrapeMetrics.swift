import Model
import CoreMetrics
import Metrics

/// The scrape manager's self-metrics under Prometheus's names (`scrape/metrics.go`), reported
/// through swift-metrics to whatever backend the server bootstrapped. Counters shared by all
/// pools are made once; per-job ones come from `pool(_:)`.
final class ScrapeMetrics: Sendable {
    let exceededSampleLimit = Counter(label: "prometheus_target_scrapes_exceeded_sample_limit_total")
    let outOfOrder = Counter(label: "prometheus_target_scrapes_sample_out_of_order_total")
    let duplicateTimestamp = Counter(label: "prometheus_target_scrapes_sample_duplicate_timestamp_total")
    let outOfBounds = Counter(label: "prometheus_target_scrapes_sample_out_of_bounds_total")
    let poolsCreated = Counter(label: "prometheus_target_scrape_pools_total")
    let exceededTargetLimit = Counter(label: "prometheus_target_scrape_pool_exceeded_target_limit_total")

    /// A job's metrics.
    struct Pool: Sendable {
        /// `prometheus_target_scrape_pool_targets{scrape_job}`.
        let targets: Gauge
        /// `prometheus_target_sync_length_seconds{scrape_job}`.
        let syncLength: Metrics.Timer
    }

    func pool(_ job: String) -> Pool {
        Pool(
            targets: Gauge(label: "prometheus_target_scrape_pool_targets", dimensions: [("scrape_job", job)]),
            syncLength: Metrics.Timer(label: "prometheus_target_sync_length_seconds", dimensions: [("scrape_job", job)]))
    }

    /// `prometheus_target_interval_length_seconds{interval}`: actual time between scrapes.
    func intervalLength(_ interval: Duration) -> Metrics.Timer {
        Metrics.Timer(label: "prometheus_target_interval_length_seconds", dimensions: [("interval", interval.prometheusString)])
    }

    /// Counts what the sink skipped in one scrape, and a sample limit breach.
    func count(_ counts: WriteCounts, error: ScrapeError?) {
        if counts.outOfOrder > 0 { outOfOrder.increment(by: counts.outOfOrder) }
        if counts.duplicateTimestamp > 0 { duplicateTimestamp.increment(by: counts.duplicateTimestamp) }
        if counts.outOfBounds > 0 { outOfBounds.increment(by: counts.outOfBounds) }
        if case .sampleLimitExceeded = error { exceededSampleLimit.increment() }
    }
}
