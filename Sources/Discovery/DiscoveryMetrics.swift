import Foundation
import Synchronization

/// Discovery's self-metrics, under Prometheus's names and help texts, written into the server's
/// `/metrics` by `write(into:)`. One instance is shared by the server's managers (`name`
/// `scrape` and `notify`, as upstream's) and every provider they start.
package final class DiscoveryMetrics: Sendable {
    private let fileReadErrors = Atomic<Int>(0)
    private let fileWatcherErrors = Atomic<Int>(0)
    private let dnsLookups = Atomic<Int>(0)
    private let dnsLookupFailures = Atomic<Int>(0)
    private let httpFailures = Atomic<Int>(0)
    private let consulRPCFailures = Atomic<Int>(0)
    private let kubernetesFailures = Atomic<Int>(0)
    private let state = Mutex(State())

    private struct State {
        var fileScanDuration = SlidingWindowSummary()
        /// By `call` (`services`: the catalog, `service`: one service's instances).
        var consulRPCDuration: [ConsulCall: SlidingWindowSummary] = [.services: SlidingWindowSummary(), .service: SlidingWindowSummary()]
        var refreshes: [RefreshKey: Refresh] = [:]
        /// Every role × event, at zero from the start as upstream initialises them.
        var kubernetesEvents: [KubernetesEventKey: Int] = Dictionary(
            uniqueKeysWithValues: KubernetesEventKey.roles.flatMap { role in
                KubernetesEvent.allCases.map { (KubernetesEventKey(role: role, event: $0), 0) }
            })
        var managers: [String: Manager] = [:]
    }

    private struct RefreshKey: Hashable, Comparable {
        var mechanism: String
        var config: String

        static func < (a: Self, b: Self) -> Bool { (a.config, a.mechanism) < (b.config, b.mechanism) }
    }

    private struct Refresh {
        var failures = 0
        var duration = SlidingWindowSummary()
    }

    private struct KubernetesEventKey: Hashable {
        /// Upstream's roles, the `role` label's values (one per kind of object watched).
        static let roles = ["endpointslice", "endpoints", "node", "pod", "service", "ingress"]
        var role: String
        var event: KubernetesEvent
    }

    /// One discovery manager's metrics (upstream's `discovery.Metrics`).
    private struct Manager {
        var failedConfigs = 0
        var discoveredTargets: [String: Int] = [:]
        var receivedUpdates = 0
        var sentUpdates = 0
        var delayedUpdates = 0
    }

    /// A Consul blocking query (the `call` label of `prometheus_sd_consul_rpc_duration_seconds`).
    enum ConsulCall: String, CaseIterable, Sendable {
        /// `/v1/catalog/services`.
        case services
        /// `/v1/health/service/<name>`.
        case service
    }

    /// What a Kubernetes informer saw happen to an object (the `event` label).
    package enum KubernetesEvent: String, CaseIterable, Sendable {
        case add, delete, update
    }

    /// Counters at zero.
    package init() {}

    /// `prometheus_sd_file_read_errors_total`: files that could not be read or decoded.
    package var fileReadErrorsTotal: Int { fileReadErrors.load(ordering: .relaxed) }
    /// `prometheus_sd_file_watcher_errors_total`: inotify watchers that could not be set up.
    package var fileWatcherErrorsTotal: Int { fileWatcherErrors.load(ordering: .relaxed) }
    /// `prometheus_sd_file_scan_duration_seconds_count`: file scans made.
    package var fileScansTotal: Int { state.withLock { $0.fileScanDuration.count } }
    /// `prometheus_sd_dns_lookups_total`: DNS-SD lookups made.
    package var dnsLookupsTotal: Int { dnsLookups.load(ordering: .relaxed) }
    /// `prometheus_sd_dns_lookup_failures_total`: DNS-SD lookups that failed.
    package var dnsLookupFailuresTotal: Int { dnsLookupFailures.load(ordering: .relaxed) }

    /// `prometheus_sd_http_failures_total`: HTTP-SD refreshes that failed.
    package var httpFailuresTotal: Int { httpFailures.load(ordering: .relaxed) }
    /// `prometheus_sd_consul_rpc_failures_total`: Consul requests that failed.
    package var consulRPCFailuresTotal: Int { consulRPCFailures.load(ordering: .relaxed) }

    /// `prometheus_sd_consul_rpc_duration_seconds_count{endpoint="catalog",call}`.
    func consulRPCs(_ call: ConsulCall) -> Int { state.withLock { $0.consulRPCDuration[call]?.count ?? 0 } }

    /// `prometheus_sd_kubernetes_failures_total`: failed LISTs and WATCHes, and configs that
    /// could not reach the API server at all.
    package var kubernetesFailuresTotal: Int { kubernetesFailures.load(ordering: .relaxed) }

    /// `prometheus_sd_kubernetes_events_total{role,event}`.
    package func kubernetesEvents(role: String, event: KubernetesEvent) -> Int? {
        state.withLock { $0.kubernetesEvents[KubernetesEventKey(role: role, event: event)] }
    }

    /// `prometheus_sd_refresh_failures_total{mechanism,config}` and the number of refreshes
    /// (`prometheus_sd_refresh_duration_seconds_count`); nil for a pair never registered.
    package func refreshes(mechanism: String, config: String) -> (failures: Int, count: Int)? {
        state.withLock { state in
            state.refreshes[RefreshKey(mechanism: mechanism, config: config)].map { ($0.failures, $0.duration.count) }
        }
    }

    /// `prometheus_sd_discovered_targets{config=job, name=manager}` at the manager's last publication.
    package func discoveredTargets(job: String, manager: String = "scrape") -> Int? {
        state.withLock { $0.managers[manager]?.discoveredTargets[job] }
    }

    /// A manager's update counters and `prometheus_sd_failed_configs`.
    package func updates(manager: String = "scrape") -> (received: Int, sent: Int, delayed: Int, failedConfigs: Int)? {
        state.withLock { state in
            state.managers[manager].map { ($0.receivedUpdates, $0.sentUpdates, $0.delayedUpdates, $0.failedConfigs) }
        }
    }

    // MARK: - Recording

    func countFileReadError() { fileReadErrors.add(1, ordering: .relaxed) }
    func countFileWatcherError() { fileWatcherErrors.add(1, ordering: .relaxed) }
    func observeFileScan(_ duration: Duration) {
        let now = ContinuousClock.now
        state.withLock { $0.fileScanDuration.observe(Self.seconds(duration), at: now) }
    }

    func countDNSLookup(failed: Bool) {
        dnsLookups.add(1, ordering: .relaxed)
        if failed { dnsLookupFailures.add(1, ordering: .relaxed) }
    }
    func countHTTPFailure() { httpFailures.add(1, ordering: .relaxed) }
    func countConsulRPCFailure() { consulRPCFailures.add(1, ordering: .relaxed) }
    /// Times one blocking query, failed or not (upstream observes before checking the error).
    func observeConsulRPC(_ call: ConsulCall, duration: Duration) {
        let now = ContinuousClock.now
        state.withLock { $0.consulRPCDuration[call, default: SlidingWindowSummary()].observe(Self.seconds(duration), at: now) }
    }
    func countKubernetesFailure() { kubernetesFailures.add(1, ordering: .relaxed) }

    /// Counts `count` events of `event` on objects of `role` (a role upstream counts; others are ignored).
    func countKubernetesEvents(role: String, event: KubernetesEvent, count: Int = 1) {
        guard count > 0 else { return }
        state.withLock { state in
            let key = KubernetesEventKey(role: role, event: event)
            if state.kubernetesEvents[key] != nil { state.kubernetesEvents[key, default: 0] += count }
        }
    }

    /// Makes the refresh series of a refresh-based provider exist at zero (upstream's
    /// `Instantiate(mech, setName)` when the provider is created).
    func registerRefresh(mechanism: String, config: String) {
        state.withLock { state in
            let key = RefreshKey(mechanism: mechanism, config: config)
            if state.refreshes[key] == nil { state.refreshes[key] = Refresh() }
        }
    }

    /// Records one refresh of a refresh-based provider (upstream's `refresh.Discovery.refresh`).
    func observeRefresh(mechanism: String, config: String, duration: Duration, failed: Bool) {
        let now = ContinuousClock.now
        state.withLock { state in
            let key = RefreshKey(mechanism: mechanism, config: config)
            var refresh = state.refreshes[key] ?? Refresh()
            refresh.duration.observe(Self.seconds(duration), at: now)
            if failed { refresh.failures += 1 }
            state.refreshes[key] = refresh
        }
    }

    /// Makes a manager's series exist at zero.
    func registerManager(_ name: String) {
        state.withLock { state in
            if state.managers[name] == nil { state.managers[name] = Manager() }
        }
    }

    /// A provider of the manager sent a batch.
    func countReceivedUpdate(manager: String) {
        state.withLock { $0.managers[manager, default: Manager()].receivedUpdates += 1 }
    }

    /// The manager published; `delayed` when its consumer had not taken the previous publication.
    func countSentUpdate(manager: String, delayed: Bool) {
        state.withLock { state in
            state.managers[manager, default: Manager()].sentUpdates += 1
            if delayed { state.managers[manager, default: Manager()].delayedUpdates += 1 }
        }
    }

    /// Replaces every job's target count (jobs not given disappear).
    func setDiscoveredTargets(_ counts: [String: Int], manager: String) {
        state.withLock { $0.managers[manager, default: Manager()].discoveredTargets = counts }
    }

    /// Sets how many of the manager's configs could not be used at all.
    func setFailedConfigs(_ count: Int, manager: String) {
        state.withLock { $0.managers[manager, default: Manager()].failedConfigs = count }
    }

    // MARK: - Exposition

    /// The metrics in the text exposition format, with Prometheus's help texts.
    package func write(into out: inout [UInt8]) {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func counter(_ name: String, _ help: String, _ value: Int) {
            family(name, "counter", help)
            text += "\(name) \(value)\n"
        }
        let now = ContinuousClock.now
        let state = self.state.withLock { $0 }
        counter("prometheus_sd_file_read_errors_total", "The number of File-SD read errors.", fileReadErrorsTotal)
        counter("prometheus_sd_file_watcher_errors_total", "The number of File-SD errors caused by filesystem watch failures.",
                fileWatcherErrorsTotal)
        family("prometheus_sd_file_scan_duration_seconds", "summary", "The duration of the File-SD scan in seconds.")
        state.fileScanDuration.write(name: "prometheus_sd_file_scan_duration_seconds", labels: "", at: now, into: &text)
        counter("prometheus_sd_dns_lookups_total", "The number of DNS-SD lookups.", dnsLookupsTotal)
        counter("prometheus_sd_dns_lookup_failures_total", "The number of DNS-SD lookup failures.", dnsLookupFailuresTotal)
        counter("prometheus_sd_http_failures_total", "Number of HTTP service discovery refresh failures.", httpFailuresTotal)
        counter("prometheus_sd_consul_rpc_failures_total", "The number of Consul RPC call failures.", consulRPCFailuresTotal)
        family("prometheus_sd_consul_rpc_duration_seconds", "summary", "The duration of a Consul RPC call in seconds.")
        for call in ConsulCall.allCases {
            state.consulRPCDuration[call]?.write(
                name: "prometheus_sd_consul_rpc_duration_seconds", labels: "call=\"\(call.rawValue)\",endpoint=\"catalog\"", at: now,
                into: &text)
        }
        counter("prometheus_sd_kubernetes_failures_total", "The number of failed WATCH/LIST requests.", kubernetesFailuresTotal)

        family("prometheus_sd_kubernetes_events_total", "counter", "The number of Kubernetes events handled.")
        for role in KubernetesEventKey.roles.sorted() {
            for event in KubernetesEvent.allCases {
                let count = state.kubernetesEvents[KubernetesEventKey(role: role, event: event)] ?? 0
                text += "prometheus_sd_kubernetes_events_total{event=\"\(event.rawValue)\",role=\"\(role)\"} \(count)\n"
            }
        }

        // Like a client_golang vector, a family without series is left out.
        let refreshes = state.refreshes.sorted { $0.key < $1.key }
        if !refreshes.isEmpty {
            family("prometheus_sd_refresh_failures_total", "counter", "Number of refresh failures for the given SD mechanism.")
            for (key, refresh) in refreshes {
                text += "prometheus_sd_refresh_failures_total{\(Self.labels(key))} \(refresh.failures)\n"
            }
            family("prometheus_sd_refresh_duration_seconds", "summary",
                   "The duration of a refresh in seconds for the given SD mechanism.")
            for (key, refresh) in refreshes {
                refresh.duration.write(name: "prometheus_sd_refresh_duration_seconds", labels: Self.labels(key), at: now, into: &text)
            }
        }

        Self.writeManagers(state.managers.sorted { $0.key < $1.key }, into: &text)
        out.append(contentsOf: text.utf8)
    }

    private static func writeManagers(_ managers: [(key: String, value: Manager)], into text: inout String) {
        guard !managers.isEmpty else { return }
        text += "# HELP prometheus_sd_discovered_targets Current number of discovered targets.\n"
        text += "# TYPE prometheus_sd_discovered_targets gauge\n"
        for (name, manager) in managers {
            for (job, count) in manager.discoveredTargets.sorted(by: { $0.key < $1.key }) {
                text += "prometheus_sd_discovered_targets{config=\"\(Self.escaped(job))\",name=\"\(Self.escaped(name))\"} \(count)\n"
            }
        }
        let perManager: [(String, String, String, KeyPath<Manager, Int>)] = [
            ("prometheus_sd_failed_configs", "gauge", "Current number of service discovery configurations that failed to load.", \.failedConfigs),
            ("prometheus_sd_received_updates_total", "counter", "Total number of update events received from the SD providers.", \.receivedUpdates),
            ("prometheus_sd_updates_delayed_total", "counter", "Total number of update events that couldn't be sent immediately.", \.delayedUpdates),
            ("prometheus_sd_updates_total", "counter", "Total number of update events sent to the SD consumers.", \.sentUpdates),
        ]
        for (metric, type, help, value) in perManager {
            text += "# HELP \(metric) \(help)\n# TYPE \(metric) \(type)\n"
            for (name, manager) in managers { text += "\(metric){name=\"\(Self.escaped(name))\"} \(manager[keyPath: value])\n" }
        }
    }

    private static func labels(_ key: RefreshKey) -> String {
        "config=\"\(escaped(key.config))\",mechanism=\"\(escaped(key.mechanism))\""
    }

    /// A label value escaped for the text format.
    private static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
