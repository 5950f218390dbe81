package import Config
import Model

/// `consul_sd_configs`: service instances from Consul's catalog (Prometheus's `discovery/consul`).
///
/// The datacenter comes from the config or, when unset, from the agent (`/v1/agent/self`,
/// retried every 15 s). With a fixed `services` list and no `tags` or `filter`, each service is
/// watched directly; otherwise the catalog is watched and a watch is started for each service
/// that matches `services` and carries every tag, and stopped (its group removed) when the
/// service leaves the catalog. Every watch is a blocking query; after it returns, the next one
/// starts no sooner than `refresh_interval` after the previous one began. A failed call counts
/// `prometheus_sd_consul_rpc_failures_total`, keeps the last targets and is retried after 15 s.
/// Each service's group (source: the service name) has `__meta_consul_service` and
/// `__meta_consul_dc`; its targets carry the instance's `__meta_consul_*` labels.
package struct ConsulProvider<C: Clock<Duration>>: DiscoveryProvider {
    package static var configKey: String { "consul_sd_configs" }

    private let config: ConsulSDConfig
    private let clock: C
    private let metrics: DiscoveryMetrics
    private let watchTimeout: Duration
    private let retryInterval: Duration

    /// A provider for one validated `consul_sd_configs` entry.
    ///
    /// - Parameters:
    ///   - watchTimeout: the `wait` of blocking queries (Prometheus's 2 minutes).
    ///   - retryInterval: the pause after a failed call (Prometheus's 15 s).
    package init(
        config: ConsulSDConfig, clock: C, metrics: DiscoveryMetrics, watchTimeout: Duration = .seconds(120),
        retryInterval: Duration = .seconds(15)
    ) {
        self.config = config
        self.clock = clock
        self.metrics = metrics
        self.watchTimeout = watchTimeout
        self.retryInterval = retryInterval
    }

    package func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async throws(DiscoveryError) {
        let client: SDHTTPClient
        do throws(DiscoveryError) {
            client = try SDHTTPClient(config: config.http, baseURL: ConsulAPI.baseURL(config))
        } catch {
            metrics.countConsulRPCFailure()
            throw error
        }
        let api = ConsulAPI(client: client, config: config, watchTimeout: watchTimeout)
        if let datacenter = await datacenter(api) {
            if config.services.isEmpty || !config.tags.isEmpty || !config.filter.isEmpty {
                await watchCatalog(api, datacenter: datacenter, updates: updates)
            } else {
                await withDiscardingTaskGroup { group in
                    for name in config.services {
                        group.addTask { await watchService(name, api: api, datacenter: datacenter, updates: updates) }
                    }
                }
            }
        }
        await client.shutdown()
    }

    /// The configured datacenter, or the agent's; nil when cancelled first.
    private func datacenter(_ api: ConsulAPI) async -> String? {
        if !config.datacenter.isEmpty { return config.datacenter }
        while !Task.isCancelled {
            do {
                return try await api.agentDatacenter()
            } catch {
                metrics.countConsulRPCFailure()
                do { try await clock.sleep(for: retryInterval) } catch { return nil }
            }
        }
        return nil
    }

    /// Watches the catalog, starting and stopping one watch per matching service.
    private func watchCatalog(
        _ api: ConsulAPI, datacenter: String, updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation
    ) async {
        var watched: [String: Task<Void, Never>] = [:]
        var lastIndex: UInt64 = 0
        while !Task.isCancelled {
            let start = clock.now
            do {
                defer { metrics.observeConsulRPC(.services, duration: start.duration(to: clock.now)) }
                let (services, index) = try await api.services(index: lastIndex)
                if index != lastIndex {
                    lastIndex = index
                    for (name, tags) in services.sorted(by: { $0.key < $1.key })
                    where watched[name] == nil && shouldWatch(name, tags: tags) {
                        watched[name] = Task { await watchService(name, api: api, datacenter: datacenter, updates: updates) }
                    }
                    for name in watched.keys.sorted() where services[name] == nil {
                        watched.removeValue(forKey: name)?.cancel()
                        updates.yield([DiscoveredTargetGroup(source: name)])
                    }
                    if watched.isEmpty { updates.yield([DiscoveredTargetGroup(source: "")]) }
                }
            } catch {
                if Task.isCancelled { break }
                metrics.countConsulRPCFailure()
                do { try await clock.sleep(for: retryInterval) } catch { break }
            }
            do { try await clock.sleep(until: start.advanced(by: config.refreshInterval), tolerance: nil) } catch { break }
        }
        for task in watched.values { task.cancel() }
        for task in watched.values { await task.value }
    }

    /// Watches one service's instances until cancelled.
    private func watchService(
        _ name: String, api: ConsulAPI, datacenter: String, updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation
    ) async {
        var lastIndex: UInt64 = 0
        while !Task.isCancelled {
            let start = clock.now
            do {
                defer { metrics.observeConsulRPC(.service, duration: start.duration(to: clock.now)) }
                let (entries, index) = try await api.health(service: name, index: lastIndex)
                if index != lastIndex, !Task.isCancelled {
                    lastIndex = index
                    updates.yield([ConsulTargets.group(
                        service: name, datacenter: datacenter, entries: entries, tagSeparator: config.tagSeparator)])
                }
            } catch {
                if Task.isCancelled { return }
                metrics.countConsulRPCFailure()
                do { try await clock.sleep(for: retryInterval) } catch { return }
            }
            do { try await clock.sleep(until: start.advanced(by: config.refreshInterval), tolerance: nil) } catch { return }
        }
    }

    /// Upstream's `shouldWatch`: the name is in `services` (or it is empty) and the service has
    /// every configured tag.
    private func shouldWatch(_ name: String, tags: [String]) -> Bool {
        (config.services.isEmpty || config.services.contains(name)) && config.tags.allSatisfy(tags.contains)
    }
}

