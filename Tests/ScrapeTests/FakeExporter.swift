import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// An exporter on 127.0.0.1 (ephemeral port) speaking raw HTTP/1.1, so a test can make it
/// misbehave in ways a well-behaved server framework would not: hang, close mid-body, lie about
/// its content type. Every request gets the current `reply`; the request heads are kept.
final class FakeExporter: Sendable {
    /// What the exporter answers.
    enum Reply: Sendable {
        /// 200 with `body` and `contentType`.
        case body(String, contentType: String = "text/plain; version=0.0.4; charset=utf-8")
        /// Another status, with an empty body.
        case status(Int, String)
        /// Accepts the connection and never answers.
        case hang
        /// Sends the head announcing `declaredBytes`, then `body`, then closes.
        case truncated(String, declaredBytes: Int)
        /// `body` as it is, no `Content-Type` header.
        case untyped(String)
        /// 200 with a binary body (protobuf).
        case bytes([UInt8], contentType: String)
    }

    private let channel: any Channel
    private let shared: Shared

    /// What the exporter and its connections share.
    private final class Shared: Sendable {
        let state = Mutex<(reply: Reply, requests: [String])>((.hang, []))
    }

    var port: Int { channel.localAddress?.port ?? 0 }
    var address: String { "127.0.0.1:\(port)" }
    var requests: [String] { shared.state.withLock { $0.requests } }

    /// Changes what later requests get.
    func reply(_ reply: Reply) {
        shared.state.withLock { $0.reply = reply }
    }

    /// - Parameter tls: serve HTTPS with this configuration.
    init(_ reply: Reply, tls: TLSConfiguration? = nil) async throws {
        let shared = Shared()
        shared.state.withLock { $0.reply = reply }
        self.shared = shared
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    try channel.pipeline.syncOperations.addHandler(Handler(shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async throws {
        try await channel.close()
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private let shared: Shared
        private let received = Mutex("")

        init(shared: Shared) {
            self.shared = shared
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            // A TLS ClientHello (record type 0x16) is no HTTP request: answer 400 and close, as
            // an HTTP server does when an `https` target points at it.
            if buffer.readableBytesView.first == 0x16 {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")), promise: nil)
                context.close(promise: nil)
                return
            }
            let chunk = String(buffer: buffer)
            let head: String? = received.withLock { received in
                received += chunk
                guard let end = received.range(of: "\r\n\r\n") else { return nil }
                defer { received = "" }
                return String(received[..<end.lowerBound])
            }
            guard let head else { return }
            let reply = shared.state.withLock { state in
                state.requests.append(head)
                return state.reply
            }
            func send(_ text: String, close: Bool) {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
                if close { context.close(promise: nil) }
            }
            switch reply {
            case .body(let body, let contentType):
                send("HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)", close: false)
            case .status(let code, let reason):
                send("HTTP/1.1 \(code) \(reason)\r\nContent-Length: 0\r\n\r\n", close: false)
            case .hang:
                break
            case .truncated(let body, let declaredBytes):
                send("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(declaredBytes)\r\n\r\n\(body)", close: true)
            case .bytes(let body, let contentType):
                var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n")
                buffer.writeBytes(body)
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            case .untyped(let body):
                send("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)", close: false)
            }
        }
    }
}
