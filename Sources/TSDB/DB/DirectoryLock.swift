#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An exclusive `flock` on `<directory>/lock`, held while a database is open so that two
/// processes (or two opens in one process) never write one directory (upstream's
/// `fileutil.Flock` on the same file name). The kernel releases it when the process dies,
/// so a crash leaves no stale lock.
final class DirectoryLock: Sendable {
    private let descriptor: Mutex<Int32>

    /// Takes the lock, without waiting.
    ///
    /// - Throws: `TSDBError.locked` naming the directory when another holder has it;
    ///   `.io` when the lock file cannot be opened.
    init(directory: String) throws(TSDBError) {
        let path = directory + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(fd)
            if error == EWOULDBLOCK { throw .locked(directory: directory) }
            throw .io(path: path, operation: "flock", errno: error)
        }
        descriptor = Mutex(fd)
    }

    /// Releases the lock (closing the descriptor drops the `flock`); later calls do nothing.
    func release() {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    deinit { release() }
}
