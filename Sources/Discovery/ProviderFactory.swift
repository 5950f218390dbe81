package import Config

/// Builds the providers of one job's discovery section.
package enum ProviderFactory {
    static func providers<C: Clock<Duration>>(
        for configs: ServiceDiscoveryConfigs, clock: C, metrics: DiscoveryMetrics
    ) -> [any DiscoveryProvider] {
        var providers: [any DiscoveryProvider] = []
        if !configs.staticConfigs.isEmpty { providers.append(StaticProvider(configs.staticConfigs)) }
        for config in configs.fileSDConfigs {
            providers.append(FileProvider(config: config, clock: clock, metrics: metrics))
        }
        for config in configs.httpSDConfigs {
            providers.append(HTTPProvider(config: config, clock: clock, metrics: metrics))
        }
        for config in configs.consulSDConfigs {
            providers.append(ConsulProvider(config: config, clock: clock, metrics: metrics))
        }
        for config in configs.kubernetesSDConfigs {
            providers.append(KubernetesProvider(config: config, clock: clock, metrics: metrics))
        }
        for config in configs.dnsSDConfigs {
            providers.append(DNSProvider(config: config, clock: clock, metrics: metrics))
        }
        return providers
    }
}
