import Foundation
import Hummingbird
import NIOCore
import NIOSSL
import Synchronization

/// A small fake Kubernetes API server on loopback, because no Kubernetes API server can run here.
/// It keeps objects (realistic JSON, as `kubectl get -o json` prints them) with resource versions
/// and implements the list/watch protocol client-go relies on:
/// - LIST with `limit` and `continue` (after `expireNextContinue()` the next token gets 410),
///   label selectors of the form `k=v[,k2=v2]`, and the collection's `resourceVersion`;
/// - WATCH (`watch=true`) from a `resourceVersion`: a chunked stream of newline-delimited
///   `{"type": ..., "object": ...}` events (ADDED/MODIFIED/DELETED replayed from the version on,
///   then live), BOOKMARK events on request, `ERROR` with a 410 `Status` when the version is older
///   than the compaction point, and the stream closed after `timeoutSeconds`.
/// Every request is recorded (path, query, Authorization header).
final class FakeKubernetesAPI: Sendable {
    struct Request: Sendable {
        var path: String
        var query: [String: String]
        var authorization: String?
    }

    private struct Event: Sendable {
        var version: Int
        var resource: String
        var namespace: String
        var type: String
        var object: String
    }

    private struct State {
        var version = 1000
        /// resource → key → (namespace, labels, JSON with metadata.resourceVersion).
        var objects: [String: [String: (namespace: String, labels: [String: String], json: String)]] = [:]
        var events: [Event] = []
        /// Watches from versions below this get 410.
        var compactedBelow = 0
        var continueEpoch = 0
        var expireNextContinue = false
        var requests: [Request] = []
        var watchers: [Int: AsyncStream<Event?>.Continuation] = [:]
        var nextWatcher = 0
    }

    private let state = Mutex(State())
    private let server = Mutex<LoopbackHTTPServer?>(nil)

    init(tls: TLSConfiguration? = nil) async throws {
        let started = try await LoopbackHTTPServer.start(tls: tls) { [weak self] request in
            guard let self else { return .text("gone", status: .serviceUnavailable) }
            return self.handle(request)
        }
        server.withLock { $0 = started }
    }

    var port: Int { server.withLock { $0?.port ?? 0 } }
    var requests: [Request] { state.withLock { $0.requests } }
    var activeWatches: Int { state.withLock { $0.watchers.count } }

    func stop() async {
        let watchers = state.withLock { state in
            defer { state.watchers = [:] }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.finish() }
        await server.withLock { $0 }?.stop()
    }

    /// Adds or replaces an object (ADDED or MODIFIED). `json` is the object without
    /// `metadata.resourceVersion`, which the fake assigns.
    func put(_ resource: String, _ json: String) {
        let (namespace, name, labels) = Self.identity(json)
        publish { state in
            state.version += 1
            let stamped = Self.stamp(json, version: state.version)
            let key = namespace + "/" + name
            let type = state.objects[resource]?[key] == nil ? "ADDED" : "MODIFIED"
            state.objects[resource, default: [:]][key] = (namespace, labels, stamped)
            return Event(version: state.version, resource: resource, namespace: namespace, type: type, object: stamped)
        }
    }

    func delete(_ resource: String, namespace: String, name: String) {
        publish { state in
            guard let removed = state.objects[resource]?.removeValue(forKey: namespace + "/" + name) else { return nil }
            state.version += 1
            return Event(version: state.version, resource: resource, namespace: namespace, type: "DELETED",
                         object: Self.stamp(removed.json, version: state.version))
        }
    }

    /// Sends a BOOKMARK at the current version to every open watch of `resource`.
    func bookmark(_ resource: String, kind: String) {
        let (version, watchers) = state.withLock { ($0.version, Array($0.watchers.values)) }
        let object = #"{"kind":"\#(kind)","apiVersion":"v1","metadata":{"resourceVersion":"\#(version)","annotations":{"k8s.io/initial-events-end":"true"}}}"#
        for watcher in watchers {
            watcher.yield(Event(version: version, resource: resource, namespace: "", type: "BOOKMARK", object: object))
        }
    }

    /// Forgets history: watches from older versions get `ERROR 410` and open watches are told so.
    func compact() {
        let watchers = state.withLock { state in
            state.compactedBelow = state.version + 1
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield(nil) }
    }

    /// Makes the next `continue` token presented expire (410), as after an etcd compaction.
    func expireNextContinue() { state.withLock { $0.expireNextContinue = true } }

    private func publish(_ body: (inout State) -> Event?) {
        let (event, watchers) = state.withLock { state -> (Event?, [AsyncStream<Event?>.Continuation]) in
            guard let event = body(&state) else { return (nil, []) }
            state.events.append(event)
            return (event, Array(state.watchers.values))
        }
        guard let event else { return }
        for watcher in watchers { watcher.yield(event) }
    }

