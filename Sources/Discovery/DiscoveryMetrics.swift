import Foundation
import Synchronization

/// Discovery's self-metrics, under Prometheus's names, written into the server's `/metrics` by
/// `write(into:)`. One instance is shared by a manager and its providers.
package final class DiscoveryMetrics: Sendable {
    private let fileReadErrors = Atomic<Int>(0)
    private let dnsLookups = Atomic<Int>(0)
    private let dnsLookupFailures = Atomic<Int>(0)
    private let httpFailures = Atomic<Int>(0)
    private let consulRPCFailures = Atomic<Int>(0)
    private let kubernetesFailures = Atomic<Int>(0)
    private let discoveredTargets = Mutex<[String: Int]>([:])

    /// Counters at zero.
    package init() {}

    /// `prometheus_sd_file_read_errors_total`: files that could not be read or decoded.
    package var fileReadErrorsTotal: Int { fileReadErrors.load(ordering: .relaxed) }
    /// `prometheus_sd_dns_lookups_total`: DNS-SD lookups made.
    package var dnsLookupsTotal: Int { dnsLookups.load(ordering: .relaxed) }
    /// `prometheus_sd_dns_lookup_failures_total`: DNS-SD lookups that failed.
    package var dnsLookupFailuresTotal: Int { dnsLookupFailures.load(ordering: .relaxed) }

    /// `prometheus_sd_http_failures_total`: HTTP-SD refreshes that failed.
    package var httpFailuresTotal: Int { httpFailures.load(ordering: .relaxed) }
    /// `prometheus_sd_consul_rpc_failures_total`: Consul requests that failed.
    package var consulRPCFailuresTotal: Int { consulRPCFailures.load(ordering: .relaxed) }

    /// `prometheus_sd_kubernetes_failures_total`: failed LISTs and WATCHes, and configs that
    /// could not reach the API server at all.
    package var kubernetesFailuresTotal: Int { kubernetesFailures.load(ordering: .relaxed) }

    /// `prometheus_sd_discovered_targets{config=job, name="scrape"}` at the last publication.
    package func discoveredTargets(job: String) -> Int? { discoveredTargets.withLock { $0[job] } }

    /// Replaces every job's target count (jobs not given disappear).
    func setDiscoveredTargets(_ counts: [String: Int]) { discoveredTargets.withLock { $0 = counts } }

    /// The metrics in the text exposition format, with Prometheus's help texts.
    package func write(into out: inout [UInt8]) {
        var text = ""
        func counter(_ name: String, _ help: String, _ value: Int) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name) \(value)\n"
        }
        counter("prometheus_sd_file_read_errors_total", "The number of File-SD read errors.", fileReadErrorsTotal)
        counter("prometheus_sd_dns_lookups_total", "The number of DNS-SD lookups.", dnsLookupsTotal)
        counter("prometheus_sd_dns_lookup_failures_total", "The number of DNS-SD lookup failures.", dnsLookupFailuresTotal)
        counter("prometheus_sd_http_failures_total", "Number of HTTP service discovery refresh failures.", httpFailuresTotal)
        counter("prometheus_sd_consul_rpc_failures_total", "The number of Consul RPC call failures.", consulRPCFailuresTotal)
        counter("prometheus_sd_kubernetes_failures_total", "The number of failed WATCH/LIST requests.", kubernetesFailuresTotal)
        let name = "prometheus_sd_discovered_targets"
        text += "# HELP \(name) Current number of discovered targets.\n# TYPE \(name) gauge\n"
        for (job, count) in discoveredTargets.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            text += "\(name){config=\"\(Self.escaped(job))\",name=\"scrape\"} \(count)\n"
        }
        out.append(contentsOf: text.utf8)
    }

    /// A label value escaped for the text format.
    private static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    func countFileReadError() { fileReadErrors.add(1, ordering: .relaxed) }
    func countDNSLookup(failed: Bool) {
        dnsLookups.add(1, ordering: .relaxed)
        if failed { dnsLookupFailures.add(1, ordering: .relaxed) }
    }
    func countHTTPFailure() { httpFailures.add(1, ordering: .relaxed) }
    func countConsulRPCFailure() { consulRPCFailures.add(1, ordering: .relaxed) }
    func countKubernetesFailure() { kubernetesFailures.add(1, ordering: .relaxed) }
}
