import Synchronization

/// Discovery's self-metrics, under Prometheus's names; the server exposes them once
/// self-metrics exist. One instance is shared by a manager's providers.
package final class DiscoveryMetrics: Sendable {
    private let fileReadErrors = Atomic<Int>(0)
    private let dnsLookups = Atomic<Int>(0)
    private let dnsLookupFailures = Atomic<Int>(0)

    /// Counters at zero.
    package init() {}

    /// `prometheus_sd_file_read_errors_total`: files that could not be read or decoded.
    package var fileReadErrorsTotal: Int { fileReadErrors.load(ordering: .relaxed) }
    /// `prometheus_sd_dns_lookups_total`: DNS-SD lookups made.
    package var dnsLookupsTotal: Int { dnsLookups.load(ordering: .relaxed) }
    /// `prometheus_sd_dns_lookup_failures_total`: DNS-SD lookups that failed.
    package var dnsLookupFailuresTotal: Int { dnsLookupFailures.load(ordering: .relaxed) }

    func countFileReadError() { fileReadErrors.add(1, ordering: .relaxed) }
    func countDNSLookup(failed: Bool) {
        dnsLookups.add(1, ordering: .relaxed)
        if failed { dnsLookupFailures.add(1, ordering: .relaxed) }
    }
}
