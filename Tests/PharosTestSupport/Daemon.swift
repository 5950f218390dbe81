package import Foundation
package import Glibc
import Synchronization

/// A real server process for tests (Pharos itself, Debian's prometheus, node_exporter,
/// dnsmasq), spawned with `posix_spawn` and stopped by its PID.
///
/// Not Foundation's `Process`: a daemon that closes its inherited descriptors makes Foundation
/// take the close of its monitor socket for the child's exit and block its one reaper thread
/// in `waitpid` on the still-running daemon, which stalls every other `Process` in the test binary.
package final class Daemon: Sendable {
    /// Where the daemon's output goes.
    package enum Output: Sendable {
        /// Nowhere.
        case discard
        /// Standard output and error appended to a file.
        case file(String)
        /// Standard error into a pipe whose read end `output` returns, standard output nowhere.
        case pipe
    }

    /// The process ID.
    package let pid: pid_t
    /// The file standard output and standard error go to, for `.file` output.
    package let logPath: String?
    private let outputDescriptor: Int32?
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` (and `environment` added to this process's).
    /// - Throws: `DaemonError` when it cannot be spawned.
    package init(_ executable: String, _ arguments: [String], output: Output = .discard,
                 environment: [String: String] = [:]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pipeEnds: [Int32] = [-1, -1]
        switch output {
        case .discard:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .pipe:
            guard pipe(&pipeEnds) == 0 else { throw DaemonError("pipe failed") }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
            posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)  // SIGTERM and SIGHUP must reach it
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard status == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            throw DaemonError("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        if case .file(let path) = output { logPath = path } else { logPath = nil }
        outputDescriptor = pipeEnds[0] >= 0 ? pipeEnds[0] : nil
    }

    /// The read end of the `.pipe` output (closed when the handle goes away); nil otherwise.
    package var output: FileHandle? {
        outputDescriptor.map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// What the process wrote so far to its `.file` output.
    package var log: String { logPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "" }

    /// Sends `signal` to the process.
    package func signal(_ signal: Int32) {
        if exitStatus.withLock({ $0 }) == nil { kill(pid, signal) }
    }

    /// The exit status once the process has exited (reaping it), `nil` while it runs.
    package func exited() -> Int32? {
        exitStatus.withLock { status in
            if status != nil { return status }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            status = Self.status(raw)
            return status
        }
    }

    /// Waits up to `timeout` for the process to exit; its status, or `nil` if it still runs.
    package func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exited() { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exited()
    }

    /// Stops the process with SIGTERM and waits for it; idempotent.
    package func stop() {
        guard exited() == nil else { return }
        kill(pid, SIGTERM)
        exitStatus.withLock { status in
            guard status == nil else { return }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, 0) == pid else { return }
            status = Self.status(raw)
        }
    }

    /// Stops the process with SIGTERM (SIGKILL after `grace`) without blocking a thread.
    package func terminate(grace: Duration = .seconds(10)) async {
        guard exited() == nil else { return }
        kill(pid, SIGTERM)
        if await waitForExit(timeout: grace) == nil {
            kill(pid, SIGKILL)
            _ = await waitForExit(timeout: .seconds(5))
        }
    }

    /// Stops the process at once, as `kill -9`.
    package func kill9() async {
        guard exited() == nil else { return }
        kill(pid, SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal.
    private static func status(_ raw: Int32) -> Int32 {
        (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
    }

    deinit {
        if exitStatus.withLock({ $0 }) == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            _ = waitpid(pid, &raw, 0)
        }
    }

    /// A port on 127.0.0.1 that no socket of `type` (`SOCK_STREAM`, `SOCK_DGRAM`) uses right
    /// now, for a server a test starts later.
    ///
    /// Ports come from below the kernel's ephemeral range (`ip_local_port_range`), in turn from
    /// a random start, each handed out once per process: a socket bound to port 0 elsewhere in
    /// the test run (a loopback fake, an HTTP client) can then never take a port between this
    /// call and the server binding it.
    package static func freePort(_ type: __socket_type = SOCK_STREAM) throws -> Int {
        let range = reservedPorts
        for _ in 0..<range.count {
            let candidate = nextPort.withLock { next -> Int in
                let port = next ?? Int.random(in: range)
                next = port >= range.upperBound ? range.lowerBound : port + 1
                return port
            }
            if canBind(port: candidate, type) { return candidate }
        }
        throw DaemonError("no free port in \(range)")
    }

    /// The next port `freePort` tries (nil until the first call picks a random start).
    private static let nextPort = Mutex<Int?>(nil)

    /// 10000 up to the start of the ephemeral range (32768 by default on Linux).
    private static let reservedPorts: ClosedRange<Int> = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        return 10000...max(10999, low - 1)
    }()

    /// Whether 127.0.0.1:`port` can be bound for `type` right now.
    private static func canBind(port: Int, _ type: __socket_type) -> Bool {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    package static func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Waits up to `timeout` until 127.0.0.1:`port` accepts connections.
    package func waitUntilListening(port: Int, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if Self.isListening(port: port) { return }
            if let status = exited() { throw DaemonError("exited with status \(status) before listening:\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Checked once more: on a loaded machine this task may not have run for longer than the
        // timeout while the daemon came up (seen: node_exporter listening, the wait failing).
        if Self.isListening(port: port) { return }
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "no /proc entry"
        throw DaemonError("not listening on port \(port) after \(timeout) (process state: \(state)):\n\(log)")
    }
}

/// Why a test daemon did not start or answer.
package struct DaemonError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
