package import Config

/// Builds the providers of one job's discovery section.
package enum ProviderFactory {
    /// The providers, in the order `DiscoveryManager.providerNames` numbers them.
    ///
    /// - Parameter job: the job the section belongs to (the `config` label of refresh metrics).
    static func providers<C: Clock<Duration>>(
        for configs: ServiceDiscoveryConfigs, job: String, clock: C, metrics: DiscoveryMetrics
    ) -> [any DiscoveryProvider] {
        var providers: [any DiscoveryProvider] = []
        if !configs.staticConfigs.isEmpty { providers.append(StaticProvider(configs.staticConfigs)) }
        for config in configs.fileSDConfigs {
            providers.append(FileProvider(config: config, clock: clock, metrics: metrics))
        }
        for config in configs.httpSDConfigs {
            providers.append(HTTPProvider(config: config, clock: clock, metrics: metrics, job: job))
        }
        for config in configs.consulSDConfigs {
            providers.append(ConsulProvider(config: config, clock: clock, metrics: metrics))
        }
        for config in configs.kubernetesSDConfigs {
            providers.append(KubernetesProvider(config: config, clock: clock, metrics: metrics))
        }
        for config in configs.dnsSDConfigs {
            providers.append(DNSProvider(config: config, clock: clock, metrics: metrics, job: job))
        }
        return providers
    }
}
