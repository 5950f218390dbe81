import Foundation
internal import TSDB

/// Where one queue's WAL reader resumes, kept in `<data>/remote-write/<key>/position`.
///
/// The file is one line, `<segment> <offset>\n` (the position after the last record whose
/// samples were all delivered), replaced atomically (written to `position.tmp`, fsynced and
/// renamed), so a crash leaves the old position or the new one. A `queue` file beside it
/// names the remote it belongs to, for people looking at the directory.
struct PositionStore: Sendable {
    let directory: String
    private var file: String { directory + "/position" }

    /// The store of the queue `key` under `dataDirectory/remote-write`.
    init(dataDirectory: String, key: String) {
        directory = dataDirectory + "/remote-write/" + key
    }

    /// The saved position, `nil` when there is none (a new queue) or it does not parse.
    func load() -> WALPosition? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let segment = Int(fields[0]), let offset = Int(fields[1]), segment >= 0, offset >= 0
        else { return nil }
        return WALPosition(segment: segment, offset: offset)
    }

    /// Saves `position` durably.
    func save(_ position: WALPosition, remote: String) throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: directory) {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data("remote_write \(remote)\n".utf8).write(to: URL(fileURLWithPath: directory + "/queue"))
        }
        let temporary = file + ".tmp"
        let bytes = Array("\(position.segment) \(position.offset)\n".utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, file) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    /// Forgets the queue (its `remote_write` entry was removed).
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
