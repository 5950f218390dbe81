package import Exposition
package import Model

/// What `/api/v1/targets` shows for one active target (Prometheus's `Target` as the API
/// renders it), taken as one consistent snapshot.
package struct TargetStatus: Sendable, Equatable {
    /// The labels discovery gave the target, before relabeling (`discoveredLabels`).
    package var discoveredLabels: Labels
    /// The provider that found it, `<config key>/<index>` within the job (Pharos's
    /// `discoveryProvider`; see `DiscoveredTargetGroup.provider`).
    package var discoveryProvider: String
    /// The target's labels after relabeling, without `__`-prefixed ones (`labels`).
    package var labels: Labels
    /// The job the target belongs to (`scrapePool`).
    package var scrapePool: String
    /// The URL scraped (`scrapeUrl`).
    package var scrapeURL: String
    /// The URL as seen from outside this machine (`globalUrl`): the host `localhost`,
    /// `127.0.0.1` or `[::1]` replaced by the machine's host name, as upstream.
    package var globalURL: String
    /// Why the last scrape failed; empty after a success or before the first scrape.
    package var lastError: String
    /// When the last scrape started, in milliseconds since the epoch; `nil` before the first.
    package var lastScrapeMs: Int64?
    /// How long the last scrape took, in seconds (`lastScrapeDuration`).
    package var lastScrapeDurationSeconds: Double
    /// The outcome of the last scrape.
    package var health: TargetHealth
    /// `scrape_interval` as a Prometheus duration string (`15s`).
    package var scrapeInterval: String
    /// `scrape_timeout` as a Prometheus duration string (`10s`).
    package var scrapeTimeout: String
    /// Metric metadata (`# TYPE`, `# HELP`, `# UNIT`) from the last successful scrape, by
    /// metric family name.
    package var metadata: [String: MetricMetadata]

    /// Creates a status (the manager makes them; tests of API renderings may too).
    package init(
        discoveredLabels: Labels, discoveryProvider: String, labels: Labels, scrapePool: String, scrapeURL: String,
        globalURL: String,
        lastError: String, lastScrapeMs: Int64?, lastScrapeDurationSeconds: Double, health: TargetHealth,
        scrapeInterval: String, scrapeTimeout: String, metadata: [String: MetricMetadata]
    ) {
        self.discoveredLabels = discoveredLabels
        self.discoveryProvider = discoveryProvider
        self.labels = labels
        self.scrapePool = scrapePool
        self.scrapeURL = scrapeURL
        self.globalURL = globalURL
        self.lastError = lastError
        self.lastScrapeMs = lastScrapeMs
        self.lastScrapeDurationSeconds = lastScrapeDurationSeconds
        self.health = health
        self.scrapeInterval = scrapeInterval
        self.scrapeTimeout = scrapeTimeout
        self.metadata = metadata
    }
}

/// A discovered target that relabeling dropped (`droppedTargets` in `/api/v1/targets`).
package struct DroppedTarget: Sendable, Equatable {
    /// The labels discovery gave it, before relabeling.
    package var discoveredLabels: Labels
    /// The job it was discovered for.
    package var scrapePool: String
    /// The provider that found it (see `TargetStatus.discoveryProvider`).
    package var discoveryProvider: String

    /// Creates a dropped target.
    package init(discoveredLabels: Labels, scrapePool: String, discoveryProvider: String) {
        self.discoveredLabels = discoveredLabels
        self.scrapePool = scrapePool
        self.discoveryProvider = discoveryProvider
    }
}
