import Foundation
import PharosTestSupport

/// Debian's Alertmanager 0.25 and `pharos server --role=alertmanager` side by side, each with its
/// own config file and state directory under `directory`, both with the external URL
/// `http://am.example:9093` (which notifications carry).
final class AlertmanagerPair {
    let upstream: Daemon
    let pharos: Daemon
    /// `http://127.0.0.1:<port>/api/v2` of each.
    let upstreamAPI: String
    let pharosAPI: String
    var bases: [String] { [upstreamAPI, pharosAPI] }

    init(directory: String, upstreamConfig: String, pharosConfig: String, pharosBinary: String) async throws {
        try Data(upstreamConfig.utf8).write(to: URL(fileURLWithPath: directory + "/upstream.yml"))
        try Data(pharosConfig.utf8).write(to: URL(fileURLWithPath: directory + "/pharos.yml"))
        let upstreamPort = try Daemon.freePort(), pharosPort = try Daemon.freePort()
        upstream = try Daemon("/usr/bin/prometheus-alertmanager", [
            "--config.file=\(directory)/upstream.yml", "--storage.path=\(directory)/upstream", "--web.external-url=http://am.example:9093",
            "--web.listen-address=127.0.0.1:\(upstreamPort)", "--cluster.listen-address=",
        ], output: .file(directory + "/upstream.log"))
        pharos = try Daemon(pharosBinary, [
            "server", "--role=alertmanager", "--config.file=\(directory)/pharos.yml", "--storage.path=\(directory)/pharos",
            "--web.listen-address=127.0.0.1:\(pharosPort)", "--web.external-url=http://am.example:9093",
        ], output: .file(directory + "/pharos.log"))
        upstreamAPI = "http://127.0.0.1:\(upstreamPort)/api/v2"
        pharosAPI = "http://127.0.0.1:\(pharosPort)/api/v2"
        try await upstream.waitUntilListening(port: upstreamPort)
        try await pharos.waitUntilListening(port: pharosPort)
    }

    func stop() {
        upstream.stop()
        pharos.stop()
    }

    /// Posts the same body to both.
    func post(_ path: String, _ body: String) async throws {
        for base in bases { try await AlertmanagerDifferentialTests.post(base, path, body) }
    }
}
