import Config
import Foundation
import Model
import Synchronization
import Testing

@testable import Discovery

/// `consul_sd_configs` against `FakeConsul`: Consul cannot be installed here, so a small fake
/// agent on loopback serves JSON shaped as Consul's API documentation records it and implements
/// blocking queries (held until the index moves or `wait` is over). Real time, short intervals.
@Suite struct ConsulProviderTests {
    /// A `/v1/health/service` entry as Consul's API documentation shows one.
    static func instance(
        node: String, nodeAddress: String, service: String, id: String, port: Int, serviceAddress: String = "",
        tags: [String], checks: [(id: String, status: String)] = [("serfHealth", "passing")],
        nodeMeta: [String: String] = [:], serviceMeta: [String: String] = [:],
        namespace: String = "default", partition: String = "default"
    ) -> FakeConsul.Instance {
        func json(_ object: Any) -> String {
            String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }
        let checkObjects = checks.map { check in
            [
                "Node": node, "CheckID": check.id, "Name": check.id == "serfHealth" ? "Serf Health Status" : "Service '\(service)' check",
                "Status": check.status, "Notes": "", "Output": "HTTP GET http://\(nodeAddress):\(port)/health: 200 OK",
                "ServiceID": check.id == "serfHealth" ? "" : id, "ServiceName": check.id == "serfHealth" ? "" : service,
                "ServiceTags": tags, "Type": check.id == "serfHealth" ? "" : "http", "Namespace": namespace,
                "CreateIndex": 12, "ModifyIndex": 12,
            ] as [String: Any]
        }
        let entry: [String: Any] = [
            "Node": [
                "ID": "40e4a748-2192-161a-0510-9bf59fe950b5", "Node": node, "Address": nodeAddress, "Datacenter": "dc1",
                "TaggedAddresses": ["lan": nodeAddress, "lan_ipv4": nodeAddress, "wan": "198.18.0.1", "wan_ipv4": "198.18.0.1"],
                "Meta": nodeMeta, "CreateIndex": 10, "ModifyIndex": 10,
            ] as [String: Any],
            "Service": [
                "ID": id, "Service": service, "Tags": tags, "Address": serviceAddress,
                "TaggedAddresses": ["lan_ipv4": ["Address": nodeAddress, "Port": port], "wan_ipv4": ["Address": "198.18.0.1", "Port": port]],
                "Meta": serviceMeta, "Port": port, "Weights": ["Passing": 10, "Warning": 1], "EnableTagOverride": false,
                "Proxy": ["MeshGateway": [:] as [String: Any], "Expose": [:] as [String: Any]], "Connect": [:] as [String: Any],
                "Namespace": namespace, "Partition": partition, "CreateIndex": 12, "ModifyIndex": 12,
            ] as [String: Any],
            "Checks": checkObjects,
        ]
        return FakeConsul.Instance(json: json(entry), tags: tags, nodeMeta: nodeMeta)
    }

    static func config(_ yaml: String) throws -> ConsulSDConfig {
        try #require(discoverySection("consul_sd_configs", yaml).consulSDConfigs.first)
    }

    func run(
        _ config: ConsulSDConfig, metrics: DiscoveryMetrics = DiscoveryMetrics(), watchTimeout: Duration = .seconds(2),
        _ body: (UpdateReader) async throws -> Void
    ) async throws {
        let provider = ConsulProvider(
            config: config, clock: ContinuousClock(), metrics: metrics, watchTimeout: watchTimeout,
            retryInterval: .milliseconds(100))
        try await withProvider(provider, body)
    }

