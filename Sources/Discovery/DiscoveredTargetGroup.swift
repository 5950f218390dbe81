package import Model

/// A group of targets found by a discovery provider (Prometheus's `targetgroup.Group`).
///
/// `Config.TargetGroup` is the `static_configs` YAML entry (addresses as strings); this is what
/// providers hand on: every target is a label set carrying at least `__address__`, and the group
/// has a `source` that identifies it within its provider, so a later group with the same source
/// replaces it. A group without targets tells the consumer that the source is gone.
package struct DiscoveredTargetGroup: Sendable, Equatable {
    /// Identifies the group within its provider (`path:index` for files, the name for DNS).
    package var source: String
    /// The targets, each a label set with `__address__` and the provider's `__meta_*` labels.
    package var targets: [Labels]
    /// Labels shared by every target of the group.
    package var labels: Labels
    /// The provider that found the group within its job, `<config key>/<index>`
    /// (`kubernetes_sd_configs/0`); set by `DiscoveryManager` when it publishes, empty before.
    package var provider = ""

    /// Creates a group.
    package init(source: String, targets: [Labels] = [], labels: Labels = Labels()) {
        self.source = source
        self.targets = targets
        self.labels = labels
    }

    /// The label name holding a target's `host:port` (Prometheus's `model.AddressLabel`).
    package static let addressLabel = "__address__"

    /// A target with only an address.
    package static func target(address: String) -> Labels {
        Labels([Label(name: addressLabel, value: address)])
    }

    /// Go's `net.JoinHostPort`: IPv6 literals in brackets.
    package static func joinHostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
