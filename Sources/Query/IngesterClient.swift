package import Config
package import NIOSSL

/// How queriers and the ruler reach the ingesters' read API: `stream.ingester_client` (scheme,
/// credentials, headers) with its TLS settings loaded once, for ingesters whose listener takes
/// `--web.config.file` TLS or basic auth.
package struct IngesterClient: Sendable {
    /// `http` or `https`.
    package let scheme: String
    /// Credentials and headers, read (files included) for every request.
    package let http: HTTPClientConfig
    /// The TLS setup of `https` requests; `nil` for the client's default.
    package let tls: TLSConfiguration?

    /// Plain HTTP without credentials (no `stream.ingester_client`).
    package static let plain = IngesterClient(scheme: "http", http: HTTPClientConfig(), tls: nil)

    private init(scheme: String, http: HTTPClientConfig, tls: TLSConfiguration?) {
        self.scheme = scheme
        self.http = http
        self.tls = tls
    }

    /// The client of `config`.
    /// - Throws: a message naming a setting Pharos does not support for ingester requests
    ///   (`oauth2`, proxies, `tls_config.server_name`) or TLS files that cannot be loaded.
    package init(_ config: StreamIngesterClientConfig) throws(IngesterClientError) {
        let tls: TLSConfiguration?
        do { tls = try RemoteReadClient.tlsConfiguration(config.http, setting: "stream.ingester_client") } catch {
            throw IngesterClientError(description: error.description)
        }
        self.init(scheme: config.scheme, http: config.http, tls: tls)
    }
}

/// Why `stream.ingester_client` cannot be used.
package struct IngesterClientError: Error, CustomStringConvertible {
    package let description: String
}
