import Foundation
import Exposition
import Model
import Synchronization

/// One target of a scrape pool after relabeling (Prometheus's `scrape.Target`): what to scrape,
/// how often, and the health its loop last recorded.
///
/// The identity (labels, URL, interval, timeout) is immutable; health and the labels discovery
/// gave it sit behind a `Mutex` that the loop writes once per scrape and the API reads.
final class ScrapeTarget: Sendable {
    /// The labels after relabeling, `__scheme__`, `__metrics_path__`, `__param_*`, ... included.
    let labels: Labels
    /// `labels` without the `__`-prefixed ones: what every scraped series gets.
    let publicLabels: Labels
    /// The URL scraped.
    let url: String
    /// Time between scrapes (`__scrape_interval__`).
    let interval: Duration
    /// Time a scrape may take (`__scrape_timeout__`).
    let timeout: Duration
    /// Identifies the target within its pool across discovery updates: equal labels and URL are
    /// the same target (upstream's `Target.hash`, FNV-1a over the label hash and the URL).
    let identity: UInt64
    private let state: Mutex<State>

    struct State {
        var discoveredLabels: Labels
        var discoveryProvider: String
        var health = TargetHealth.unknown
        var lastError = ""
        var lastScrapeMs: Int64?
        var lastScrapeDurationSeconds = 0.0
        var metadata: [String: MetricMetadata] = [:]
    }

    /// Creates a target from labels that passed relabeling (see `TargetBuilder`).
    init(
        labels: Labels, discoveredLabels: Labels, discoveryProvider: String, url: String, interval: Duration,
        timeout: Duration
    ) {
        self.labels = labels
        var builder = LabelsBuilder(labels)
        builder.delete(whereName: { $0.starts(with: "__".utf8) })
        publicLabels = builder.labels()
        self.url = url
        self.interval = interval
        self.timeout = timeout
        identity = FNV1a.hash(String(format: "%016llu", labels.hash) + url)
        state = Mutex(State(discoveredLabels: discoveredLabels, discoveryProvider: discoveryProvider))
    }

    /// The labels discovery gave the target, before relabeling.
    var discoveredLabels: Labels { state.withLock { $0.discoveredLabels } }

    /// Metric metadata from the last successful scrape, by family name.
    var metadata: [String: MetricMetadata] { state.withLock { $0.metadata } }

    /// Discovery sent the same target with other labels (say a changed `__meta_*` label), or
    /// from another provider.
    func updateDiscovery(from target: ScrapeTarget) {
        let (labels, provider) = target.state.withLock { ($0.discoveredLabels, $0.discoveryProvider) }
        state.withLock { state in
            state.discoveredLabels = labels
            state.discoveryProvider = provider
        }
    }

    /// Records the outcome of one scrape.
    func record(startMs: Int64, durationSeconds: Double, error: ScrapeError?, metadata: [String: MetricMetadata]?) {
        state.withLock { state in
            state.lastScrapeMs = startMs
            state.lastScrapeDurationSeconds = durationSeconds
            state.health = error == nil ? .up : .down
            state.lastError = error?.description ?? ""
            if let metadata { state.metadata = metadata }
        }
    }

    /// The target as `/api/v1/targets` shows it.
    func status(pool: String) -> TargetStatus {
        state.withLock { state in
            TargetStatus(
                discoveredLabels: state.discoveredLabels, discoveryProvider: state.discoveryProvider,
                labels: publicLabels, scrapePool: pool,
                scrapeURL: url, globalURL: ScrapeTarget.globalURL(url), lastError: state.lastError,
                lastScrapeMs: state.lastScrapeMs, lastScrapeDurationSeconds: state.lastScrapeDurationSeconds,
                health: state.health, scrapeInterval: interval.prometheusString,
                scrapeTimeout: timeout.prometheusString, metadata: state.metadata)
        }
    }

    /// This machine's name, looked up once (it may take a resolver round trip).
    static let hostName = ProcessInfo.processInfo.hostName

    /// `url` with a loopback host replaced by this machine's name (upstream's `getFqdn` use in
    /// `Target.globalURL`), so links work from elsewhere.
    static func globalURL(_ url: String) -> String {
        for loopback in ["://localhost", "://127.0.0.1", "://[::1]"] where url.contains(loopback) {
            return url.replacingOccurrences(of: loopback, with: "://" + hostName)
        }
        return url
    }
}
