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
    init(port: UInt16? = nil, records: [String]) async throws {
        guard let executable = Self.executable else { throw CocoaError(.executableNotLoadable) }
        let port = try port ?? UInt16(Daemon.freePort(SOCK_DGRAM))
        let arguments = [
            "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--no-resolv", "--no-hosts",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=\(port)", "--log-facility=-",
            "--local=/pharos.test/",
        ] + records
        let daemon = try Daemon(executable, arguments, output: .pipe)
        self.port = port
        self.daemon = daemon
        guard let reader = daemon.output else { throw CocoaError(.executableLoad) }
        let started = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
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
        guard started else {
            stop()
            throw CocoaError(.executableLoad)
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
