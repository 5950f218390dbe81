import Foundation
import Glibc

/// A real DNS server for tests: Debian's dnsmasq on 127.0.0.1, answering only from its
/// command line (`--no-resolv --no-hosts`), stopped by PID.
final class Dnsmasq: Sendable {
    static let executable = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { executable != nil }

    let port: UInt16
    private let process: Process

    /// Starts dnsmasq on `port` (a free one if nil) with `records` (options such as
    /// `--srv-host=...`); returns once it logged that it started, which it does after binding.
    init(port: UInt16? = nil, records: [String]) async throws {
        guard let executable = Self.executable else { throw CocoaError(.executableNotLoadable) }
        let port = try port ?? Self.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--no-resolv", "--no-hosts",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=\(port)", "--log-facility=-",
            "--local=/pharos.test/",
        ] + records
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.port = port
        self.process = process
        let reader = errors.fileHandleForReading
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

    /// Stops dnsmasq by its PID and waits for it to exit. SIGKILL because Foundation's `Process`
    /// hands the child the spawning dispatch thread's signal mask, which blocks SIGTERM.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A port no UDP socket on 127.0.0.1 uses right now.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileReadUnknown) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw CocoaError(.fileReadUnknown) }
        return UInt16(bigEndian: address.sin_port)
    }

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
