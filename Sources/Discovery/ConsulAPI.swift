import Config
import Foundation
import NIOHTTP1

/// The three Consul HTTP API calls `consul_sd_configs` makes, as the Go client Prometheus uses
/// (`hashicorp/consul/api`): `/v1/agent/self` for the local datacenter, and **blocking queries**
/// on `/v1/catalog/services` and `/v1/health/service/<name>` (`index` = the last
/// `X-Consul-Index`, `wait` = the watch timeout; Consul holds the request until the index moves
/// or the wait is over). Every request carries `X-Consul-Token` when a token is configured, and
/// `dc`, `ns`, `partition`, `stale`, `node-meta` and `filter` as configured.
struct ConsulAPI: Sendable {
    /// One entry of `/v1/health/service/<name>`: a service instance, its node and its checks.
    struct ServiceEntry: Decodable, Sendable, Equatable {
        struct Node: Decodable, Sendable, Equatable {
            var node: String?
            var address: String?
            var taggedAddresses: [String: String]?
            var meta: [String: String]?
            enum CodingKeys: String, CodingKey {
                case node = "Node", address = "Address", taggedAddresses = "TaggedAddresses", meta = "Meta"
            }
        }
        struct Service: Decodable, Sendable, Equatable {
            var id: String?
            var tags: [String]?
            var address: String?
            var port: Int?
            var meta: [String: String]?
            var namespace: String?
            var partition: String?
            enum CodingKeys: String, CodingKey {
                case id = "ID", tags = "Tags", address = "Address", port = "Port", meta = "Meta"
                case namespace = "Namespace", partition = "Partition"
            }
        }
        struct Check: Decodable, Sendable, Equatable {
            var checkID: String?
            var status: String?
            enum CodingKeys: String, CodingKey { case checkID = "CheckID", status = "Status" }
        }
        var node: Node?
        var service: Service?
        var checks: [Check]?
        enum CodingKeys: String, CodingKey { case node = "Node", service = "Service", checks = "Checks" }
    }

    let client: SDHTTPClient
    /// `scheme://server` and `path_prefix`.
    let base: String
    let config: ConsulSDConfig
    /// How long Consul may hold a blocking query (Prometheus: 2 minutes).
    let watchTimeout: Duration

    init(client: SDHTTPClient, config: ConsulSDConfig, watchTimeout: Duration) {
        self.client = client
        self.config = config
        self.watchTimeout = watchTimeout
        base = Self.baseURL(config)
    }

    /// `scheme://server/path_prefix`; a server given with its scheme keeps it (as the Go client).
    static func baseURL(_ config: ConsulSDConfig) -> String {
        var server = config.server
        var scheme = config.scheme
        for prefix in ["http://", "https://"] where server.hasPrefix(prefix) {
            scheme = String(prefix.dropLast(3))
            server.removeFirst(prefix.count)
        }
        return scheme + "://" + server + config.pathPrefix
    }

    /// The agent's datacenter (`Config.Datacenter` of `/v1/agent/self`).
    func agentDatacenter() async throws(DiscoveryError) -> String {
        let (body, _) = try await get("/v1/agent/self", query: [], blocking: false)
        let url = base + "/v1/agent/self"
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw .requestFailed(url: url, reason: "invalid JSON from /v1/agent/self")
        }
        let value = (root["Config"] as? [String: Any])?["Datacenter"]
        guard let datacenter = value as? String else {
            throw .requestFailed(url: url, reason: "invalid value '\(value.map { "\($0)" } ?? "<nil>")' for Config.Datacenter")
        }
        return datacenter
    }

    /// The catalog's services and their tags, after `index` changes (or the wait is over).
    func services(index: UInt64) async throws(DiscoveryError) -> (services: [String: [String]], index: UInt64) {
        var query = [(String, String)]()
        if !config.filter.isEmpty { query.append(("filter", config.filter)) }
        let (body, newIndex) = try await get("/v1/catalog/services", query: query, blocking: true, index: index)
        do {
            let services = try JSONDecoder().decode([String: [String]?].self, from: Data(body))
            return (services.mapValues { $0 ?? [] }, newIndex)
        } catch {
            throw .requestFailed(url: base + "/v1/catalog/services", reason: "invalid JSON: \(error)")
        }
    }

    /// The instances of `service` with every configured tag, after `index` changes.
    func health(service: String, index: UInt64) async throws(DiscoveryError) -> (entries: [ServiceEntry], index: UInt64) {
        var query = config.tags.map { ("tag", $0) }
        if !config.healthFilter.isEmpty { query.append(("filter", config.healthFilter)) }
        let path = "/v1/health/service/" + (service.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? service)
        let (body, newIndex) = try await get(path, query: query, blocking: true, index: index)
        do {
            return (try JSONDecoder().decode([ServiceEntry].self, from: Data(body)), newIndex)
        } catch {
            throw .requestFailed(url: base + path, reason: "invalid JSON: \(error)")
        }
    }

    /// One GET: the body and the `X-Consul-Index` (required on blocking queries, as the Go client).
    private func get(
        _ path: String, query extra: [(String, String)], blocking: Bool, index: UInt64 = 0
    ) async throws(DiscoveryError) -> ([UInt8], UInt64) {
        var query: [(String, String)] = []
        if !config.datacenter.isEmpty { query.append(("dc", config.datacenter)) }
        if !config.namespace.isEmpty { query.append(("ns", config.namespace)) }
        if !config.partition.isEmpty { query.append(("partition", config.partition)) }
        if blocking {
            if config.allowStale { query.append(("stale", "")) }
            if index != 0 { query.append(("index", String(index))) }
            query.append(("wait", Self.milliseconds(watchTimeout)))
            for (key, value) in config.nodeMeta.sorted(by: { $0.key < $1.key }) { query.append(("node-meta", key + ":" + value)) }
        }
        query += extra
        let url = SDHTTPClient.url(base + path, query: query)
        var headers: [(String, String)] = []
        if !config.token.isEmpty { headers.append(("X-Consul-Token", config.token.value)) }
        // The client's own timeout: the wait plus the 15 s Prometheus allows on top.
        let response = try await client.get(url, headers: headers, timeout: watchTimeout + .seconds(15))
        guard response.status == 200 else {
            let text = String(decoding: response.body.prefix(512), as: UTF8.self)
            throw .requestFailed(url: url, reason: "Unexpected response code: \(response.status) (\(text))")
        }
        guard blocking else { return (response.body, 0) }
        guard let header = response.headers.first(name: "X-Consul-Index"), let newIndex = UInt64(header) else {
            throw .requestFailed(url: url, reason: "Failed to parse X-Consul-Index")
        }
        return (response.body, newIndex)
    }

    /// Go's `durToMsec`: `120000ms`.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}
