/// Why a discovery provider could not produce targets. A failing source keeps its last good
/// groups; the error is logged and counted.
package enum DiscoveryError: Error, Equatable, Sendable {
    /// A `file_sd_configs` file could not be read or decoded.
    case malformedFile(path: String, reason: String)
    /// A `dns_sd_configs` lookup failed (not NXDOMAIN, which means "no targets").
    case dnsLookupFailed(name: String, reason: String)
    /// An HTTP request of `http_sd_configs`, `consul_sd_configs` or `kubernetes_sd_configs`
    /// failed, or its answer was not what the API promises.
    case requestFailed(url: String, reason: String)
    /// The resolver, a watcher or an HTTP client could not be set up.
    case setupFailed(String)
}

extension DiscoveryError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .malformedFile(let path, let reason):
            "file_sd_configs: error reading file \"\(path)\": \(reason)"
        case .dnsLookupFailed(let name, let reason):
            "dns_sd_configs: could not resolve \"\(name)\": \(reason)"
        case .requestFailed(let url, let reason):
            "service discovery: request to \"\(url)\" failed: \(reason)"
        case .setupFailed(let message):
            "service discovery: \(message)"
        }
    }
}
