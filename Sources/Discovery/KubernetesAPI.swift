import AsyncHTTPClient
package import Foundation
import NIOHTTP1
import NIOCore

/// An object the Kubernetes provider keeps: anything with `metadata`.
package protocol KubeObject: Sendable {
    var metadata: Kube.ObjectMeta { get }
}

extension Kube.Pod: KubeObject {}
extension Kube.Service: KubeObject {}
extension Kube.Node: KubeObject {}
extension Kube.EndpointSlice: KubeObject {}
extension Kube.Endpoints: KubeObject {}
extension Kube.Ingress: KubeObject {}
extension Kube.MetadataOnly: KubeObject {}

/// The kinds of Kubernetes object discovery lists and watches, with their API paths.
package enum KubeResource: String, Sendable, CaseIterable, Hashable {
    case pods, services, nodes, endpointslices, endpoints, ingresses, namespaces, replicasets, jobs

    /// The API group and version prefix.
    var apiPrefix: String {
        switch self {
        case .pods, .services, .nodes, .endpoints, .namespaces: "/api/v1"
        case .endpointslices: "/apis/discovery.k8s.io/v1"
        case .ingresses: "/apis/networking.k8s.io/v1"
        case .replicasets: "/apis/apps/v1"
        case .jobs: "/apis/batch/v1"
        }
    }

    var isNamespaced: Bool { self != .nodes && self != .namespaces }

    /// The `role` label under which `prometheus_sd_kubernetes_events_total` counts this kind's
    /// events; nil for the kinds upstream does not count (metadata it attaches).
    var eventRole: String? {
        switch self {
        case .pods: "pod"
        case .services: "service"
        case .nodes: "node"
        case .endpointslices: "endpointslice"
        case .endpoints: "endpoints"
        case .ingresses: "ingress"
        case .namespaces, .replicasets, .jobs: nil
        }
    }

    /// The collection's path; `namespace` empty for all namespaces.
    func path(namespace: String) -> String {
        isNamespaced && !namespace.isEmpty
            ? "\(apiPrefix)/namespaces/\(namespace)/\(rawValue)" : "\(apiPrefix)/\(rawValue)"
    }

    /// Decodes one object of this kind.
    package func decodeObject(_ data: Data, decoder: JSONDecoder) throws -> any KubeObject {
        switch self {
        case .pods: try decoder.decode(Kube.Pod.self, from: data)
        case .services: try decoder.decode(Kube.Service.self, from: data)
        case .nodes: try decoder.decode(Kube.Node.self, from: data)
        case .endpointslices: try decoder.decode(Kube.EndpointSlice.self, from: data)
        case .endpoints: try decoder.decode(Kube.Endpoints.self, from: data)
        case .ingresses: try decoder.decode(Kube.Ingress.self, from: data)
        case .namespaces, .replicasets, .jobs: try decoder.decode(Kube.MetadataOnly.self, from: data)
        }
    }

    /// Decodes a list response (`{"metadata": {...}, "items": [...]}`).
    func decodeList(_ data: Data, decoder: JSONDecoder) throws -> KubeList {
        func list<T: KubeObject & Decodable>(_: T.Type) throws -> KubeList {
            let decoded = try decoder.decode(KubeListBody<T>.self, from: data)
            return KubeList(
                items: decoded.items ?? [], resourceVersion: decoded.metadata?.resourceVersion ?? "",
                continueToken: decoded.metadata?.continue ?? "")
        }
        switch self {
        case .pods: return try list(Kube.Pod.self)
        case .services: return try list(Kube.Service.self)
        case .nodes: return try list(Kube.Node.self)
        case .endpointslices: return try list(Kube.EndpointSlice.self)
        case .endpoints: return try list(Kube.Endpoints.self)
        case .ingresses: return try list(Kube.Ingress.self)
        case .namespaces, .replicasets, .jobs: return try list(Kube.MetadataOnly.self)
        }
    }
}

/// One page of a LIST.
struct KubeList: Sendable {
    var items: [any KubeObject]
    var resourceVersion: String
    /// Empty on the last page.
    var continueToken: String
}

private struct KubeListBody<T: Decodable>: Decodable {
    struct Metadata: Decodable {
        var resourceVersion: String?
        var `continue`: String?
    }
    var metadata: Metadata?
    var items: [T]?
}

/// One event of a WATCH stream (`{"type": "ADDED", "object": {...}}`).
package enum KubeWatchEvent: Sendable {
    case added(any KubeObject)
    case modified(any KubeObject)
    case deleted(any KubeObject)
    /// The server's progress marker: only a newer `resourceVersion`.
    case bookmark(resourceVersion: String)
    /// A `Status` object; code 410 means the resource version is gone and a relist is due.
    case error(code: Int, message: String)

    private struct Head: Decodable {
        struct Object: Decodable {
            var metadata: Kube.ObjectMeta?
            var code: Int?
            var message: String?
        }
        var type: String
        var object: Object?
    }

    /// Decodes one line of a watch stream.
    package static func decode(_ line: Data, resource: KubeResource, decoder: JSONDecoder) throws -> KubeWatchEvent {
        let head = try decoder.decode(Head.self, from: line)
        switch head.type {
        case "BOOKMARK":
            return .bookmark(resourceVersion: head.object?.metadata?.resourceVersion ?? "")
        case "ERROR":
            return .error(code: head.object?.code ?? 0, message: head.object?.message ?? "")
        case "ADDED", "MODIFIED", "DELETED":
            guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any], let inner = object["object"] else {
                throw KubeDecodingError(reason: "watch event without an object")
            }
            let decoded = try resource.decodeObject(JSONSerialization.data(withJSONObject: inner), decoder: decoder)
            switch head.type {
            case "ADDED": return .added(decoded)
            case "MODIFIED": return .modified(decoded)
            default: return .deleted(decoded)
            }
        default:
            throw KubeDecodingError(reason: "unknown watch event type \"\(head.type)\"")
        }
    }
}

