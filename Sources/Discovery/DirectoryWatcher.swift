import Glibc
import Foundation

/// Watches directories with Linux inotify and signals each batch of changes in them.
///
/// As Prometheus's file discovery (`discovery/file/file.go`), the directories holding the files
/// are watched rather than the files, so files created later, replaced by rename or deleted are
/// seen. The watches are added in `init`, so no change after it is missed; `watch(into:)` then
/// blocks a dedicated thread in `poll(2)` (never a cooperative-pool thread) until cancelled.
final class DirectoryWatcher: Sendable {
    private let inotifyFD: Int32
    /// A pipe whose write end wakes the polling thread for cancellation.
    private let wakeFD: Int32
    private let wakeWriteFD: Int32
    /// Directories that could not be watched (missing, unreadable): only the refresh interval
    /// notices changes there, as upstream, which logs the same failure.
    let unwatched: [String]

    init(directories: [String]) throws(DiscoveryError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw .setupFailed("inotify_init1: \(String(cString: strerror(errno)))") }
        var wake: [Int32] = [-1, -1]
        guard pipe(&wake) == 0 else {
            close(fd)
            throw .setupFailed("pipe: \(String(cString: strerror(errno)))")
        }
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB)
        var failed: [String] = []
        for directory in Set(directories).sorted() where inotify_add_watch(fd, directory, mask) < 0 {
            failed.append(directory)
        }
        inotifyFD = fd
        for end in wake {
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeFD = wake[0]
        wakeWriteFD = wake[1]
        unwatched = failed
    }

    deinit {
        close(inotifyFD)
        close(wakeFD)
        close(wakeWriteFD)
    }

    /// Yields once per batch of changes until the calling task is cancelled.
    func watch(into changes: AsyncStream<Void>.Continuation) async {
        let inotifyFD = inotifyFD, wakeFD = wakeFD, wakeWriteFD = wakeWriteFD
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    Self.pollLoop(inotifyFD: inotifyFD, wakeFD: wakeFD, changes: changes)
                    done.resume()
                }
                thread.name = "pharos-file-sd-watch"
                thread.start()
            }
        } onCancel: {
            var one: UInt8 = 1
            _ = write(wakeWriteFD, &one, 1)
        }
    }

    private static func pollLoop(inotifyFD: Int32, wakeFD: Int32, changes: AsyncStream<Void>.Continuation) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            // Drain every queued event; which file changed does not matter, a refresh re-reads all.
            var drained = false
            while buffer.withUnsafeMutableBytes({ read(inotifyFD, $0.baseAddress, $0.count) }) > 0 { drained = true }
            if drained { changes.yield() }
        }
    }
}
