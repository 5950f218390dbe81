internal import Foundation

/// A file replaced whole and atomically: written to `path.tmp`, fsync'd, renamed over `path`,
/// then the directory fsync'd. A crash leaves the old or the new file, never a torn one; see
/// docs/alertmanager.md for why silences and the notification log use this rather than SQLite.
enum StateFile {
    /// Replaces the file at `path` with `bytes`.
    static func write(_ bytes: [UInt8], to path: String) throws(AlertingError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw failure(path, "cannot create \(temporary)") }
        guard writeAll(bytes, to: fd) else {
            close(fd)
            throw failure(path, "cannot write \(temporary)")
        }
        guard fsync(fd) == 0 else {
            close(fd)
            throw failure(path, "cannot fsync \(temporary)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw failure(path, "cannot rename \(temporary)") }
        let directory = (path as NSString).deletingLastPathComponent
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// Writes every byte to `fd` (retrying short writes and `EINTR`); false on an error, with `errno` set.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            written += n
        }
        return true
    }

    /// The file's bytes, `nil` when it does not exist.
    static func read(_ path: String) throws(AlertingError) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw failure(path, "cannot read") }
        return data
    }

    private static func failure(_ path: String, _ what: String) -> AlertingError {
        .stateFile(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
