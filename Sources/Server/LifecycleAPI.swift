package import Hummingbird

/// `/-/healthy`, `/-/ready`, `/-/reload` and `/-/quit`, with Prometheus's answers.
package struct LifecycleAPI: Sendable {
    /// Whether the storage is open and replayed.
    package var ready: @Sendable () -> Bool
    /// `--web.enable-lifecycle`.
    package var enabled: Bool
    /// Reloads the configuration; throws why it failed.
    package var reload: @Sendable () async throws(ServerError) -> Void
    /// Starts a graceful shutdown.
    package var quit: @Sendable () async -> Void

    /// Creates the endpoints.
    package init(ready: @escaping @Sendable () -> Bool, enabled: Bool,
                 reload: @escaping @Sendable () async throws(ServerError) -> Void, quit: @escaping @Sendable () async -> Void) {
        self.ready = ready
        self.enabled = enabled
        self.reload = reload
        self.quit = quit
    }

    /// Adds the routes to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        for method in [HTTPRequest.Method.get, .head] {
            router.on("-/healthy", method: method) { _, _ in Self.text(.ok, "Pharos Server is Healthy.\n") }
            router.on("-/ready", method: method) { _, _ in
                ready() ? Self.text(.ok, "Pharos Server is Ready.\n") : Self.text(.serviceUnavailable, "Service Unavailable")
            }
        }
        for method in [HTTPRequest.Method.post, .put] {
            router.on("-/reload", method: method) { _, _ in
                guard enabled else { return Self.lifecycleDisabled() }
                do {
                    try await reload()
                    return Response(status: .ok)
                } catch {
                    return Self.text(.internalServerError, "failed to reload config: \(error)\n")
                }
            }
            router.on("-/quit", method: method) { _, _ in
                guard enabled else { return Self.lifecycleDisabled() }
                Task { await quit() }
                return Self.text(.ok, "Requesting termination... Goodbye!\n")
            }
        }
    }

    private static func lifecycleDisabled() -> Response {
        text(.forbidden, "Lifecycle API is not enabled.\n")
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
