import Foundation
import Hummingbird
import Synchronization

/// A small fake Consul agent on loopback, because Consul cannot be installed here. It serves
/// `/v1/agent/self`, `/v1/catalog/services` and `/v1/health/service/<name>` with JSON shaped as
/// Consul's API documentation records them, and implements **blocking queries** as Consul does:
/// a request whose `index` equals the resource's current `X-Consul-Index` is held until the
/// resource changes or its `wait` is over, then answered with the (possibly unchanged) index.
/// It honours `tag`, `node-meta` and `dc`; every request is recorded for the test to inspect.
final class FakeConsul: Sendable {
    /// One registered service instance: a `/v1/health/service` entry as Consul returns it.
    struct Instance: Sendable {
        var json: String
        var tags: [String]
        var nodeMeta: [String: String]
    }

    struct Request: Sendable {
        var path: String
        var query: [String: [String]]
        var token: String?
    }

    private struct State {
        var raftIndex: UInt64 = 100
        var catalogIndex: UInt64 = 100
        var services: [String: (tags: [String], instances: [Instance], index: UInt64)] = [:]
        var requests: [Request] = []
        var held = 0
        var failNext = 0
        /// Answers given instead of the real ones, in order (200, arbitrary body and headers).
        var bogus: [(body: String, headers: [(String, String)])] = []
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    let datacenter: String
    private let server = Mutex<LoopbackHTTPServer?>(nil)

    init(datacenter: String = "dc1") async throws {
        self.datacenter = datacenter
        let started = try await LoopbackHTTPServer.start { [weak self] request in
            guard let self else { return .text("gone", status: .serviceUnavailable) }
            return try await self.handle(request)
        }
        server.withLock { $0 = started }
    }

    var address: String { server.withLock { $0?.address ?? "" } }
    var requests: [Request] { state.withLock { $0.requests } }
    /// Requests being held right now.
    var heldCount: Int { state.withLock { $0.held } }

    func stop() async { await server.withLock { $0 }?.stop() }

    /// Registers (or replaces) a service with its instances; bumps the indexes like a Raft write.
    func register(_ name: String, tags: [String], instances: [Instance]) {
        change { state in
            state.raftIndex += 1
            state.services[name] = (tags, instances, state.raftIndex)
            state.catalogIndex = state.raftIndex
        }
    }

    /// Replaces a service's instances without touching the catalog's service list.
    func update(_ name: String, instances: [Instance]) {
        change { state in
            state.raftIndex += 1
            state.services[name]?.instances = instances
            state.services[name]?.index = state.raftIndex
        }
    }

    func deregister(_ name: String) {
        change { state in
            state.raftIndex += 1
            state.services[name] = nil
            state.catalogIndex = state.raftIndex
        }
    }

    /// The next `count` requests get a 500.
    func failNext(_ count: Int) { state.withLock { $0.failNext = count } }

    /// The next requests get these 200 answers (malformed bodies, missing or bad indexes).
    func answerNext(_ answers: [(body: String, headers: [(String, String)])]) { state.withLock { $0.bogus = answers } }

