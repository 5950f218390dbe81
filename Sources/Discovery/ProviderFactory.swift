import Config

/// Builds the providers of one job's discovery section.
enum ProviderFactory {
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
