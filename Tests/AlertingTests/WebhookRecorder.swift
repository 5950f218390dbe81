import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A webhook receiver on 127.0.0.1 (ephemeral port): records every request and answers with the
/// next scripted status (200 once the script is used up). Requests arrive on `requests`, which
/// one iterator of the test reads.
final class WebhookRecorder: Sendable {
    /// One recorded request.
    struct Request: Sendable {
        var method: String = "POST"
        var path: String
        var headers: [(String, String)]
        var body: [UInt8]
        var receivedAt: ContinuousClock.Instant

        /// The body as JSON.
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    private let channel: any Channel
    let requests: AsyncStream<Request>
    private let shared: Shared

    /// The body of an answer to a request (a service's JSON or XML), "" for none.
    typealias Answer = @Sendable (Request) -> String

    private final class Shared: Sendable {
        let statuses: Mutex<[Int]>
        let continuation: AsyncStream<Request>.Continuation
        let answer: Answer
        init(statuses: [Int], continuation: AsyncStream<Request>.Continuation, answer: @escaping Answer) {
            self.statuses = Mutex(statuses)
            self.continuation = continuation
            self.answer = answer
        }
    }

    var port: Int { channel.localAddress?.port ?? 0 }
    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// - Parameter tls: a PEM certificate and key file to serve HTTPS with.
    init(statuses: [Int] = [], answer: @escaping Answer = { _ in "" }, tls: (certificate: String, key: String)? = nil) async throws {
        let (stream, continuation) = AsyncStream<Request>.makeStream()
        requests = stream
        let shared = Shared(statuses: statuses, continuation: continuation, answer: answer)
        self.shared = shared
        let sslContext = try tls.map { tls in
            try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem))))
        }
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext)) }
                }.flatMap {
                    channel.pipeline.configureHTTPServerPipeline()
                }.flatMap {
                    channel.pipeline.addHandler(Handler(shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async throws {
        shared.continuation.finish()
        try await channel.close()
    }

    /// Ends `requests` after `timeout`, so a test waiting for a request that never comes fails
    /// instead of hanging (a guard, not a way to synchronise).
    func finish(after timeout: Duration) -> Task<Void, Never> {
        let continuation = shared.continuation
        return Task {
            try? await Task.sleep(for: timeout)
            continuation.finish()
        }
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        // Safe: NIO calls a handler only on its channel's event loop; the state is touched nowhere else.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let shared: Shared
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(shared: Shared) {
            self.shared = shared
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                guard let head else { return }
                let request = Request(method: head.method.rawValue, path: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                                      body: body, receivedAt: .now)
                shared.continuation.yield(request)
                let status = shared.statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
                let answer = ByteBuffer(string: shared.answer(request))
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: String(answer.readableBytes))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: status), headers: headers))),
                              promise: nil)
                if answer.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(answer))), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
