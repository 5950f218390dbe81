package import Config

/// A source of target groups: one `*_sd_configs` entry (or the job's `static_configs`).
///
/// A provider runs until its task is cancelled (or it has nothing more to say, as static
/// configuration) and yields each change as a batch of groups into `updates`; the receiver reads
/// them as an `AsyncStream`. A batch need only hold the groups that changed: a group replaces the
/// earlier one with the same `source`, and a group without targets removes it.
package protocol DiscoveryProvider: Sendable {
    /// Discovers until cancelled, yielding batches of changed groups into `updates`.
    ///
    /// - Parameter updates: where batches go; the provider does not finish it.
    func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async
}

/// `static_configs`: the groups are known up front and sent once (Prometheus's `StaticProvider`).
package struct StaticProvider: DiscoveryProvider {
    /// The groups, with sources `"0"`, `"1"`, … as Prometheus numbers them.
    package let groups: [DiscoveredTargetGroup]

    /// A provider for a job's `static_configs`.
    package init(_ configs: [TargetGroup]) {
        groups = configs.enumerated().map { index, config in
            DiscoveredTargetGroup(
                source: String(index), targets: config.targets.map(DiscoveredTargetGroup.target(address:)),
                labels: config.labels)
        }
    }

    package func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async {
        updates.yield(groups)
    }
}
