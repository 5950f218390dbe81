import Foundation
import Glibc
import Synchronization

/// A real DNS server for tests: Debian's dnsmasq on 127.0.0.1, answering only from its
/// command line (`--no-resolv --no-hosts`), stopped by PID.
final class Dnsmasq: Sendable {
    static let executable = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { executable != nil }

    let port: UInt16
    private let pid: pid_t
    private let isStopped = Mutex(false)

    /// Starts dnsmasq on `port` (a free one if nil) with `records` (options such as
    /// `--srv-host=...`); returns once it logged that it started, which it does after binding.
    ///
    /// Spawned with `posix_spawn`, not Foundation's `Process`: dnsmasq closes every inherited
    /// descriptor at start-up, and Foundation takes the close of its monitor socket for the
    /// child's exit and blocks its one reaper thread in `waitpid` on the still-running daemon,
    /// which stalls every other `Process` in the test binary.
    init(port: UInt16? = nil, records: [String]) async throws {
        guard let executable = Self.executable else { throw CocoaError(.executableNotLoadable) }
        let port = try port ?? Self.freePort()
        let arguments = [
            executable, "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--no-resolv", "--no-hosts",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=\(port)", "--log-facility=-",
            "--local=/pharos.test/",
        ] + records
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw CocoaError(.fileWriteUnknown) }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)  // SIGTERM must reach it
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(writeEnd)
        guard status == 0 else {
            close(readEnd)
            throw CocoaError(.executableLoad)
        }
        self.port = port
        self.pid = pid
        let reader = FileHandle(fileDescriptor: readEnd, closeOnDealloc: true)
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
    func stop() {
        let wasStopped = isStopped.withLock { stopped in
            defer { stopped = true }
            return stopped
        }
        guard !wasStopped, kill(pid, SIGTERM) == 0 else { return }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
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
