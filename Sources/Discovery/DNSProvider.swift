package import Config
import Model

/// `dns_sd_configs`: targets from SRV, A, AAAA, MX or NS records (Prometheus's `discovery/dns`).
///
/// Every `refresh_interval` each name is looked up; its group (source: the name) carries one target
/// per record with `__meta_dns_name` and the record's `__meta_dns_*` labels. A lookup that fails
/// (anything but an answer or NXDOMAIN) sends nothing for that name, so it keeps its last targets,
/// and counts `prometheus_sd_dns_lookup_failures_total`. Each refresh (all names) is timed and
/// counted in `prometheus_sd_refresh_duration_seconds` and `prometheus_sd_refresh_failures_total`
/// (`mechanism="dns"`, `config` the job); unlike upstream, whose DNS refresh never fails, a
/// refresh in which a lookup failed counts as a failed refresh.
package struct DNSProvider<C: Clock<Duration>>: DiscoveryProvider {
    package static var configKey: String { "dns_sd_configs" }

    /// `__meta_dns_name`: the configured name the record answered.
    package static var nameLabel: String { "__meta_dns_name" }
    /// `__meta_dns_srv_record_target`: the SRV target, fully qualified (trailing dot).
    package static var srvRecordTargetLabel: String { "__meta_dns_srv_record_target" }
    /// `__meta_dns_srv_record_port`: the SRV port.
    package static var srvRecordPortLabel: String { "__meta_dns_srv_record_port" }
    /// `__meta_dns_mx_record_target`: the MX exchange, fully qualified.
    package static var mxRecordTargetLabel: String { "__meta_dns_mx_record_target" }
    /// `__meta_dns_ns_record_target`: the NS host, fully qualified.
    package static var nsRecordTargetLabel: String { "__meta_dns_ns_record_target" }

    private let config: DNSSDConfig
    private let queryType: DNSQueryType
    private let resolver: DNSResolver
    private let clock: C
    private let metrics: DiscoveryMetrics
    private let job: String

    /// A provider for one validated `dns_sd_configs` entry.
    ///
    /// - Parameters:
    ///   - config: names, type, port and `refresh_interval`.
    ///   - clock: drives the refresh interval.
    ///   - metrics: where lookups and failures are counted.
    ///   - servers: `host:port` DNS servers to use instead of `/etc/resolv.conf`'s.
    ///   - job: the job the entry belongs to (the `config` label of the refresh metrics).
    package init(config: DNSSDConfig, clock: C, metrics: DiscoveryMetrics, servers: [String]? = nil, job: String = "") {
        self.config = config
        // Config validation admits only these five types; SRV is the default.
        queryType = DNSQueryType(configName: config.type) ?? .srv
        resolver = DNSResolver(servers: servers)
        self.clock = clock
        self.metrics = metrics
        self.job = job
        metrics.registerRefresh(mechanism: "dns", config: job)
    }

    package func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async throws(DiscoveryError) {
        while !Task.isCancelled {
            let start = clock.now
            let (groups, failed) = await refresh()
            if Task.isCancelled { return }
            metrics.observeRefresh(mechanism: "dns", config: job, duration: start.duration(to: clock.now), failed: failed)
            if !groups.isEmpty { updates.yield(groups) }
            do { try await clock.sleep(for: config.refreshInterval) } catch { return }
        }
    }

    /// Looks every name up concurrently; the groups of the names that answered, by name, and
    /// whether a lookup failed.
    func refresh() async -> (groups: [DiscoveredTargetGroup], failed: Bool) {
        await withTaskGroup(of: DiscoveredTargetGroup?.self) { group in
            for name in config.names {
                group.addTask {
                    do {
                        let records = try await resolver.lookup(name, type: queryType)
                        metrics.countDNSLookup(failed: false)
                        return Self.group(name: name, records: records, port: config.port)
                    } catch {
                        metrics.countDNSLookup(failed: true)
                        return nil
                    }
                }
            }
            var groups: [DiscoveredTargetGroup] = []
            var failed = false
            for await result in group {
                if let result { groups.append(result) } else { failed = true }
            }
            return (groups.sorted { $0.source < $1.source }, failed)
        }
    }

    /// The group for `name`'s answer (Prometheus's `refreshOne`).
    static func group(name: String, records: [DNSRecord], port: Int) -> DiscoveredTargetGroup {
        let targets = records.map { record in
            var labels = LabelsBuilder()
            labels.set(nameLabel, name)
            switch record {
            case .srv(let target, let srvPort):
                labels.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(trimmingRoot(target), Int(srvPort)))
                labels.set(srvRecordTargetLabel, rooted(target))
                labels.set(srvRecordPortLabel, String(srvPort))
            case .a(let address), .aaaa(let address):
                labels.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(address, port))
            case .mx(let host):
                labels.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(trimmingRoot(host), port))
                labels.set(mxRecordTargetLabel, rooted(host))
            case .ns(let host):
                labels.set(DiscoveredTargetGroup.addressLabel, DiscoveredTargetGroup.joinHostPort(trimmingRoot(host), port))
                labels.set(nsRecordTargetLabel, rooted(host))
            }
            return labels.labels()
        }
        return DiscoveredTargetGroup(source: name, targets: targets)
    }

    /// The name as Go's DNS library reports it: fully qualified, with the root's trailing dot.
    private static func rooted(_ host: String) -> String { host.hasSuffix(".") ? host : host + "." }

    /// Prometheus removes the trailing dot of rooted names in addresses.
    private static func trimmingRoot(_ host: String) -> String {
        var host = Substring(host)
        while host.hasSuffix(".") { host = host.dropLast() }
        return String(host)
    }
}