/// The target group of a Consul service, labelled as upstream's `consulService.watch`.
enum ConsulTargets {
    static func group(
        service: String, datacenter: String, entries: [ConsulAPI.ServiceEntry], tagSeparator: String
    ) -> DiscoveredTargetGroup {
        let targets = entries.map { entry in
            let node = entry.node
            let instance = entry.service
            let port = String(instance?.port ?? 0)
            let serviceAddress = instance?.address ?? ""
            let host = serviceAddress.isEmpty ? node?.address ?? "" : serviceAddress
            // The separator also wraps the list, so relabel regexes need not care about positions.
            let tags = tagSeparator + (instance?.tags ?? []).joined(separator: tagSeparator) + tagSeparator
            var labels = LabelsBuilder()
            labels.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(host, instance?.port ?? 0))
            labels.set("__meta_consul_address", node?.address ?? "")
            labels.set("__meta_consul_node", node?.node ?? "")
            labels.set("__meta_consul_namespace", instance?.namespace ?? "")
            labels.set("__meta_consul_partition", instance?.partition ?? "")
            labels.set("__meta_consul_tags", tags)
            labels.set("__meta_consul_service_address", serviceAddress)
            labels.set("__meta_consul_service_port", port)
            labels.set("__meta_consul_service_id", instance?.id ?? "")
            labels.set("__meta_consul_health", aggregatedStatus(entry.checks ?? []))
            for (key, value) in (node?.meta ?? [:]).sorted(by: { $0.key < $1.key }) {
                labels.set("__meta_consul_metadata_" + LabelNameSanitizer.sanitize(key), value)
            }
            for (key, value) in (instance?.meta ?? [:]).sorted(by: { $0.key < $1.key }) {
                labels.set("__meta_consul_service_metadata_" + LabelNameSanitizer.sanitize(key), value)
            }
            for (key, value) in (node?.taggedAddresses ?? [:]).sorted(by: { $0.key < $1.key }) {
                labels.set("__meta_consul_tagged_address_" + LabelNameSanitizer.sanitize(key), value)
            }
            return labels.labels()
        }
        return DiscoveredTargetGroup(
            source: service, targets: targets,
            labels: Labels([Label(name: "__meta_consul_service", value: service), Label(name: "__meta_consul_dc", value: datacenter)]))
    }

    /// Consul's `HealthChecks.AggregatedStatus`: maintenance, then critical, warning, passing; an
    /// unknown status gives "".
    static func aggregatedStatus(_ checks: [ConsulAPI.ServiceEntry.Check]) -> String {
        var warning = false, critical = false, maintenance = false
        for check in checks {
            let id = check.checkID ?? ""
            if id == "_node_maintenance" || id.hasPrefix("_service_maintenance:") {
                maintenance = true
                continue
            }
            switch check.status {
            case "passing": break
            case "warning": warning = true
            case "critical": critical = true
            default: return ""
            }
        }
        if maintenance { return "maintenance" }
        if critical { return "critical" }
        if warning { return "warning" }
        return "passing"
    }
}
