import AsyncHTTPClient
import Foundation
import Model
import NIOCore
import NIOHTTP1
import PharosTestSupport
import Server
import TSDB

/// A real `pharos server` process on 127.0.0.1 for a test: its own temporary config and
/// data directory (optionally filled with samples before it starts), stopped by its PID.
final class PharosInstance: Sendable {
    static let binary = TestBinaries.built("pharos")

    let port: Int
    let directory: String
    let daemon: Daemon
    /// Whether the directory goes with this instance (not when it restarts another's).
    private let ownsDirectory: Bool

    /// Writes `config` (and `files`), stores `samples` through a TSDB head in the data
    /// directory (so the server replays them from the WAL), then starts the server with
    /// `flags` (`{dir}` in them is the instance's directory) on `port` (a free one if nil) and
    /// waits until it listens; `prepareData` may fill the data directory (its path) before.
    /// With `restarting`, it runs in that instance's directory
    /// (config and data as they are; `config` is ignored) and leaves it to that instance.
    init(config: String = "global:\n  scrape_interval: 15s\n", files: [String: String] = [:],
         samples: [(Labels, [(Int64, Double)])] = [], flags: [String] = [], port: Int? = nil,
         restarting previous: PharosInstance? = nil, prepareData: ((String) async throws -> Void)? = nil) async throws {
        guard let binary = Self.binary else { throw DaemonError("pharos is not built") }
        let directory = previous?.directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("pharos-server-\(UUID().uuidString)").path
        self.directory = directory
        ownsDirectory = previous == nil
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        if previous == nil { try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8) }
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        if !samples.isEmpty {
            let head = try Head.open(directory: directory + "/data")
            var app = head.appender()
            for (labels, points) in samples {
                for (t, v) in points { _ = try app.append(labels, timestamp: t, value: v) }
            }
            _ = try app.commit()
            try head.close()
        }
        try await prepareData?(directory + "/data")
        let port = try port ?? Daemon.freePort()
        self.port = port
        let arguments = [
            "server", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)",
            "--pushgateway.listen-address", "",  // Pushgateway (issue 6): no fixed :9091 shared by parallel tests
        ] + flags.map { $0.replacingOccurrences(of: "{dir}", with: directory) }
        // Debug binaries start slowly on a loaded 2-core machine: start a few at a time.
        daemon = try await Self.startups.run {
            let daemon = try Daemon(binary, arguments, output: .file(directory + "/pharos.log"))
            try await daemon.waitUntilListening(port: port, timeout: .seconds(180))
            return daemon
        }
    }

    /// Admits three server start-ups at a time across the test binary.
    private static let startups = QueryGate(limit: 3)

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Waits until `/-/ready` answers 200.
    func waitUntilReady() async throws {
        for _ in 0..<600 {
            if let response = try? await get("/-/ready"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonError("pharos not ready:\n\(daemon.log)")
    }

    /// A request's status, headers and body.
    struct Reply {
        var status: UInt
        var headers: HTTPHeaders
        var body: String
        var bytes: [UInt8]
    }

    /// Sends a request to the server (GET unless `method` says otherwise).
    func get(_ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = [],
             body: String? = nil) async throws -> Reply {
        try await Self.fetch(baseURL + path, method: method, headers: headers, body: body.map { Array($0.utf8) })
    }

    /// Sends a request with a binary body.
    func send(_ path: String, headers: [(String, String)], bytes: [UInt8]) async throws -> Reply {
        try await Self.fetch(baseURL + path, method: .POST, headers: headers, body: bytes)
    }

    /// Sends a request to any server on loopback.
    static func fetch(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [],
                      body: [UInt8]? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        let bytes = Array(buffer.readableBytesView)
        return Reply(status: response.status.code, headers: response.headers, body: String(decoding: bytes, as: UTF8.self), bytes: bytes)
    }

    /// The `data` member of a successful API answer, decoded.
    func data(_ path: String) async throws -> Any {
        try await Self.data(url: baseURL + path)
    }

    /// The `data` member of a successful answer of any Prometheus-compatible API.
    static func data(url path: String) async throws -> Any {
        let reply = try await fetch(path)
        guard reply.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [String: Any],
              object["status"] as? String == "success", let data = object["data"]
        else { throw DaemonError("\(path): \(reply.status) \(reply.body)") }
        return data
    }

    func stop() async {
        await daemon.terminate()
    }

    deinit {
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// The tests' HTTP client: bodies arrive as sent (no transparent gzip decompression).
private let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(decompression: .disabled))

/// Percent-encodes a query parameter value.
func encoded(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
}
