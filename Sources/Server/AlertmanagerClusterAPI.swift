package import Alerting
package import Hummingbird
import HTTPTypes

/// What HA peers ask each other on `--cluster.listen-address` (Pharos's HTTP in place of
/// upstream's memberlist): `GET /cluster/v1/ping` (`{"name":"<this peer>"}`), `GET
/// /cluster/v1/state` (every silence and log entry), `POST /cluster/v1/state` (merged, last
/// write wins). A request without this peer's `--cluster.label` gets 403.
package struct AlertmanagerClusterAPI: Sendable {
    package var alertmanager: Alertmanager
    package var cluster: AlertmanagerCluster
    /// The largest state accepted.
    package var bodyLimit: Int

    package init(alertmanager: Alertmanager, cluster: AlertmanagerCluster, bodyLimit: Int) {
        self.alertmanager = alertmanager
        self.cluster = cluster
        self.bodyLimit = bodyLimit
    }

    /// A router with the three endpoints.
    package func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("cluster/v1/ping") { request, _ in
            if let refused = refusal(request) { return refused }
            var json = JSONWriter()
            json.raw(#"{"name":"#)
            json.string(cluster.options.name)
            json.byte("}")
            return Self.response(.ok, json.bytes)
        }
        router.get("cluster/v1/state") { request, _ in
            if let refused = refusal(request) { return refused }
            return Self.response(.ok, alertmanager.peerState())
        }
        router.post("cluster/v1/state") { request, _ in
            if let refused = refusal(request) { return refused }
            var request = request
            do {
                let body = try await request.collectBody(upTo: bodyLimit)
                try alertmanager.mergePeerState(body.readableBytesView)
            } catch {
                return Self.text(.badRequest, "\(error)")
            }
            return Response(status: .ok)
        }
        return router
    }

    private func refusal(_ request: Request) -> Response? {
        let label = request.headers[HTTPField.Name(AlertmanagerCluster.labelHeader)!] ?? ""
        guard label != cluster.options.label else { return nil }
        return Self.text(.forbidden, "cluster label \"\(label)\" is not this peer's \"\(cluster.options.label)\"")
    }

    private static func response(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
