import Exposition
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A remote-write receiver on 127.0.0.1 (ephemeral port) that decodes each request with
/// Pharos's decoder and keeps it, for what no Debian peer can receive: Prometheus 2.42 and
/// VictoriaMetrics 1.79 do not speak remote write 2.0. It answers 204 with
/// `X-Prometheus-Remote-Write-Samples-Written`, as a 2.0 receiver does.
final class RecordingReceiver: Sendable {
    private let channel: any Channel
    private let received: Received

    private final class Received: Sendable {
        let batches = Mutex<[(version: RemoteWriteVersion, batch: RemoteWriteBatch)]>([])
    }

    var url: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/api/v1/write" }
    /// Every request decoded so far, with its version.
    var batches: [(version: RemoteWriteVersion, batch: RemoteWriteBatch)] { received.batches.withLock { $0 } }

    init() async throws {
        let received = Received()
        self.received = received
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(received: received))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async throws {
        try await channel.close()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        // Used on its channel's event loop only.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let received: Received
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(received: Received) {
            self.received = received
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let chunk):
                body.append(contentsOf: chunk.readableBytesView)
            case .end:
                let contentType = head?.headers.first(name: "Content-Type") ?? ""
                let version: RemoteWriteVersion = contentType.contains("io.prometheus.write.v2.Request") ? .v2 : .v1
                var batch = RemoteWriteBatch()
                var decoder = RemoteWriteDecoder()
                var status = HTTPResponseStatus.noContent
                do {
                    try decoder.decode(try Snappy.decompress(body), version: version, into: &batch)
                    received.batches.withLock { $0.append((version, batch)) }
                } catch {
                    status = .badRequest
                }
                var headers = HTTPHeaders([("Content-Length", "0")])
                headers.add(name: "X-Prometheus-Remote-Write-Samples-Written", value: String(batch.timestampsMs.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
