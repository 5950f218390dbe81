package import Config

/// Builds the providers of one job's discovery section.
package enum ProviderFactory {
    /// The `*_sd_configs` keys of `configs` that Config accepts but no provider implements yet
    /// (`http_sd_configs`, `consul_sd_configs`, `kubernetes_sd_configs`): their jobs get no targets
    /// from them, so the caller should warn about each.
    package static func unimplementedMechanisms(in configs: ServiceDiscoveryConfigs) -> [String] {
        var keys: [String] = []
        if !configs.httpSDConfigs.isEmpty { keys.append("http_sd_configs") }
        if !configs.consulSDConfigs.isEmpty { keys.append("consul_sd_configs") }
        if !configs.kubernetesSDConfigs.isEmpty { keys.append("kubernetes_sd_configs") }
        return keys
    }

    static func providers<C: Clock<Duration>>(
        for configs: ServiceDiscoveryConfigs, clock: C, metrics: DiscoveryMetrics
    ) -> [any DiscoveryProvider] {
        var providers: [any DiscoveryProvider] = []
        if !configs.staticConfigs.isEmpty { providers.append(StaticProvider(configs.staticConfigs)) }
        for config in configs.fileSDConfigs {
            providers.append(FileProvider(config: config, clock: clock, metrics: metrics))
        }
        for config in configs.dnsSDConfigs {
            providers.append(DNSProvider(config: config, clock: clock, metrics: metrics))
        }
        return providers
    }
}
