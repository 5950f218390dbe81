package import AsyncHTTPClient
package import Config
package import Model
import Synchronization
package import TSDB

/// The `remote_read` entries of the configuration (upstream's `remote.Storage` read side):
/// replaced as a whole by `applyConfig` (start and reload), and merged with local storage
/// into the querier of each query.
package final class RemoteReadStorage: Sendable {
    private let httpClient: HTTPClient
    private let endpoints = Mutex<[RemoteReadEndpoint]>([])
    /// Clients of entries that do not follow redirects or speak HTTP/2 (by those two
    /// settings), created when first needed and kept until `shutdown`.
    private let ownClients = Mutex<[OwnClientKey: HTTPClient]>([:])

    private struct OwnClientKey: Hashable {
        var followsRedirects: Bool
        var enablesHTTP2: Bool
    }

    /// Storage whose requests go out through `httpClient` (which follows redirects and may
    /// speak HTTP/2, Prometheus's defaults).
    package init(httpClient: HTTPClient) {
        self.httpClient = httpClient
    }

    /// Shuts down the clients made for entries with `follow_redirects: false` or
    /// `enable_http2: false`.
    package func shutdown() async {
        for client in ownClients.withLock({ clients in defer { clients = [:] }; return Array(clients.values) }) {
            try? await client.shutdown()
        }
    }

    /// The client for an entry's `follow_redirects` and `enable_http2`.
    private func client(for http: HTTPClientConfig) -> HTTPClient {
        let key = OwnClientKey(followsRedirects: http.followRedirects, enablesHTTP2: http.enableHTTP2)
        if key.followsRedirects, key.enablesHTTP2 { return httpClient }
        return ownClients.withLock { clients in
            if let existing = clients[key] { return existing }
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.redirectConfiguration = key.followsRedirects ? .follow(max: 10, allowCycles: false) : .disallow
            if !key.enablesHTTP2 { configuration.httpVersion = .http1Only }
            let made = HTTPClient(eventLoopGroup: httpClient.eventLoopGroup, configuration: configuration)
            clients[key] = made
            return made
        }
    }

    /// The endpoints in effect.
    package var current: [RemoteReadEndpoint] { endpoints.withLock { $0 } }

    /// Makes `config`'s `remote_read` entries (with its `global.external_labels`) the endpoints.
    /// - Throws: for two identical entries and for settings Pharos does not support; nothing
    ///   changes then.
    package func applyConfig(_ config: PrometheusConfig) throws(RemoteReadClientError) {
        var seen = Set<String>()
        var configured: [RemoteReadEndpoint] = []
        for entry in config.remoteRead {
            let identity = Self.identity(entry)
            guard seen.insert(identity).inserted else {
                throw RemoteReadClientError(description: "duplicate remote read configs are not allowed, found duplicate for URL: \(entry.url)")
            }
            let name = entry.name.isEmpty ? String(identity.suffix(6)) : entry.name
            configured.append(try RemoteReadEndpoint(entry, name: name, externalLabels: config.global.externalLabels,
                                                     httpClient: client(for: entry.http)))
        }
        endpoints.withLock { $0 = configured }
    }

    /// `local` merged with the endpoints over `[mint, maxt]` (just `local` without endpoints);
    /// `localStartMs` is the time before which local storage may lack data.
    package func querier(local: any Querier, mint: Int64, maxt: Int64, localStartMs: Int64) -> any Querier {
        let endpoints = current
        guard !endpoints.isEmpty else { return local }
        return RemoteReadFanoutQuerier(primary: local, endpoints: endpoints, mint: mint, maxt: maxt, localStartMs: localStartMs)
    }

    /// 16 hex digits of a hash of the entry's YAML: equal for identical entries (upstream
    /// hashes the entry's YAML too); the last 6 name an entry without `name`.
    private static func identity(_ entry: RemoteReadConfig) -> String {
        var config = PrometheusConfig()
        config.remoteRead = [entry]
        let hex = String(Labels([Label(name: "remote_read", value: config.yaml())]).hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
