import AsyncHTTPClient
package import Config
import Foundation
import HTTPClientTLS
import NIOCore
import NIOHTTP1
import NIOSSL

/// An HTTP client for one discovery endpoint (HTTP SD, Consul, Kubernetes API), set up from the
/// section's `<http_config>` as Prometheus's `config.NewClientFromConfig`: TLS (CA, client
/// certificate, `server_name`, `insecure_skip_verify`, versions), `basic_auth`, `authorization`
/// (the deprecated bearer token keys are folded in by Config), `http_headers`, proxies
/// (`proxy_url`, `no_proxy`, `proxy_from_environment`, `proxy_connect_header`),
/// `follow_redirects` and `enable_http2`. Credential and header files are read at every request,
/// so rotated secrets are picked up as upstream does. `oauth2` is refused by Config.
final class SDHTTPClient: Sendable {
    /// A response whose body has been read.
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private let client: HTTPClient
    private let config: HTTPClientConfig
    /// `server_name`: requests go to this name (its TLS name and SNI), connections to `target`.
    private let serverNameOverride: (name: String, target: String)?

    /// A client for requests to `baseURL`'s host, which decides the proxy.
    ///
    /// - Throws: `DiscoveryError.setupFailed` when a certificate, key or CA cannot be loaded.
    init(
        config: HTTPClientConfig, baseURL: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(DiscoveryError) {
        self.config = config
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: try Self.tlsConfiguration(config.tls),
            redirectConfiguration: config.followRedirects ? .follow(max: 10, allowCycles: false) : .disallow,
            timeout: .init(connect: .seconds(30)))
        configuration.httpVersion = config.enableHTTP2 ? .automatic : .http1Only
        // A refused connection or a failed handshake is a failed refresh now, as in Go, not
        // retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        let target = URLComponents(string: baseURL)
        configuration.proxy = try ProxyRoute.proxy(
            for: target?.scheme ?? "http", host: target?.host ?? "", config: config.proxy, environment: environment)
        if !config.tls.serverName.isEmpty, let host = target?.host, host != config.tls.serverName {
            configuration.dnsOverride[config.tls.serverName] = host
            serverNameOverride = (config.tls.serverName, host)
        } else {
            serverNameOverride = nil
        }
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Stops the client; call once when the provider ends.
    func shutdown() async {
        try? await client.shutdown()
    }

    /// GETs `url` and reads the whole body, at most `maxBytes`.
    ///
    /// - Parameters:
    ///   - headers: request headers besides the configured ones.
    ///   - timeout: bounds the whole exchange, body included.
    /// - Throws: `DiscoveryError.requestFailed` for transport errors, the timeout, an oversized body
    ///   or an unreadable credentials file. Any status is returned.
    func get(
        _ url: String, headers: [(String, String)] = [], timeout: Duration, maxBytes: Int = 64 << 20
    ) async throws(DiscoveryError) -> Response {
        do {
            let response = try await client.execute(
                try request(url, headers: headers), deadline: .now() + Self.timeAmount(timeout))
            var body: [UInt8] = []
            for try await chunk in response.body {
                if body.count + chunk.readableBytes > maxBytes {
                    throw DiscoveryError.requestFailed(url: url, reason: "response body larger than \(maxBytes) bytes")
                }
                body.append(contentsOf: chunk.readableBytesView)
            }
            return Response(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            throw Self.failure(error, url: url)
        }
    }

    /// GETs `url` and returns as soon as the head arrived; the caller reads the body as a stream
    /// (Kubernetes watches). `timeout` bounds the whole exchange.
    func open(
        _ url: String, headers: [(String, String)] = [], timeout: Duration
    ) async throws(DiscoveryError) -> HTTPClientResponse {
        do {
            return try await client.execute(
                try request(url, headers: headers), deadline: .now() + Self.timeAmount(timeout))
        } catch {
            throw Self.failure(error, url: url)
        }
    }

    private static func failure(_ error: any Error, url: String) -> DiscoveryError {
        switch error {
        case let error as DiscoveryError: error
        case let error as HTTPClientError where error == .deadlineExceeded:
            .requestFailed(url: url, reason: "timed out")
        case let error as HTTPClientError: .requestFailed(url: url, reason: error.shortDescription.lowercased())
        default: .requestFailed(url: url, reason: String(describing: error))
        }
    }

    /// The request with the configured headers and credentials (files read now).
    private func request(_ url: String, headers: [(String, String)]) throws(DiscoveryError) -> HTTPClientRequest {
        var target = url
        var request = HTTPClientRequest(url: url)
        if let override = serverNameOverride, var components = URLComponents(string: url), components.host == override.target {
            components.host = override.name
            target = components.string ?? url
            request = HTTPClientRequest(url: target)
            request.headers.add(name: "Host", value: override.target + (components.port.map { ":\($0)" } ?? ""))
        }
        do throws(CredentialsFileError) {
            for (name, value) in try config.customHeaders() { request.headers.add(name: name, value: value) }
            if let authorization = try config.authorizationHeader() {
                request.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
        } catch {
            throw .requestFailed(url: url, reason: "\(error)")
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if !request.headers.contains(name: "User-Agent") { request.headers.add(name: "User-Agent", value: "Pharos") }
        return request
    }

    /// `base` with `query` appended, percent-encoded as Go's `url.Values` (a `+` in a value, as in
    /// a filter expression or selector, reaches the server as `+`, not a space).
    static func url(_ base: String, query: [(String, String)]) -> String {
        guard !query.isEmpty, var components = URLComponents(string: base) else { return base }
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components.percentEncodedQuery = encoded
        return components.string ?? base
    }

    /// NIO's TLS configuration for a `tls_config`.
    static func tlsConfiguration(_ tls: TLSConfig) throws(DiscoveryError) -> TLSConfiguration {
        do throws(ClientTLSError) {
            return try tls.clientConfiguration()
        } catch {
            throw .setupFailed("\(error)")
        }
    }

    /// `duration` for NIO, whole nanoseconds.
    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(min(duration / .nanoseconds(1), Double(Int64.max / 2))))
    }
}
