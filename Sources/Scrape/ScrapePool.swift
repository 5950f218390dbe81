import AsyncHTTPClient
import CoreMetrics
import Config
import Discovery
import HTTPClientTLS
import Logging
import Model
import NIOSSL
import Synchronization

/// One job's targets and their loops (upstream's `scrapePool`). `sync` applies a discovery
/// update: loops of targets that stay keep running untouched, new targets get a loop, gone
/// targets' loops stop and mark their series stale.
final class ScrapePool: Sendable {
    let config: ScrapeConfig
    private let builder: TargetBuilder
    private let options: SampleOptions
    private let client: HTTPClient
    /// The job's `tls_config`, loaded once (nil for the defaults); a failure fails every scrape.
    private let tls: Result<TLSConfiguration, ClientTLSError>?
    private let appendable: any SampleAppendable
    private let metrics: ScrapeMetrics
    private let poolMetrics: ScrapeMetrics.Pool
    private let registry: LoopRegistry
    private let offsetSeed: UInt64
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        /// By target identity, in discovery order.
        var loops: [UInt64: ScrapeLoop] = [:]
        var order: [UInt64] = []
        /// Kept for the targets page, at most `keep_dropped_targets` (0: all).
        var dropped: [(labels: Labels, provider: String)] = []
        var droppedCount = 0
        var isStopped = false
    }

    /// - Throws: `ModelError` when `metric_relabel_configs` or `relabel_configs` do not compile.
    init(
        config: ScrapeConfig, client: HTTPClient, appendable: any SampleAppendable, metrics: ScrapeMetrics,
        registry: LoopRegistry, offsetSeed: UInt64, logger: Logger
    ) throws(ModelError) {
        self.config = config
        let scheme = config.metricNameValidationScheme ?? .utf8
        builder = TargetBuilder(config: config, relabeler: try Relabeler(config.relabelConfigs, scheme: scheme))
        options = try SampleOptions(config)
        self.client = client
        tls = config.http.tls == TLSConfig() ? nil : Result { () throws(ClientTLSError) in try config.http.tls.clientConfiguration() }
        self.appendable = appendable
        self.metrics = metrics
        poolMetrics = metrics.pool(config.jobName)
        self.registry = registry
        self.offsetSeed = offsetSeed
        var logger = logger
        logger[metadataKey: "scrape_pool"] = "\(config.jobName)"
        self.logger = logger
        metrics.poolsCreated.increment()
    }

    /// Applies the job's complete set of discovered groups.
    ///
    /// - Parameter predecessors: the loops of the pool this one replaces, by target identity
    ///   (`handOver()`); a target found in both continues without a gap in its staleness
    ///   tracking, the others' loops mark their series stale.
    func sync(_ groups: [DiscoveredTargetGroup], predecessors: [UInt64: ScrapeLoop] = [:]) {
        let start = ContinuousClock.now
        let result = builder.targets(from: groups)
        for failure in result.failures { logger.debug("Creating target failed", metadata: ["err": "\(failure)"]) }
        let targetLimit = Int(clamping: config.limits.targetLimit)
        let keepDropped = Int(clamping: config.limits.keepDroppedTargets)
        let (running, started, stopped) = state.withLock { state -> ([ScrapeLoop], [ScrapeLoop], [ScrapeLoop]) in
            guard !state.isStopped else { return ([], [], []) }
            var loops: [UInt64: ScrapeLoop] = [:]
            var order: [UInt64] = []
            var started: [ScrapeLoop] = []
            for target in result.targets where loops[target.identity] == nil {
                order.append(target.identity)
                if let existing = state.loops[target.identity] {
                    existing.target.updateDiscovery(from: target)
                    loops[target.identity] = existing
                } else {
                    let loop = makeLoop(target, predecessor: predecessors[target.identity])
                    loops[target.identity] = loop
                    started.append(loop)
                }
            }
            let stopped = state.loops.filter { loops[$0.key] == nil }.map(\.value)
            state.loops = loops
            state.order = order
            state.droppedCount = result.dropped.count
            state.dropped = keepDropped > 0 ? Array(result.dropped.prefix(keepDropped)) : result.dropped
            return (order.compactMap { loops[$0] }, started, stopped)
        }
        // Upstream's `refreshTargetLimitErr`: over the limit, every target is down with the
        // reason, and none is scraped.
        let forced: ScrapeError? = targetLimit > 0 && running.count > targetLimit
            ? .targetLimitExceeded(targets: running.count, limit: targetLimit) : nil
        for loop in running { loop.setForcedError(forced) }
        if forced != nil { metrics.exceededTargetLimit.increment() }
        for loop in stopped { loop.stop(writeStaleMarkers: true) }
        for (identity, loop) in predecessors { loop.stop(writeStaleMarkers: state.withLock { $0.loops[identity] == nil }) }
        for loop in started { loop.start() }
        poolMetrics.targets.record(running.count)
        poolMetrics.syncLength.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
    }

    private func makeLoop(_ target: ScrapeTarget, predecessor: ScrapeLoop?) -> ScrapeLoop {
        let scraper = TargetScraper(client: client, url: target.url, config: config, timeout: target.timeout, tls: tls)
        let context = ScrapeLoop.Context(
            target: target, scraper: scraper, options: options, appendable: appendable, metrics: metrics,
            offsetSeed: offsetSeed, logger: logger)
        return ScrapeLoop(context: context, registry: registry, predecessor: predecessor)
    }

    /// Gives up the loops, still running, to the pool that replaces this one (see `sync`).
    /// Later syncs do nothing.
    func handOver() -> [UInt64: ScrapeLoop] {
        state.withLock { state in
            state.isStopped = true
            defer { state.loops = [:]; state.order = [] }
            return state.loops
        }
    }

    /// Stops every loop; see `ScrapeLoop.stop(writeStaleMarkers:)`. Later syncs do nothing.
    func stop(writeStaleMarkers: Bool) {
        for loop in handOver().values { loop.stop(writeStaleMarkers: writeStaleMarkers) }
        poolMetrics.targets.record(0)
    }

    /// The active targets, in discovery order.
    var activeTargets: [TargetStatus] {
        state.withLock { state in state.order.compactMap { state.loops[$0]?.target.status(pool: config.jobName) } }
    }

    /// The active targets themselves, in discovery order.
    var targets: [ScrapeTarget] {
        state.withLock { state in state.order.compactMap { state.loops[$0]?.target } }
    }

    /// The dropped targets kept for display, and how many were dropped in all.
    var droppedTargets: (kept: [DroppedTarget], count: Int) {
        state.withLock { state in
            (state.dropped.map { DroppedTarget(discoveredLabels: $0.labels, scrapePool: config.jobName, discoveryProvider: $0.provider) },
             state.droppedCount)
        }
    }
}
