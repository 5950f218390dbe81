import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PharosTestSupport

/// One HTTP answer: status and body.
struct HTTPReply: Sendable {
    var status: UInt
    var body: String
}

/// The tests' HTTP client: bodies arrive as sent (no transparent decompression).
enum PushHTTP {
    private static let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(decompression: .disabled))

    /// Sends a request to a server on loopback.
    static func send(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [],
                     body: [UInt8]? = nil) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return HTTPReply(status: response.status.code, body: String(decoding: buffer.readableBytesView, as: UTF8.self))
    }
}

/// A real `pharos server` with its Pushgateway listener on 127.0.0.1, in a temporary directory
/// that outlives restarts (so a restart replays the push journal).
final class PharosPushServer {
    static let binary = TestBinaries.built("pharos")

    let directory: String
    let mainPort: Int
    let pushPort: Int
    private let flags: [String]
    private(set) var daemon: Daemon

    /// Starts the server with `flags` and a config whose global scrape interval is `scrapeInterval`.
    init(flags: [String] = [], scrapeInterval: String = "1s") async throws {
        guard let binary = Self.binary else { throw DaemonError("pharos is not built") }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-push-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try "global:\n  scrape_interval: \(scrapeInterval)\n".write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        mainPort = try Daemon.freePort()
        pushPort = try Daemon.freePort()
        self.flags = flags
        daemon = try Self.start(binary, directory: directory, mainPort: mainPort, pushPort: pushPort, flags: flags)
        try await waitUntilReady()
    }

    private static func start(_ binary: String, directory: String, mainPort: Int, pushPort: Int, flags: [String]) throws -> Daemon {
        try Daemon(binary, [
            "server", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(mainPort)", "--pushgateway.listen-address=127.0.0.1:\(pushPort)",
        ] + flags, output: .file(directory + "/pharos.log"))
    }

    /// `http://127.0.0.1:<pushgateway port>`.
    var pushURL: String { "http://127.0.0.1:\(pushPort)" }
    /// `http://127.0.0.1:<main port>`.
    var mainURL: String { "http://127.0.0.1:\(mainPort)" }

    /// Waits until both listeners accept connections and the storage is ready.
    func waitUntilReady() async throws {
        try await daemon.waitUntilListening(port: pushPort)
        try await daemon.waitUntilListening(port: mainPort)
        for _ in 0..<600 {
            if let reply = try? await PushHTTP.send(mainURL + "/-/ready"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonError("pharos not ready:\n\(daemon.log)")
    }

    /// Kills the process at once (`kill -9`).
    func kill9() async { await daemon.kill9() }

    /// Starts the server again on the same directory and ports.
    func restart() async throws {
        await daemon.terminate()
        guard let binary = Self.binary else { throw DaemonError("pharos is not built") }
        daemon = try Self.start(binary, directory: directory, mainPort: mainPort, pushPort: pushPort, flags: flags)
        try await waitUntilReady()
    }

    func stop() async { await daemon.terminate() }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// Debian's `prometheus-pushgateway` on 127.0.0.1, the peer of the differential test.
final class RealPushgateway {
    static let binary = "/usr/bin/prometheus-pushgateway"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let port: Int
    let daemon: Daemon
    private let logPath: String

    init() async throws {
        port = try Daemon.freePort()
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("pushgateway-\(UUID().uuidString).log").path
        // Debian defaults --persistence.file to /var/lib/prometheus/pushgateway.data: every run would share it.
        daemon = try Daemon(Self.binary, ["--web.listen-address=127.0.0.1:\(port)", "--web.enable-admin-api", "--persistence.file="], output: .file(logPath))
        try await daemon.waitUntilListening(port: port)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async { await daemon.terminate() }

    deinit { try? FileManager.default.removeItem(atPath: logPath) }
}
