package import Config
import Synchronization

/// Runs the discovery providers of every scrape job and publishes each job's full set of target
/// groups to one consumer (the scrape manager), throttled (Prometheus's `discovery.Manager`).
///
/// Groups are kept per (job, provider, source): a group replaces the earlier one with the same
/// source from the same provider, and a group without targets removes it. Publications happen at
/// most once per `updateInterval` (see `UpdateThrottle`); each carries every job, including jobs
/// whose providers have found nothing yet, so the consumer can drop their targets.
/// `applyConfig(_:)` swaps the configuration while running: jobs whose discovery section is
/// unchanged keep their providers and groups, the others are restarted or dropped.
///
/// Each published group carries the name of the provider that found it (`provider`:
/// `<config key>/<index of the entry within the job>`, say `kubernetes_sd_configs/0`). The
/// manager's own metrics go under its `name` (`prometheus_sd_*{name="scrape"}`).
package final class DiscoveryManager<C: Clock<Duration>>: Sendable {
    /// The full target groups of every job, by job name; groups ordered by provider, then source.
    package typealias TargetSets = [String: [DiscoveredTargetGroup]]

    /// Full target sets, newest only: a slow consumer skips to the latest set.
    package let targetSets: AsyncStream<TargetSets>
    private let publish: AsyncStream<TargetSets>.Continuation
    private let clock: C
    /// The counters of the manager and its providers.
    package let metrics: DiscoveryMetrics
    /// The manager's `name` label (upstream: `scrape`, or `notify` for Alertmanagers).
    package let name: String
    private let state: Mutex<State>
    private let starts: AsyncStream<JobStart>
    private let startSink: AsyncStream<JobStart>.Continuation
    private let deadlines: AsyncStream<C.Instant>
    private let deadlineSink: AsyncStream<C.Instant>.Continuation

    /// One running generation of a job's providers.
    private struct Job {
        var generation: Int
        /// The section the providers came from; nil for explicitly given providers.
        var config: ServiceDiscoveryConfigs?
        /// provider index → source → group (never empty).
        var groups: [Int: [String: DiscoveredTargetGroup]] = [:]
        /// Each provider's name, by index (see `providerNames`).
        var providerNames: [String]
        /// Providers whose configuration could not be used (their `run` threw).
        var failedProviders: Set<Int> = []
        /// Finishing it stops the generation's providers.
        var stop: AsyncStream<Void>.Continuation
    }

    private struct State {
        var jobs: [String: Job] = [:]
        var nextGeneration = 0
        var throttle: UpdateThrottle<C.Instant>

        /// Registers a new generation for `job` and returns what `run` must start.
        mutating func start(
            job: String, config: ServiceDiscoveryConfigs?, providers: [any DiscoveryProvider]
        ) -> JobStart {
            let (stopSignal, stop) = AsyncStream.makeStream(of: Void.self)
            nextGeneration += 1
            jobs[job] = Job(
                generation: nextGeneration, config: config, providerNames: DiscoveryManager.providerNames(providers), stop: stop)
            return JobStart(job: job, generation: nextGeneration, providers: providers, stopSignal: stopSignal)
        }

        /// `prometheus_sd_failed_configs`: providers of running jobs that could not start.
        var failedConfigs: Int { jobs.values.reduce(0) { $0 + $1.failedProviders.count } }
    }

    /// Names providers `<config key>/<n>`, n counting the job's providers of that key.
    static func providerNames(_ providers: [any DiscoveryProvider]) -> [String] {
        var seen: [String: Int] = [:]
        return providers.map { provider in
            let key = type(of: provider).configKey
            defer { seen[key, default: 0] += 1 }
            return "\(key)/\(seen[key, default: 0])"
        }
    }

    private struct JobStart: Sendable {
        var job: String
        var generation: Int
        var providers: [any DiscoveryProvider]
        var stopSignal: AsyncStream<Void>
    }

    /// A manager for explicit providers.
    ///
    /// - Parameters:
    ///   - providers: each job's providers.
    ///   - clock: drives the throttle; tests pass a manual clock.
    ///   - updateInterval: the least time between publications (Prometheus's 5 s).
    ///   - metrics: where providers started by `applyConfig(_:)` count lookups and errors.
    ///   - name: the manager's `name` label in `metrics`.
    package init(
        providers: [String: [any DiscoveryProvider]], clock: C, updateInterval: Duration = .seconds(5),
        metrics: DiscoveryMetrics = DiscoveryMetrics(), name: String = "scrape"
    ) {
        self.clock = clock
        self.metrics = metrics
        self.name = name
        metrics.registerManager(name)
        (targetSets, publish) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        (starts, startSink) = AsyncStream.makeStream()
        (deadlines, deadlineSink) = AsyncStream.makeStream()
        var initial = State(throttle: UpdateThrottle(interval: updateInterval, origin: clock.now))
        for (job, jobProviders) in providers {
            startSink.yield(initial.start(job: job, config: nil, providers: jobProviders))
        }
        state = Mutex(initial)
    }

    /// A manager for the discovery sections of scrape jobs, keyed by `job_name`.
    ///
    /// - Parameters:
    ///   - configs: each job's `static_configs` and `*_sd_configs`.
    ///   - clock: drives the throttle and the providers' refresh intervals.
    ///   - updateInterval: the least time between publications.
    ///   - metrics: where the providers count lookups and errors.
    ///   - name: the manager's `name` label in `metrics`.
    package convenience init(
        configs: [String: ServiceDiscoveryConfigs], clock: C, updateInterval: Duration = .seconds(5),
        metrics: DiscoveryMetrics = DiscoveryMetrics(), name: String = "scrape"
    ) {
        self.init(providers: [:], clock: clock, updateInterval: updateInterval, metrics: metrics, name: name)
        applyConfig(configs)
    }

    /// Switches to `configs` (a reload): unchanged jobs keep running, changed jobs restart with
    /// new providers and lose their old groups, removed jobs stop and leave the next publication.
    /// A publication follows at the next tick in any case.
    package func applyConfig(_ configs: [String: ServiceDiscoveryConfigs]) {
        let now = clock.now
        let (stops, newStarts, tick, failedConfigs) = state.withLock { state in
            var stops: [AsyncStream<Void>.Continuation] = []
            for (job, running) in state.jobs where running.config == nil || running.config != configs[job] {
                stops.append(running.stop)
                state.jobs[job] = nil
            }
            var newStarts: [JobStart] = []
            for (job, config) in configs where state.jobs[job] == nil {
                let providers = ProviderFactory.providers(for: config, job: job, clock: clock, metrics: metrics)
                newStarts.append(state.start(job: job, config: config, providers: providers))
            }
            return (stops, newStarts, state.throttle.updateArrived(at: now), state.failedConfigs)
        }
        metrics.setFailedConfigs(failedConfigs, manager: name)
        for stop in stops { stop.finish() }
        for start in newStarts { startSink.yield(start) }
        if let tick { deadlineSink.yield(tick) }
    }

    /// Runs the providers and publishes until cancelled; call it once per manager.
    package func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await deadline in self.deadlines {
                    do { try await self.clock.sleep(until: deadline, tolerance: nil) } catch { return }
                    let snapshot: TargetSets? = self.state.withLock { state in
                        state.throttle.tickReached() ? Self.snapshot(state.jobs) : nil
                    }
                    if let snapshot {
                        self.metrics.setDiscoveredTargets(
                            snapshot.mapValues { $0.reduce(0) { $0 + $1.targets.count } }, manager: self.name)
                        // The consumer had not taken the previous set: it skips to this one.
                        let isDelayed = if case .dropped = self.publish.yield(snapshot) { true } else { false }
                        self.metrics.countSentUpdate(manager: self.name, delayed: isDelayed)
                    }
                }
            }
            for await start in starts {
                group.addTask { await self.runJob(start) }
            }
            group.cancelAll()
        }
        publish.finish()
    }

    /// Runs one generation of a job's providers until it is stopped or `run` is cancelled.
    private func runJob(_ start: JobStart) async {
        await withDiscardingTaskGroup { group in
            for (index, provider) in start.providers.enumerated() {
                group.addTask { await self.follow(provider, of: start, index: index) }
            }
            for await _ in start.stopSignal {}
            group.cancelAll()
        }
    }

    private func follow(_ provider: any DiscoveryProvider, of start: JobStart, index: Int) async {
        let (updates, continuation) = AsyncStream.makeStream(of: [DiscoveredTargetGroup].self)
        await withDiscardingTaskGroup { group in
            group.addTask {
                do throws(DiscoveryError) {
                    try await provider.run(updates: continuation)
                } catch {
                    self.providerFailed(index, of: start)
                }
                continuation.finish()
            }
            for await batch in updates {
                metrics.countReceivedUpdate(manager: name)
                let now = clock.now
                let tick = state.withLock { state -> C.Instant? in
                    // A batch from a stopped generation must not bring back groups of a reloaded job.
                    guard var job = state.jobs[start.job], job.generation == start.generation else { return nil }
                    var providerGroups = job.groups[index, default: [:]]
                    for group in batch {
                        providerGroups[group.source] = group.targets.isEmpty ? nil : group
                    }
                    job.groups[index] = providerGroups
                    state.jobs[start.job] = job
                    return state.throttle.updateArrived(at: now)
                }
                if let tick { deadlineSink.yield(tick) }
            }
        }
    }

    /// A provider's configuration could not be used: it counts in `prometheus_sd_failed_configs`
    /// until its job is reloaded or removed. Its job's other providers go on.
    private func providerFailed(_ index: Int, of start: JobStart) {
        let failedConfigs = state.withLock { state -> Int? in
            guard state.jobs[start.job]?.generation == start.generation else { return nil }
            state.jobs[start.job]?.failedProviders.insert(index)
            return state.failedConfigs
        }
        if let failedConfigs { metrics.setFailedConfigs(failedConfigs, manager: name) }
    }

    private static func snapshot(_ jobs: [String: Job]) -> TargetSets {
        jobs.mapValues { job in
            job.groups.sorted { $0.key < $1.key }.flatMap { index, bySource in
                let provider = index < job.providerNames.count ? job.providerNames[index] : ""
                return bySource.sorted { $0.key < $1.key }.map { _, group in
                    var group = group
                    group.provider = provider
                    return group
                }
            }
        }
    }
}