    private func handle(_ request: Hummingbird.Request) -> Response {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let path = request.uri.path
        state.withLock { $0.requests.append(Request(path: path, query: query, authorization: request.header("Authorization"))) }
        guard let (resource, namespace) = Self.parse(path) else {
            return .text(Self.status(404, "NotFound", "the server could not find the requested resource"), status: .notFound)
        }
        let selector = Self.selector(query["labelSelector"] ?? "")
        return query["watch"] == "true" || query["watch"] == "1"
            ? watch(resource, namespace: namespace, selector: selector, query: query)
            : list(resource, namespace: namespace, selector: selector, query: query)
    }

    private func list(_ resource: String, namespace: String, selector: [String: String], query: [String: String]) -> Response {
        let limit = Int(query["limit"] ?? "") ?? 0
        return state.withLock { state in
            var offset = 0
            var version = state.version
            if let token = query["continue"] {
                if state.expireNextContinue {
                    state.expireNextContinue = false
                    state.continueEpoch += 1
                }
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3, parts[0] == state.continueEpoch else {
                    return .text(Self.status(410, "Expired", "The provided continue parameter is too old to display a consistent list result."), status: .gone)
                }
                offset = parts[1]
                version = parts[2]
            }
            let matching = (state.objects[resource] ?? [:]).filter { key, object in
                (namespace.isEmpty || object.namespace == namespace) && selector.allSatisfy { object.labels[$0.key] == $0.value }
            }.sorted { $0.key < $1.key }
            let end = limit > 0 ? min(matching.count, offset + limit) : matching.count
            let page = matching[min(offset, matching.count)..<end].map(\.value.json)
            let token = end < matching.count ? "\(state.continueEpoch):\(end):\(version)" : ""
            let continueField = token.isEmpty ? "" : #","continue":"\#(token)""#
            let body = #"{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"\#(version)"\#(continueField)},"items":[\#(page.joined(separator: ","))]}"#
            return .text(body)
        }
    }

    private func watch(_ resource: String, namespace: String, selector: [String: String], query: [String: String]) -> Response {
        let from = Int(query["resourceVersion"] ?? "") ?? 0
        let timeout = Duration.seconds(Int(query["timeoutSeconds"] ?? "") ?? 300)
        let (stream, continuation) = AsyncStream.makeStream(of: Event?.self)
        let (replay, gone, id) = state.withLock { state -> ([Event], Bool, Int) in
            if from < state.compactedBelow - 1 { return ([], true, 0) }
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = continuation
            return (state.events.filter { $0.version > from }, false, state.nextWatcher)
        }
        if !gone {
            continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) } }
        }
        @Sendable func line(_ event: Event) -> ByteBuffer {
            ByteBuffer(string: #"{"type":"\#(event.type)","object":\#(event.object)}"# + "\n")
        }
        @Sendable func relevant(_ event: Event) -> Bool {
            guard event.resource == resource, namespace.isEmpty || event.namespace.isEmpty || event.namespace == namespace
            else { return false }
            guard event.type != "BOOKMARK", !selector.isEmpty else { return true }
            let labels = Self.identity(event.object).labels
            return selector.allSatisfy { labels[$0.key] == $0.value }
        }
        let gone410 = Self.status(410, "Expired", "too old resource version: " + String(from))
        let expired = ByteBuffer(string: #"{"type":"ERROR","object":\#(gone410)}"# + "\n")
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody { writer in
                if gone {
                    try await writer.write(expired)
                    try await writer.finish(nil)
                    return
                }
                for event in replay where relevant(event) { try await writer.write(line(event)) }
                let deadline = ContinuousClock.now + timeout
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try? await Task.sleep(until: deadline)
                        continuation.finish()
                    }
                    for await event in stream {
                        guard let event else {
                            try? await writer.write(expired)
                            break
                        }
                        if relevant(event) {
                            do { try await writer.write(line(event)) } catch { break }
                        }
                    }
                    continuation.finish()
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
    }

    /// `/api/v1/pods`, `/api/v1/namespaces/ns/pods`, `/apis/group/version/...`.
    private static func parse(_ path: String) -> (resource: String, namespace: String)? {
        var parts = path.split(separator: "/").map(String.init)
        if parts.first == "api" { parts.removeFirst(2) } else if parts.first == "apis" { parts.removeFirst(3) } else { return nil }
        if parts.count == 3, parts[0] == "namespaces" { return (parts[2], parts[1]) }
        if parts.count == 1 { return (parts[0], "") }
        return nil
    }

    private static func selector(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for requirement in text.split(separator: ",") {
            let pair = requirement.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { result[pair[0]] = pair[1] }
        }
        return result
    }

    private static func identity(_ json: String) -> (namespace: String, name: String, labels: [String: String]) {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        let metadata = object?["metadata"] as? [String: Any]
        return (metadata?["namespace"] as? String ?? "", metadata?["name"] as? String ?? "",
                metadata?["labels"] as? [String: String] ?? [:])
    }

    private static func stamp(_ json: String, version: Int) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return json }
        var metadata = object["metadata"] as? [String: Any] ?? [:]
        metadata["resourceVersion"] = String(version)
        object["metadata"] = metadata
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }

    private static func status(_ code: Int, _ reason: String, _ message: String) -> String {
        #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"\#(message)","reason":"\#(reason)","code":\#(code)}"#
    }
}
