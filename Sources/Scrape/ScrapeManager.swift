package import AsyncHTTPClient
package import Config
package import Discovery
package import Logging
package import Exposition
package import Model
import Synchronization

/// Runs a scrape pool per `scrape_configs` job on the targets discovery finds, and writes what
/// the loops scrape into a sink (upstream's `scrape.Manager`).
///
/// A coarse shared-state boundary: reloads, discovery updates and the API's reads take one
/// lock briefly; the loops scrape and append without it.
package final class ScrapeManager: Sendable {
    private let appendable: any SampleAppendable
    private let httpClient: HTTPClient
    private let logger: Logger
    private let metrics = ScrapeMetrics()
    private let registry = LoopRegistry()
    private let state = Mutex(State())
    /// Held through a whole reload or discovery update, so two of them never interleave (a
    /// pool synced with older groups after newer ones); reads of `state` do not wait for it.
    private let changes = Mutex(())

    private struct State {
        var pools: [String: ScrapePool] = [:]
        /// The last groups discovery sent per job, for pools a later reload creates or restarts.
        var targetSets: [String: [DiscoveredTargetGroup]] = [:]
        var isStopped = false
    }

    /// Creates a manager with no pools; `applyConfig` adds them.
    ///
    /// - Parameters:
    ///   - appendable: where scraped samples go; each scrape is one batch.
    ///   - httpClient: the client for every scrape. Configure it with decompression enabled
    ///     (`decompression: .enabled(...)`): scrapes ask for gzip unless a job sets
    ///     `enable_compression: false`, and `body_size_limit` counts decompressed bytes.
    ///   - logger: receives the manager's and the loops' logs, with `scrape_pool` and `instance`.
    package init(appendable: any SampleAppendable, httpClient: HTTPClient, logger: Logger) {
        self.appendable = appendable
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Applies a (re)loaded configuration, as upstream's `Manager.ApplyConfig`: pools of jobs
    /// whose config is unchanged keep their loops (no gap, no extra scrape); changed jobs get a
    /// new pool whose loops take over the targets where the old ones stopped (series the new
    /// config no longer produces go stale); removed jobs stop and mark their series stale.
    ///
    /// After `run` has ended it does nothing.
    ///
    /// - Throws: `ModelError` when a job's relabel rules do not compile; nothing changes then.
    package func applyConfig(_ config: PrometheusConfig) throws(ModelError) {
        try changes.withLock { _ throws(ModelError) in try apply(config) }
    }

    private func apply(_ config: PrometheusConfig) throws(ModelError) {
        let seed = Self.offsetSeed(config)
        let (kept, targetSets, isStopped) = state.withLock { ($0.pools, $0.targetSets, $0.isStopped) }
        if isStopped { return }
        var pools: [String: ScrapePool] = [:]
        var created: [ScrapePool] = []
        for job in config.scrapeConfigs {
            if let pool = kept[job.jobName], Self.isSame(pool.config, job) {
                pools[job.jobName] = pool
                continue
            }
            let pool = try ScrapePool(
                config: job, client: httpClient, appendable: appendable, metrics: metrics, registry: registry,
                offsetSeed: seed, logger: logger)
            pools[job.jobName] = pool
            created.append(pool)
        }
        let old = state.withLock { state in
            defer { state.pools = pools }
            return state.pools
        }
        for (job, pool) in old where pools[job] == nil { pool.stop(writeStaleMarkers: true) }
        for pool in created {
            let job = pool.config.jobName
            pool.sync(targetSets[job] ?? [], predecessors: old[job]?.handOver() ?? [:])
        }
    }

    /// What spreads this server's scrapes differently from another's (upstream hashes the
    /// external labels and the host name the same way).
    static func offsetSeed(_ config: PrometheusConfig) -> UInt64 {
        FNV1a.hash(ScrapeTarget.hostName) ^ config.global.externalLabels.hash
    }

    /// Equal but for where the job sits in its file.
    private static func isSame(_ a: ScrapeConfig, _ b: ScrapeConfig) -> Bool {
        var a = a, b = b
        a.line = 0
        b.line = 0
        return a == b
    }

    /// Applies discovery updates (every job's full set of groups) until the task is cancelled,
    /// then stops every loop, without staleness markers (the series end with the server), and
    /// returns once all loops have ended.
    package func run(targetSets: AsyncStream<DiscoveryManager<ContinuousClock>.TargetSets>) async {
        for await sets in targetSets { sync(sets) }
        // The stream may end before shutdown (discovery stopped); keep scraping until cancelled.
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        changes.withLock { _ in
            let pools = state.withLock { state in
                state.isStopped = true
                return Array(state.pools.values)
            }
            for pool in pools { pool.stop(writeStaleMarkers: false) }
        }
        await registry.wait(includingRunning: true)
    }

    /// Applies one discovery update.
    func sync(_ sets: DiscoveryManager<ContinuousClock>.TargetSets) {
        changes.withLock { _ in
            let pools = state.withLock { state -> [(ScrapePool, [DiscoveredTargetGroup])] in
                guard !state.isStopped else { return [] }
                state.targetSets.merge(sets) { _, new in new }
                return sets.compactMap { job, groups in state.pools[job].map { ($0, groups) } }
            }
            for (pool, groups) in pools { pool.sync(groups) }
        }
    }

    /// Waits until every loop that was asked to stop has ended (and written its markers).
    func waitForStoppedLoops() async {
        await registry.wait(includingRunning: false)
    }

    private var sortedPools: [ScrapePool] {
        state.withLock { $0.pools.values.sorted { $0.config.jobName < $1.config.jobName } }
    }

    /// The targets being scraped, by job name then discovery order (`activeTargets`).
    package func activeTargets() -> [TargetStatus] {
        sortedPools.flatMap(\.activeTargets)
    }

    /// Targets relabeling dropped, at most `keep_dropped_targets` per job (`droppedTargets`).
    package func droppedTargets() -> [DroppedTarget] {
        sortedPools.flatMap { $0.droppedTargets.kept }
    }

    /// How many targets relabeling dropped per job, all of them counted (`droppedTargetCounts`).
    package func droppedTargetCounts() -> [String: Int] {
        Dictionary(uniqueKeysWithValues: sortedPools.map { ($0.config.jobName, $0.droppedTargets.count) })
    }

    /// The configured jobs, sorted (`/api/v1/scrape_pools`).
    package func poolNames() -> [String] {
        sortedPools.map(\.config.jobName)
    }

    /// Metadata of every active target (`/api/v1/targets/metadata`): its labels (without `__`
    /// ones) and, per metric family, what its last successful scrape said.
    package func targetMetadata() -> [(target: Labels, metadata: [String: MetricMetadata])] {
        scrapeTargets.map { ($0.publicLabels, $0.metadata) }
    }

    /// The active targets themselves, by job name then discovery order.
    var scrapeTargets: [ScrapeTarget] {
        sortedPools.flatMap(\.targets)
    }

    /// Distinct metadata per metric family over all targets (`/api/v1/metadata`), each list in
    /// first-seen order.
    package func metricMetadata() -> [String: [MetricMetadata]] {
        var result: [String: [MetricMetadata]] = [:]
        for (_, metadata) in targetMetadata() {
            for (name, entry) in metadata where !(result[name]?.contains(entry) ?? false) {
                result[name, default: []].append(entry)
            }
        }
        return result
    }
}
