import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Model
import Testing

@testable import Exposition

/// Debian's Prometheus 2.42 as a remote-read client of bytes we encode: a loopback receiver
/// (python3) records Prometheus's `ReadRequest` and answers with our snappy `ReadResponse`;
/// Prometheus's query API must then return our series and values.
@Suite(.enabled(
    if: Subprocess.findOnPath("prometheus") != nil && Subprocess.findOnPath("python3") != nil
        && Subprocess.findOnPath("curl") != nil,
    "needs prometheus (Debian package prometheus), python3 and curl"))
struct RemoteReadPrometheusTests {
    static let receiver = """
        import http.server, socket, sys
        directory = sys.argv[1]
        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                open(directory + '/request.bin', 'wb').write(body)
                response = open(directory + '/response.bin', 'rb').read()
                self.send_response(200)
                self.send_header('Content-Type', 'application/x-protobuf')
                self.send_header('Content-Encoding', 'snappy')
                self.send_header('Content-Length', str(len(response)))
                self.end_headers()
                self.wfile.write(response)
            def log_message(self, *args): pass
        server = http.server.HTTPServer(('127.0.0.1', 0), Receiver)
        spare = socket.socket()
        spare.bind(('127.0.0.1', 0))
        print(server.server_address[1], spare.getsockname()[1], flush=True)
        spare.close()
        server.serve_forever()
        """

    @Test func prometheusQueriesOurSamplesResponse() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-remote-read-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let nowMs = Int64(Date().timeIntervalSince1970) * 1000
        var batch = RemoteWriteBatch()
        batch.appendSeries(
            Labels(["__name__": "pharos_remote_read_test", "source": "a"]),
            samples: [Sample(timestampMs: nowMs - 30_000, value: 1.5), Sample(timestampMs: nowMs, value: 2.5)])
        batch.appendSeries(
            Labels(["__name__": "pharos_remote_read_test", "source": "b"]), samples: [Sample(timestampMs: nowMs, value: 42)])
        var response: [UInt8] = []
        RemoteReadResponse.encodeSamples([batch], into: &response)
        try Data(Snappy.compress(response)).write(to: directory.appendingPathComponent("response.bin"))
        try Data(Self.receiver.utf8).write(to: directory.appendingPathComponent("receiver.py"))

        let receiver = Process()
        receiver.executableURL = Subprocess.findOnPath("python3") ?? URL(fileURLWithPath: "/usr/bin/python3")
        receiver.arguments = [directory.appendingPathComponent("receiver.py").path, directory.path]
        let ports = Pipe()
        receiver.standardOutput = ports
        try receiver.run()
        defer { Self.stop(receiver) }
        var line = ""
        while !line.contains("\n") {  // ends when python prints its line or exits (empty read)
            let chunk = ports.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        let numbers = line.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        try #require(numbers.count == 2)
        let (receiverPort, prometheusPort) = (numbers[0], numbers[1])

        let config = """
            global:
              scrape_interval: 1m
            remote_read:
              - url: http://127.0.0.1:\(receiverPort)/read
                read_recent: true
            """
        try Data(config.utf8).write(to: directory.appendingPathComponent("prometheus.yml"))
        let prometheus = Process()
        prometheus.executableURL = Subprocess.findOnPath("prometheus") ?? URL(fileURLWithPath: "/usr/bin/prometheus")
        prometheus.arguments = [
            "--config.file=\(directory.appendingPathComponent("prometheus.yml").path)",
            "--web.listen-address=127.0.0.1:\(prometheusPort)",
            "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
        ]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = FileHandle.nullDevice
        try prometheus.run()
        defer { Self.stop(prometheus) }

        // curl waits for readiness itself (retrying 503s and refused connections), bounded.
        let base = "http://127.0.0.1:\(prometheusPort)"
        let ready = try curl(["--retry", "60", "--retry-connrefused", "--retry-delay", "1", "--retry-max-time", "60", "\(base)/-/ready"])
        try #require(ready.status == 0, "Prometheus did not become ready: \(ready.standardError)")
        let query = try curl(["\(base)/api/v1/query?query=pharos_remote_read_test&time=\(nowMs / 1000)"])
        try #require(query.status == 0)

        let json = try JSONSerialization.jsonObject(with: Data(query.standardOutput.utf8)) as? [String: Any]
        let data = json?["data"] as? [String: Any]
        let results = (data?["result"] as? [[String: Any]]) ?? []
        var values: [String: String] = [:]
        for result in results {
            let metric = result["metric"] as? [String: String] ?? [:]
            let value = result["value"] as? [Any] ?? []
            values[metric["source"] ?? "?"] = value.last as? String
        }
        #expect(values == ["a": "2.5", "b": "42"], "query answered \(query.standardOutput)")

        // What Prometheus asked for, read with our decoder.
        let requestBody = try Snappy.decompress(Array(Data(contentsOf: directory.appendingPathComponent("request.bin"))))
        let request = try RemoteReadRequest(decoding: requestBody)
        #expect(try request.negotiateResponseType() == .samples)
        let matchers = request.queries.first?.matchers ?? []
        #expect(matchers.contains(try Matcher(.equal, "__name__", "pharos_remote_read_test")))
        #expect(request.queries.first.map { $0.endTimestampMs >= nowMs && $0.startTimestampMs < nowMs } == true)
    }

    /// Stops a process we started, by its PID. SIGKILL, because children of the test runner
    /// can inherit a signal mask that blocks SIGTERM (then `terminate()` never lands).
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private func curl(_ arguments: [String]) throws -> Subprocess.Result {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-empty-\(UUID())")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        defer { try? FileManager.default.removeItem(at: empty) }
        return try Subprocess.run(try #require(Subprocess.findOnPath("curl")), ["-sS", "-f"] + arguments, input: empty)
    }
}
