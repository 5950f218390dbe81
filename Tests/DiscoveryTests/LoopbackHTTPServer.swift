import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// A real HTTP server (Hummingbird) on 127.0.0.1, ephemeral port, optionally TLS, for the
/// discovery providers' tests: every request goes to `handler`, which may hold it (blocking
/// queries) or stream its body (watches). Stopped by `stop()`.
final class LoopbackHTTPServer: Sendable {
    typealias Handler = @Sendable (Request) async throws -> Response

    let port: Int
    private let task: Task<Void, any Error>

    var address: String { "127.0.0.1:\(port)" }

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// Starts a server and returns once it listens.
    static func start(tls: TLSConfiguration? = nil, handler: @escaping Handler) async throws -> LoopbackHTTPServer {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "pharos.test.http")
        logger.logLevel = .critical  // shutdown by cancellation is logged as errors otherwise
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in try await handler(request) },
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await bound in ports { port = bound }
        guard port > 0 else {
            task.cancel()
            throw CocoaError(.fileReadUnknown)
        }
        return LoopbackHTTPServer(port: port, task: task)
    }

    /// Stops listening and ends held requests.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

extension Response {
    /// A response with `body` and `contentType`.
    static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String? = "application/json",
                     headers: [(String, String)] = []) -> Response {
        var fields = HTTPFields()
        if let contentType { fields[.contentType] = contentType }
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

extension Request {
    /// A request header's value.
    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    /// A query parameter's value.
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }
}
