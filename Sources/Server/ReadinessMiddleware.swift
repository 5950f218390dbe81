package import Hummingbird
import Synchronization

/// Answers 503 "Service Unavailable" to everything but `/-/healthy`, `/-/ready` and
/// `/metrics` until the storage has replayed its write-ahead log, as Prometheus's
/// `testReady` wrapper.
package struct ReadinessMiddleware<Context: RequestContext>: RouterMiddleware {
    private let ready: @Sendable () -> Bool
    private let alwaysServed: Set<String>

    /// A middleware asking `ready` per request; `prefix` is the route prefix.
    package init(prefix: String, ready: @escaping @Sendable () -> Bool) {
        self.ready = ready
        self.alwaysServed = [prefix + "/-/healthy", prefix + "/-/ready", prefix + "/metrics"]
    }

    package func handle(_ request: Request, context: Context,
                        next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ready() || alwaysServed.contains(request.uri.path) else {
            return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "Service Unavailable")))
        }
        return try await next(request, context)
    }
}
