import Foundation
package import Glibc
import Synchronization

/// A real server process for tests (Pharos itself, Debian's prometheus, node_exporter),
/// spawned with `posix_spawn`, its output in a log file, stopped by its PID.
///
/// `posix_spawn` rather than Foundation's `Process`, whose single reaper thread blocks on
/// long-running children and stalls every other `Process` in the test binary.
package final class Daemon: Sendable {
    /// The process ID.
    package let pid: pid_t
    /// Where standard output and standard error go.
    package let logPath: String
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`; output goes to `logPath`.
    package init(_ executable: String, _ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
        guard status == 0 else { throw DaemonError("cannot start \(executable): \(String(cString: strerror(status)))") }
        self.pid = pid
        self.logPath = logPath
    }

    /// What the process wrote so far.
    package var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

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
            status = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
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

    /// Stops the process with SIGTERM (SIGKILL after `grace`) and reaps it; idempotent.
    package func stop(grace: Duration = .seconds(10)) async {
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

    deinit {
        if exitStatus.withLock({ $0 }) == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            _ = waitpid(pid, &raw, 0)
        }
    }

    /// A TCP port on 127.0.0.1 nothing listens on right now.
    package static func freeTCPPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DaemonError("socket failed") }
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
        guard bound else { throw DaemonError("bind failed") }
        return Int(UInt16(bigEndian: address.sin_port))
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
    package func waitUntilListening(port: Int, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if Self.isListening(port: port) { return }
            if let status = exited() { throw DaemonError("exited with status \(status) before listening:\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonError("not listening on port \(port) after \(timeout):\n\(log)")
    }
}

/// Why a test daemon did not start or answer.
package struct DaemonError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
