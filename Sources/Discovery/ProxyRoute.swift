import AsyncHTTPClient
import Config
import Foundation
import NIOHTTP1

/// Which proxy, if any, a discovery client uses for its endpoint, from the proxy keys of
/// `<http_config>` (Go's `http.ProxyURL` with `no_proxy`, or `http.ProxyFromEnvironment`).
///
/// A discovery client talks to one host, so the choice is made once per client. `http://` and
/// `socks5://` proxies are supported; credentials in the proxy URL become `Proxy-Authorization`.
enum ProxyRoute {
    /// The proxy for requests to `host` over `scheme`, or nil to connect directly.
    /// - Throws: `DiscoveryError.setupFailed` for a proxy URL that cannot be used.
    static func proxy(
        for scheme: String, host: String, config: ProxyConfig, environment: [String: String]
    ) throws(DiscoveryError) -> HTTPClient.Configuration.Proxy? {
        let proxyURL: String
        let noProxy: String
        if config.proxyFromEnvironment {
            let names = scheme == "https" ? ["HTTPS_PROXY", "https_proxy"] : ["HTTP_PROXY", "http_proxy"]
            proxyURL = names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
            noProxy = environment["NO_PROXY"] ?? environment["no_proxy"] ?? ""
        } else {
            proxyURL = config.proxyURL
            noProxy = config.noProxy
        }
        // Go's `http.ProxyURL` (a proxy_url without no_proxy) proxies every host, loopback included;
        // `httpproxy`'s matching (no_proxy or the environment) never proxies loopback.
        let matching = config.proxyFromEnvironment || !noProxy.isEmpty
        guard !proxyURL.isEmpty, !(matching && bypasses(host: host, noProxy: noProxy)) else { return nil }
        // Go accepts a bare host:port as an http proxy.
        let withScheme = proxyURL.contains("://") ? proxyURL : "http://" + proxyURL
        guard let url = URLComponents(string: withScheme), let proxyHost = url.host, !proxyHost.isEmpty else {
            throw .setupFailed("invalid proxy URL \"\(proxyURL)\"")
        }
        switch url.scheme?.lowercased() {
        case "http":
            var headers = HTTPHeaders()
            for (name, values) in config.proxyConnectHeader.sorted(by: { $0.key < $1.key }) {
                for value in values { headers.add(name: name, value: value.value) }
            }
            let authorization = url.user.map {
                HTTPClient.Authorization.basic(username: $0.removingPercentEncoding ?? $0,
                                               password: url.password?.removingPercentEncoding ?? "")
            }
            return .server(host: proxyHost, port: url.port ?? 80, authorization: authorization, connectHeaders: headers)
        case "socks5", "socks5h":
            return .socksServer(host: proxyHost, port: url.port ?? 1080)
        default:
            throw .setupFailed("proxy scheme \"\(url.scheme ?? "")\" is not supported (http, socks5)")
        }
    }

    /// Go's `httpproxy` `NO_PROXY` matching: loopback hosts, `*`, IP addresses, CIDR ranges, and domain names that
    /// match themselves and their subdomains (a leading dot: subdomains only); `:port` is ignored.
    static func bypasses(host: String, noProxy: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasPrefix("127.") || host == "::1" { return true }
        let hostAddress = IPAddressBytes(host)
        for rawEntry in noProxy.split(separator: ",") {
            var entry = String(rawEntry.trimmingWhitespace).lowercased()
            if entry.isEmpty { continue }
            if entry == "*" { return true }
            if let slash = entry.firstIndex(of: "/") {
                if let hostAddress, let network = IPAddressBytes(String(entry[..<slash])),
                   let bits = Int(entry[entry.index(after: slash)...]), network.contains(hostAddress, prefixBits: bits) {
                    return true
                }
                continue
            }
            if let colon = entry.lastIndex(of: ":"), !entry.hasSuffix("]"), entry.filter({ $0 == ":" }).count == 1 {
                entry = String(entry[..<colon])
            }
            entry = entry.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if let hostAddress, let address = IPAddressBytes(entry) {
                if address == hostAddress { return true }
                continue
            }
            if entry.hasPrefix(".") {
                if host.hasSuffix(entry) { return true }
            } else if host == entry || host.hasSuffix("." + entry) {
                return true
            }
        }
        return false
    }
}

/// An IPv4 or IPv6 address as bytes, for `no_proxy` matching.
struct IPAddressBytes: Equatable {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// Whether `address` is in this network of `prefixBits` leading bits.
    func contains(_ address: IPAddressBytes, prefixBits: Int) -> Bool {
        guard address.bytes.count == bytes.count, prefixBits >= 0, prefixBits <= bytes.count * 8 else { return false }
        for bit in 0..<prefixBits {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if bytes[bit / 8] & mask != address.bytes[bit / 8] & mask { return false }
        }
        return true
    }
}