    @Test func catalogWatchWithTagsBuildsUpstreamsLabels() async throws {
        let consul = try await FakeConsul()
        consul.register("consul", tags: [], instances: [
            Self.instance(node: "consul-server-1", nodeAddress: "10.0.0.10", service: "consul", id: "consul", port: 8300, tags: []),
        ])
        consul.register("web", tags: ["prod", "v1"], instances: [
            Self.instance(
                node: "node-a", nodeAddress: "10.0.0.1", service: "web", id: "web-1", port: 8080, serviceAddress: "10.1.0.1",
                tags: ["prod", "v1"], checks: [("serfHealth", "passing"), ("service:web-1", "passing")],
                nodeMeta: ["rack-id": "r1", "instance_type": "t3.large"], serviceMeta: ["version": "1.2.3", "team.name": "core"]),
            Self.instance(
                node: "node-b", nodeAddress: "fd00::2", service: "web", id: "web-2", port: 8081, tags: ["prod"],
                checks: [("serfHealth", "passing"), ("service:web-2", "warning")]),
            Self.instance(
                node: "node-c", nodeAddress: "10.0.0.3", service: "web", id: "web-3", port: 8082, tags: ["canary"]),
        ])
        consul.register("db", tags: ["primary"], instances: [
            Self.instance(node: "node-d", nodeAddress: "10.0.0.4", service: "db", id: "db-1", port: 5432, tags: ["primary"]),
        ])
        defer { Task { await consul.stop() } }
        let config = try Self.config(
            """
            server: \(consul.address)
            token: s3cret
            tags: [prod]
            tag_separator: "|"
            node_meta: {rack-id: r1}
            refresh_interval: 50ms
            """)
        try await run(config) { reader in
            let view = try await reader.waitUntil { $0.groups["web"] != nil }
            #expect(Set(view.groups.keys) == ["web"], "db lacks the tag, consul too")
            let web = try #require(view.groups["web"])
            #expect(web.labels == Labels(["__meta_consul_service": "web", "__meta_consul_dc": "dc1"]))
            // node_meta and the tag were passed to Consul, which filtered web-2 (other rack) and web-3.
            #expect(web.targets == [
                Labels([
                    "__address__": "10.1.0.1:8080", "__meta_consul_address": "10.0.0.1", "__meta_consul_node": "node-a",
                    "__meta_consul_namespace": "default", "__meta_consul_partition": "default",
                    "__meta_consul_tags": "|prod|v1|", "__meta_consul_service_address": "10.1.0.1",
                    "__meta_consul_service_port": "8080", "__meta_consul_service_id": "web-1",
                    "__meta_consul_health": "passing",
                    "__meta_consul_metadata_rack_id": "r1", "__meta_consul_metadata_instance_type": "t3.large",
                    "__meta_consul_service_metadata_version": "1.2.3", "__meta_consul_service_metadata_team_name": "core",
                    "__meta_consul_tagged_address_lan": "10.0.0.1", "__meta_consul_tagged_address_lan_ipv4": "10.0.0.1",
                    "__meta_consul_tagged_address_wan": "198.18.0.1", "__meta_consul_tagged_address_wan_ipv4": "198.18.0.1",
                ]),
            ])
        }
        let requests = consul.requests
        #expect(requests.first?.path == "/v1/agent/self")
        #expect(requests.allSatisfy { $0.token == "s3cret" })
        let catalog = try #require(requests.first { $0.path == "/v1/catalog/services" })
        #expect(catalog.query["stale"] == [""] && catalog.query["wait"] == ["2000ms"] && catalog.query["node-meta"] == ["rack-id:r1"])
        #expect(catalog.query["dc"] == nil, "the datacenter from the agent only labels targets")
        let health = try #require(requests.first { $0.path == "/v1/health/service/web" })
        #expect(health.query["tag"] == ["prod"])
    }

    @Test func blockingQueriesHoldUntilChangeAndFollowTheCatalog() async throws {
        let consul = try await FakeConsul(datacenter: "eu-west")
        consul.register("api", tags: [], instances: [
            Self.instance(node: "n1", nodeAddress: "10.0.0.1", service: "api", id: "api-1", port: 9000, tags: []),
        ])
        defer { Task { await consul.stop() } }
        let config = try Self.config("server: \(consul.address)\ndatacenter: eu-west\nallow_stale: false\nrefresh_interval: 10ms")
        let metrics = DiscoveryMetrics()
        try await run(config, metrics: metrics, watchTimeout: .seconds(30)) { reader in
            let first = try await reader.waitUntil { $0.addresses == ["10.0.0.1:9000"] }
            #expect(first.groups["api"]?.labels["__meta_consul_dc"] == "eu-west")
            // Both watches (catalog and api) are now held by the agent, not polling.
            try await withGuardTimeout { while consul.heldCount < 2 { try await Task.sleep(for: .milliseconds(10)) } }
            let before = consul.requests.count
            try await Task.sleep(for: .milliseconds(300))
            #expect(consul.requests.count == before, "a held blocking query is not repeated")
            let held = try #require(consul.requests.last { $0.path == "/v1/health/service/api" })
            #expect(held.query["index"] != nil && held.query["wait"] == ["30000ms"] && held.query["stale"] == nil)
            #expect(held.query["dc"] == ["eu-west"])

            // A change releases the held query at once.
            consul.update("api", instances: [
                Self.instance(node: "n1", nodeAddress: "10.0.0.1", service: "api", id: "api-1", port: 9000, tags: [],
                              checks: [("serfHealth", "passing"), ("_service_maintenance:api-1", "critical")]),
                Self.instance(node: "n2", nodeAddress: "10.0.0.2", service: "api", id: "api-2", port: 9000, tags: [],
                              checks: [("serfHealth", "critical")]),
            ])
            let changed = try await reader.waitUntil { $0.addresses == ["10.0.0.1:9000", "10.0.0.2:9000"] }
            let health = Set(changed.groups["api"]?.targets.compactMap { $0["__meta_consul_health"] } ?? [])
            #expect(health == ["maintenance", "critical"])

            // A new service is picked up from the catalog watch; a removed one loses its group.
            consul.register("worker", tags: ["batch"], instances: [
                Self.instance(node: "n3", nodeAddress: "10.0.0.3", service: "worker", id: "w-1", port: 7000, tags: ["batch"]),
            ])
            try await reader.waitUntil { $0.groups["worker"]?.targets.first?["__meta_consul_tags"] == ",batch," }
            consul.deregister("api")
            try await reader.waitUntil { $0.groups["api"] == nil && $0.groups["worker"] != nil }

            // Failures are counted, keep the targets, and are retried.
            consul.failNext(2)
            consul.update("worker", instances: [
                Self.instance(node: "n4", nodeAddress: "10.0.0.4", service: "worker", id: "w-2", port: 7000, tags: ["batch"]),
            ])
            try await reader.waitUntil { $0.addresses == ["10.0.0.4:7000"] }
            try await withGuardTimeout { while metrics.consulRPCFailuresTotal < 2 { try await Task.sleep(for: .milliseconds(10)) } }
            consul.update("worker", instances: [
                Self.instance(node: "n5", nodeAddress: "10.0.0.5", service: "worker", id: "w-3", port: 7000, tags: ["batch"]),
            ])
            try await reader.waitUntil { $0.addresses == ["10.0.0.5:7000"] }
            #expect(metrics.consulRPCFailuresTotal == 2)
            // Every blocking query that returned is timed, failed ones too (the catalog's and
            // the services' first answers, the changes, the two failures).
            #expect(metrics.consulRPCs(.services) >= 3 && metrics.consulRPCs(.service) >= 5,
                    "\(metrics.consulRPCs(.services)) \(metrics.consulRPCs(.service))")
            var text: [UInt8] = []
            metrics.write(into: &text)
            #expect(String(decoding: text, as: UTF8.self).contains(
                "# TYPE prometheus_sd_consul_rpc_duration_seconds summary\n"
                    + "prometheus_sd_consul_rpc_duration_seconds{call=\"services\",endpoint=\"catalog\",quantile=\"0.5\"} "))
        }
    }

    @Test func fixedServicesAreWatchedWithoutTheCatalogAndTimeoutsSendNothing() async throws {
        let consul = try await FakeConsul()
        consul.register("cache", tags: ["blue"], instances: [
            Self.instance(node: "n1", nodeAddress: "10.0.0.1", service: "cache", id: "c-1", port: 6379, tags: ["blue"]),
        ])
        defer { Task { await consul.stop() } }
        let config = try Self.config(
            "server: \(consul.address)\nservices: [cache, missing]\nhealth_filter: Service.Port == 6379\nrefresh_interval: 10ms\npath_prefix: \"\"")
        try await run(config, watchTimeout: .milliseconds(200)) { reader in
            try await reader.waitUntil { $0.addresses == ["10.0.0.1:6379"] }
            // Each wait runs out with the same index: Pharos asks again, and sends no update.
            try await withGuardTimeout {
                while consul.requests.filter({ $0.path == "/v1/health/service/cache" }).count < 3 {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        let requests = consul.requests
        #expect(!requests.contains { $0.path == "/v1/catalog/services" })
        #expect(requests.contains { $0.path == "/v1/health/service/missing" })
        let cache = requests.filter { $0.path == "/v1/health/service/cache" }
        #expect(cache.dropFirst().allSatisfy { $0.query["index"] == cache[1].query["index"] })
        #expect(cache.first?.query["filter"] == ["Service.Port == 6379"])
    }

    @Test func malformedAnswersAreFailuresThatKeepTargets() async throws {
        let consul = try await FakeConsul()
        consul.register("api", tags: [], instances: [
            Self.instance(node: "n1", nodeAddress: "10.0.0.1", service: "api", id: "api-1", port: 9000, tags: []),
        ])
        defer { Task { await consul.stop() } }
        let config = try Self.config("server: \(consul.address)\nservices: [api]\nrefresh_interval: 10ms")
        let metrics = DiscoveryMetrics()
        try await run(config, metrics: metrics, watchTimeout: .seconds(30)) { reader in
            try await reader.waitUntil { $0.addresses == ["10.0.0.1:9000"] }
            let valid = Self.instance(node: "n2", nodeAddress: "10.0.0.2", service: "api", id: "api-2", port: 9000, tags: []).json
            let answers: [(body: String, headers: [(String, String)])] = [
                ("[" + valid, [("X-Consul-Index", "500")]),  // truncated
                ("[" + valid + "]", []),  // no index
                ("[" + valid + "]", [("X-Consul-Index", "-1")]),  // bad index
                (#"{"Node": {}}"#, [("X-Consul-Index", "501")]),  // not a list
                (#"[{"Node": {"Address": 7}}]"#, [("X-Consul-Index", "502")]),  // wrong type
            ]
            consul.answerNext(answers)
            // Release the held query so the bogus answers are served.
            consul.update("api", instances: [
                Self.instance(node: "n3", nodeAddress: "10.0.0.3", service: "api", id: "api-3", port: 9000, tags: []),
            ])
            try await reader.waitUntil { $0.addresses == ["10.0.0.3:9000"] }
            // The next requests get the bogus answers: each is a failure, none changes the targets.
            try await withGuardTimeout {
                while metrics.consulRPCFailuresTotal < answers.count { try await Task.sleep(for: .milliseconds(10)) }
            }
            consul.update("api", instances: [
                Self.instance(node: "n4", nodeAddress: "10.0.0.4", service: "api", id: "api-4", port: 9000, tags: []),
            ])
            let view = try await reader.waitUntil { $0.addresses != ["10.0.0.3:9000"] }
            #expect(view.addresses == ["10.0.0.4:9000"], "no bogus answer made it into the targets")
            #expect(metrics.consulRPCFailuresTotal == answers.count)
        }
    }

    @Test func healthAggregationAndAddressRules() throws {
        typealias Check = ConsulAPI.ServiceEntry.Check
        func status(_ checks: [(String, String)]) -> String {
            ConsulTargets.aggregatedStatus(checks.map { Check(checkID: $0.0, status: $0.1) })
        }
        #expect(status([]) == "passing")
        #expect(status([("a", "passing"), ("b", "warning")]) == "warning")
        #expect(status([("a", "warning"), ("b", "critical")]) == "critical")
        #expect(status([("_node_maintenance", "critical"), ("b", "passing")]) == "maintenance")
        #expect(status([("a", "passing"), ("b", "unknown")]) == "")
        let entry = ConsulAPI.ServiceEntry(
            node: .init(node: "n", address: "fd00::1", taggedAddresses: nil, meta: nil),
            service: .init(id: "s", tags: nil, address: nil, port: 80, meta: nil, namespace: nil, partition: nil), checks: nil)
        let group = ConsulTargets.group(service: "s", datacenter: "dc", entries: [entry], tagSeparator: ",")
        #expect(group.targets.first?["__address__"] == "[fd00::1]:80")
        #expect(group.targets.first?["__meta_consul_tags"] == ",,")
        #expect(ConsulAPI.baseURL(try Self.config("server: https://consul.example:8501\npath_prefix: /consul")) == "https://consul.example:8501/consul")
    }
}
