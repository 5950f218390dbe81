package import Foundation
package import Glibc
import Synchronization

/// A long-lived peer process for tests (an exporter, a Prometheus, dnsmasq), spawned with
/// `posix_spawn` and stopped by its PID.
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

    private let pid: pid_t
    private let outputDescriptor: Int32?
    private let isStopped = Mutex(false)

    /// Starts `executable` with `arguments`.
    /// - Throws: `CocoaError(.executableLoad)` when it cannot be spawned.
    package init(_ executable: String, _ arguments: [String], output: Output = .discard) throws {
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
            guard pipe(&pipeEnds) == 0 else { throw CocoaError(.fileWriteUnknown) }
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
        posix_spawnattr_setsigmask(&attributes, &noSignals)  // SIGTERM must reach it
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard status == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            throw CocoaError(.executableLoad)
        }
        self.pid = pid
        outputDescriptor = pipeEnds[0] >= 0 ? pipeEnds[0] : nil
    }

    /// The read end of the `.pipe` output (closed when the handle goes away); nil otherwise.
    package var output: FileHandle? {
        outputDescriptor.map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// Stops the process with SIGTERM and reaps it; safe to call more than once.
    package func stop() {
        let wasStopped = isStopped.withLock { stopped in
            defer { stopped = true }
            return stopped
        }
        guard !wasStopped, kill(pid, SIGTERM) == 0 else { return }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    deinit { stop() }

    /// A port on 127.0.0.1 that no socket of `type` (`SOCK_STREAM`, `SOCK_DGRAM`) uses right
    /// now: bound, read back and released.
    package static func freePort(_ type: __socket_type = SOCK_STREAM) throws -> Int {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
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
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