    private func change(_ body: (inout State) -> Void) {
        let waiters = state.withLock { state in
            body(&state)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    private func handle(_ request: Hummingbird.Request) async throws -> Response {
        let path = request.uri.path
        var query: [String: [String]] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key), default: []].append(String(value)) }
        let (fail, bogus) = state.withLock { state in
            state.requests.append(Request(path: path, query: query, token: request.header("X-Consul-Token")))
            if !state.bogus.isEmpty, path != "/v1/agent/self" { return (false, Optional(state.bogus.removeFirst())) }
            guard state.failNext > 0 else { return (false, nil) }
            state.failNext -= 1
            return (true, nil)
        }
        if fail { return .text("rpc error: No cluster leader", status: .internalServerError, contentType: "text/plain") }
        if let bogus { return .text(bogus.body, headers: bogus.headers) }
        if let dc = query["dc"]?.first, dc != datacenter {
            return .text("No path to datacenter", status: .internalServerError, contentType: "text/plain")
        }
        if path == "/v1/agent/self" { return .text(agentSelf) }
        let index = query["index"]?.first.flatMap(UInt64.init) ?? 0
        let wait = Self.duration(query["wait"]?.first ?? "") ?? .seconds(300)
        if path == "/v1/catalog/services" {
            await hold(while: { $0.catalogIndex == index }, wait: wait)
            let (body, current) = state.withLock { state in
                let matching = state.services.filter { _, service in
                    Self.matches(service.instances, nodeMeta: query["node-meta"] ?? [])
                }
                let object = matching.mapValues { $0.tags }
                let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                return (String(decoding: data ?? Data(), as: UTF8.self), state.catalogIndex)
            }
            return .text(body, headers: [("X-Consul-Index", String(current)), ("X-Consul-KnownLeader", "true")])
        }
        let prefix = "/v1/health/service/"
        guard path.hasPrefix(prefix) else { return .text("not found", status: .notFound, contentType: "text/plain") }
        let name = String(path.dropFirst(prefix.count))
        await hold(while: { ($0.services[name]?.index ?? $0.catalogIndex) == index }, wait: wait)
        let (entries, current) = state.withLock { state in
            let instances = (state.services[name]?.instances ?? []).filter { instance in
                (query["tag"] ?? []).allSatisfy(instance.tags.contains)
                    && Self.matches([instance], nodeMeta: query["node-meta"] ?? [])
            }
            return (instances.map(\.json), state.services[name]?.index ?? state.catalogIndex)
        }
        return .text("[" + entries.joined(separator: ",") + "]", headers: [("X-Consul-Index", String(current))])
    }

    private static func matches(_ instances: [Instance], nodeMeta: [String]) -> Bool {
        nodeMeta.allSatisfy { pair in
            let parts = pair.split(separator: ":", maxSplits: 1).map(String.init)
            return instances.contains { $0.nodeMeta[parts[0]] == (parts.count > 1 ? parts[1] : "") }
        }
    }

    /// Holds the request while `unchanged` is true, at most `wait` (Consul's blocking query).
    private func hold(while unchanged: @escaping @Sendable (State) -> Bool, wait: Duration) async {
        let deadline = ContinuousClock.now + wait
        state.withLock { $0.held += 1 }
        defer { state.withLock { $0.held -= 1 } }
        while state.withLock({ unchanged($0) }), ContinuousClock.now < deadline, !Task.isCancelled {
            await withTaskGroup(of: Void.self) { group in
                let id = state.withLock { state in
                    state.nextWaiter += 1
                    return state.nextWaiter
                }
                group.addTask {
                    await withCheckedContinuation { continuation in
                        let stillUnchanged = self.state.withLock { state in
                            guard unchanged(state) else { return false }
                            state.waiters[id] = continuation
                            return true
                        }
                        if !stillUnchanged { continuation.resume() }
                    }
                }
                group.addTask { try? await Task.sleep(until: deadline) }
                await group.next()
                // Whichever finished first, release the other.
                let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume()
                group.cancelAll()
            }
        }
    }

    /// Consul's `wait` values: `120000ms`, `5s`, `1m`.
    private static func duration(_ text: String) -> Duration? {
        for (suffix, scale) in [("ms", 1), ("s", 1000), ("m", 60000)] where text.hasSuffix(suffix) {
            if let value = Int(text.dropLast(suffix.count)) { return .milliseconds(value * scale) }
        }
        return nil
    }

    /// `/v1/agent/self`, trimmed from a Consul 1.17 agent's answer.
    private var agentSelf: String {
        """
        {"Config":{"Datacenter":"\(datacenter)","PrimaryDatacenter":"\(datacenter)","NodeName":"consul-server-1",\
        "NodeID":"9b0bd1ad-7f3a-4c3b-9d4c-55a0e5b3e1f2","Partition":"","Revision":"2d7b7ac2","Server":true,\
        "Version":"1.17.0","BuildDate":"2023-11-03T14:56:56Z"},\
        "DebugConfig":{"Bootstrap":false,"DataDir":"/consul/data"},\
        "Coord":{"Vec":[0,0,0,0,0,0,0,0],"Error":1.5,"Adjustment":0,"Height":0.00001},\
        "Member":{"Name":"consul-server-1","Addr":"10.0.0.10","Port":8301,\
        "Tags":{"dc":"\(datacenter)","role":"consul","build":"1.17.0:2d7b7ac2"},"Status":1},\
        "Stats":{"agent":{"check_monitors":"0","services":"3"}},"Meta":{"consul-network-segment":""},"xDS":{"SupportedProxies":{"envoy":["1.27.2"]},"Port":8502}}
        """
    }
}