struct KubeDecodingError: Error {
    var reason: String
}

/// Lists and watches one kind of object on the API server, as client-go's `ListWatch`:
/// paginated LISTs (`limit`, `continue`) and WATCHes from a `resourceVersion` with bookmarks and
/// a server-side `timeoutSeconds`, with the label and field selectors of the config.
struct KubernetesAPI: Sendable {
    let client: SDHTTPClient
    /// `https://host:port` with any path prefix, no trailing slash.
    let server: String
    /// Objects per LIST page.
    var pageSize = 500

    /// The result of a full (paginated) LIST.
    struct Listing: Sendable {
        var items: [any KubeObject]
        var resourceVersion: String
    }

    /// How a watch ended.
    enum WatchEnd: Sendable {
        /// The server closed the stream (its timeout): watch again from `resourceVersion`.
        case closed(resourceVersion: String)
        /// 410 Gone: the resource version is too old; list again.
        case expired
    }

    /// Lists every object, following `continue` tokens; a 410 on a later page (expired token)
    /// restarts the list, at most three times.
    func list(_ resource: KubeResource, namespace: String, selector: Selector) async throws(DiscoveryError) -> Listing {
        for _ in 0..<3 {
            var items: [any KubeObject] = []
            var token = ""
            var restart = false
            repeat {
                var query = selector.query + [("limit", String(pageSize))]
                if !token.isEmpty { query.append(("continue", token)) }
                let url = self.url(resource.path(namespace: namespace), query)
                let response = try await client.get(url, headers: [("Accept", "application/json")], timeout: .seconds(60))
                if response.status == 410 && !token.isEmpty {
                    restart = true
                    break
                }
                guard response.status == 200 else { throw Self.statusError(url, response.status, response.body) }
                let page: KubeList
                do {
                    page = try resource.decodeList(Data(response.body), decoder: JSONDecoder())
                } catch {
                    throw .requestFailed(url: url, reason: "invalid list: \(error)")
                }
                items += page.items
                token = page.continueToken
                if token.isEmpty { return Listing(items: items, resourceVersion: page.resourceVersion) }
            } while true
            if !restart { break }
        }
        throw .requestFailed(url: server + resource.path(namespace: namespace), reason: "list kept expiring")
    }

    /// Watches from `resourceVersion`, handing each event to `handle`, until the server closes
    /// the stream or reports 410.
    func watch(
        _ resource: KubeResource, namespace: String, selector: Selector, resourceVersion: String, timeoutSeconds: Int,
        handle: (KubeWatchEvent) async -> Void
    ) async throws(DiscoveryError) -> WatchEnd {
        let query = selector.query + [
            ("allowWatchBookmarks", "true"), ("resourceVersion", resourceVersion),
            ("timeoutSeconds", String(timeoutSeconds)), ("watch", "true"),
        ]
        let url = self.url(resource.path(namespace: namespace), query)
        let response = try await client.open(url, headers: [("Accept", "application/json")], timeout: .seconds(timeoutSeconds + 30))
        if response.status.code == 410 { return .expired }
        var lastVersion = resourceVersion
        do {
            guard response.status.code == 200 else {
                var body: [UInt8] = []
                for try await chunk in response.body where body.count < 4096 { body += chunk.readableBytesView }
                throw Self.statusError(url, Int(response.status.code), body)
            }
            let decoder = JSONDecoder()
            var pending: [UInt8] = []
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Data(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                    let event: KubeWatchEvent
                    do {
                        event = try KubeWatchEvent.decode(line, resource: resource, decoder: decoder)
                    } catch {
                        throw DiscoveryError.requestFailed(url: url, reason: "invalid watch event: \(error)")
                    }
                    switch event {
                    case .error(let code, let message):
                        if code == 410 { return .expired }
                        throw DiscoveryError.requestFailed(url: url, reason: "watch error \(code): \(message)")
                    case .bookmark(let version):
                        if !version.isEmpty { lastVersion = version }
                    case .added(let object), .modified(let object), .deleted(let object):
                        if let version = object.metadata.resourceVersion, !version.isEmpty { lastVersion = version }
                    }
                    await handle(event)
                }
            }
        } catch let error as DiscoveryError {
            throw error
        } catch {
            // The connection broke mid-stream; what was handled stands.
            return .closed(resourceVersion: lastVersion)
        }
        return .closed(resourceVersion: lastVersion)
    }

    /// Label and field selectors for one kind.
    struct Selector: Sendable, Equatable {
        var label = ""
        var field = ""
        var query: [(String, String)] {
            (field.isEmpty ? [] : [("fieldSelector", field)]) + (label.isEmpty ? [] : [("labelSelector", label)])
        }
    }

    private func url(_ path: String, _ query: [(String, String)]) -> String {
        SDHTTPClient.url(server + path, query: query)
    }

    private static func statusError(_ url: String, _ status: Int, _ body: [UInt8]) -> DiscoveryError {
        let message = (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["message"] as? String
        return .requestFailed(url: url, reason: "status \(status)" + (message.map { ": \($0)" } ?? ""))
    }
}
