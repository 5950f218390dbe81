import Foundation
import Glibc
import PharosTestSupport

/// A real DNS server for tests: Debian's dnsmasq on 127.0.0.1, answering only from its
/// command line (`--no-resolv --no-hosts`), stopped by PID.
final class Dnsmasq: Sendable {
    static let executable = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { executable != nil }

    let port: UInt16
    private let daemon: Daemon

    /// Starts dnsmasq on `port` (a free one if nil) with `records` (options such as
    /// `--srv-host=...`); returns once it logged that it started, which it does after binding.
    /// dnsmasq binds the port for UDP and TCP; when the chosen free port turns out to be taken
    /// for TCP by another process, it exits, and another free port is tried (up to 3).
    init(port: UInt16? = nil, records: [String]) async throws {
        guard let executable = Self.executable else { throw CocoaError(.executableNotLoadable) }
        var attempt = 0
        while true {
            attempt += 1
            let chosen = try port ?? UInt16(Daemon.freePort(SOCK_DGRAM))
            let daemon = try Daemon(executable, Self.arguments(port: chosen) + records, output: .pipe)
            if await Self.started(daemon) {
                self.port = chosen
                self.daemon = daemon
                return
            }
            daemon.stop()
            if port != nil || attempt == 3 { throw CocoaError(.executableLoad) }
        }
    }

    private static func arguments(port: UInt16) -> [String] {
        [
            "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--no-resolv", "--no-hosts",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=\(port)", "--log-facility=-",
            "--local=/pharos.test/",
        ]
    }

    /// Whether `daemon` logged that it started (false once its output ends without that line).
    private static func started(_ daemon: Daemon) async -> Bool {
        guard let reader = daemon.output else { return false }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let thread = Thread {
                var log = ""
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { return continuation.resume(returning: false) }
                    log += String(decoding: chunk, as: UTF8.self)
                    if log.contains("started, version") { return continuation.resume(returning: true) }
                }
            }
            thread.start()
        }
    }

    /// The server address for c-ares.
    var server: String { "127.0.0.1:\(port)" }

    /// Stops dnsmasq by its PID and reaps it; safe to call more than once.
    func stop() { daemon.stop() }

    /// `--dns-rr` data for a domain name: its labels in wire format.
    static func wireName(_ name: String) -> String {
        var hex = ""
        for label in name.split(separator: ".") {
            hex += String(format: "%02x", label.utf8.count)
            for byte in label.utf8 { hex += String(format: "%02x", byte) }
        }
        return hex + "00"
    }
}
