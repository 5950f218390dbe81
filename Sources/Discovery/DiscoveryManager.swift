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
package final class DiscoveryManager<C: Clock<Duration>>: Sendable {
    /// The full target groups of every job, by job name; groups ordered by provider, then source.
    package typealias TargetSets = [String: [DiscoveredTargetGroup]]

    /// Full target sets, newest only: a slow consumer skips to the latest set.
    package let targetSets: AsyncStream<TargetSets>
    private let publish: AsyncStream<TargetSets>.Continuation
    private let clock: C
    /// The counters of the manager and its providers.
    package let metrics: DiscoveryMetrics
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
            jobs[job] = Job(generation: nextGeneration, config: config, stop: stop)
            return JobStart(job: job, generation: nextGeneration, providers: providers, stopSignal: stopSignal)
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
    package init(
        providers: [String: [any DiscoveryProvider]], clock: C, updateInterval: Duration = .seconds(5),
        metrics: DiscoveryMetrics = DiscoveryMetrics()
    ) {
        self.clock = clock
        self.metrics = metrics
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
    package convenience init(
        configs: [String: ServiceDiscoveryConfigs], clock: C, updateInterval: Duration = .seconds(5),
        metrics: DiscoveryMetrics = DiscoveryMetrics()
    ) {
        self.init(providers: [:], clock: clock, updateInterval: updateInterval, metrics: metrics)
        applyConfig(configs)
    }

    /// Switches to `configs` (a reload): unchanged jobs keep running, changed jobs restart with
    /// new providers and lose their old groups, removed jobs stop and leave the next publication.
    /// A publication follows at the next tick in any case.
    package func applyConfig(_ configs: [String: ServiceDiscoveryConfigs]) {
        let now = clock.now
        let (stops, newStarts, tick) = state.withLock { state in
            var stops: [AsyncStream<Void>.Continuation] = []
            for (job, running) in state.jobs where running.config == nil || running.config != configs[job] {
                stops.append(running.stop)
                state.jobs[job] = nil
            }
            var newStarts: [JobStart] = []
            for (job, config) in configs where state.jobs[job] == nil {
                let providers = ProviderFactory.providers(for: config, clock: clock, metrics: metrics)
                newStarts.append(state.start(job: job, config: config, providers: providers))
            }
            return (stops, newStarts, state.throttle.updateArrived(at: now))
        }
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
                        self.metrics.setDiscoveredTargets(snapshot.mapValues { $0.reduce(0) { $0 + $1.targets.count } })
                        self.publish.yield(snapshot)
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
                await provider.run(updates: continuation)
                continuation.finish()
            }
            for await batch in updates {
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

    private static func snapshot(_ jobs: [String: Job]) -> TargetSets {
        jobs.mapValues { job in
            job.groups.sorted { $0.key < $1.key }.flatMap { _, bySource in
                bySource.sorted { $0.key < $1.key }.map(\.value)
            }
        }
    }
}
