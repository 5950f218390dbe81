package import Config

/// A source of target groups: one `*_sd_configs` entry (or the job's `static_configs`).
///
/// A provider runs until its task is cancelled (or it has nothing more to say, as static
/// configuration) and yields each change as a batch of groups into `updates`; the receiver reads
/// them as an `AsyncStream`. A batch need only hold the groups that changed: a group replaces the
/// earlier one with the same `source`, and a group without targets removes it.
package protocol DiscoveryProvider: Sendable {
    /// The configuration key of the entries this kind of provider serves (`http_sd_configs`):
    /// with the entry's index it names the provider where targets are shown.
    static var configKey: String { get }

    /// Discovers until cancelled, yielding batches of changed groups into `updates`.
    ///
    /// - Parameter updates: where batches go; the provider does not finish it.
    /// - Throws: `DiscoveryError.setupFailed` when the configuration cannot be used at all (a
    ///   credential or CA file that cannot be read, an unusable kubeconfig): upstream's
    ///   `NewDiscoverer` failing, counted in `prometheus_sd_failed_configs`. Failures of the
    ///   source itself are not thrown: the provider keeps trying and its targets stay.
    func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async throws(DiscoveryError)
}

/// `static_configs`: the groups are known up front and sent once (Prometheus's `StaticProvider`).
package struct StaticProvider: DiscoveryProvider {
    package static var configKey: String { "static_configs" }

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

    package func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async throws(DiscoveryError) {
        updates.yield(groups)
    }
}
