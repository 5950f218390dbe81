package import Config
import Synchronization

/// Runs the discovery providers of every scrape job and publishes each job's full set of target
/// groups to one consumer (the scrape manager), throttled (Prometheus's `discovery.Manager`).
///
/// Groups are kept per (job, provider, source): a group replaces the earlier one with the same
/// source from the same provider, and a group without targets removes it. Publications happen at
/// most once per `updateInterval` (see `UpdateThrottle`); each carries every job, including jobs
/// whose providers have found nothing yet, so the consumer can drop their targets.
package final class DiscoveryManager<C: Clock<Duration>>: Sendable {
    /// The full target groups of every job, by job name; groups ordered by provider, then source.
    package typealias TargetSets = [String: [DiscoveredTargetGroup]]

    /// Full target sets, newest only: a slow consumer skips to the latest set.
    package let targetSets: AsyncStream<TargetSets>
    private let publish: AsyncStream<TargetSets>.Continuation
    private let providers: [String: [any DiscoveryProvider]]
    private let clock: C
    private let state: Mutex<State>

    private struct State {
        /// job → provider index → source → group (never empty).
        var groups: [String: [Int: [String: DiscoveredTargetGroup]]]
        var throttle: UpdateThrottle<C.Instant>
    }

    /// A manager for explicit providers.
    ///
    /// - Parameters:
    ///   - providers: each job's providers.
    ///   - clock: drives the throttle; tests pass a manual clock.
    ///   - updateInterval: the least time between publications (Prometheus's 5 s).
    package init(providers: [String: [any DiscoveryProvider]], clock: C, updateInterval: Duration = .seconds(5)) {
        self.providers = providers
        self.clock = clock
        (targetSets, publish) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        var groups: [String: [Int: [String: DiscoveredTargetGroup]]] = [:]
        for job in providers.keys { groups[job] = [:] }
        state = Mutex(State(groups: groups, throttle: UpdateThrottle(interval: updateInterval, origin: clock.now)))
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
        self.init(
            providers: configs.mapValues { ProviderFactory.providers(for: $0, clock: clock, metrics: metrics) },
            clock: clock, updateInterval: updateInterval)
    }

    /// Runs every provider and publishes until cancelled.
    package func run() async {
        let (deadlines, scheduleTick) = AsyncStream.makeStream(of: C.Instant.self)
        await withDiscardingTaskGroup { group in
            for (job, jobProviders) in providers {
                for (index, provider) in jobProviders.enumerated() {
                    group.addTask { await self.follow(provider, job: job, index: index, scheduleTick: scheduleTick) }
                }
            }
            group.addTask {
                for await deadline in deadlines {
                    do { try await self.clock.sleep(until: deadline, tolerance: nil) } catch { return }
                    let snapshot: TargetSets? = self.state.withLock { state in
                        state.throttle.tickReached() ? Self.snapshot(state.groups) : nil
                    }
                    if let snapshot { self.publish.yield(snapshot) }
                }
            }
        }
        publish.finish()
    }

    private func follow(
        _ provider: any DiscoveryProvider, job: String, index: Int, scheduleTick: AsyncStream<C.Instant>.Continuation
    ) async {
        let (updates, continuation) = AsyncStream.makeStream(of: [DiscoveredTargetGroup].self)
        await withDiscardingTaskGroup { group in
            group.addTask {
                await provider.run(updates: continuation)
                continuation.finish()
            }
            for await batch in updates {
                let now = clock.now
                let tick = state.withLock { state in
                    var providerGroups = state.groups[job, default: [:]][index, default: [:]]
                    for group in batch {
                        providerGroups[group.source] = group.targets.isEmpty ? nil : group
                    }
                    state.groups[job, default: [:]][index] = providerGroups
                    return state.throttle.updateArrived(at: now)
                }
                if let tick { scheduleTick.yield(tick) }
            }
        }
    }

    private static func snapshot(_ groups: [String: [Int: [String: DiscoveredTargetGroup]]]) -> TargetSets {
        groups.mapValues { byProvider in
            byProvider.sorted { $0.key < $1.key }.flatMap { _, bySource in
                bySource.sorted { $0.key < $1.key }.map(\.value)
            }
        }
    }
}
