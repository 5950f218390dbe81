import Exposition
import Foundation
import Glibc
import Logging

/// The push gateway's durable log (`<storage.tsdb.path>/pushgateway/journal`): one record per
/// accepted change, each `length (u32 LE) | CRC32C of the payload (u32 LE) | payload`, written
/// and fsync'd before the request is answered. Opening replays it, truncating a torn or corrupt
/// tail with a warning; once it grows past `compactionThresholdBytes` it is rewritten with one
/// record per current group (temporary file, fsync, rename, fsync of the directory).
final class PushJournal {
    /// Past this size the journal is rewritten with the current state: a few MiB replay in
    /// milliseconds, and pushes of the same groups over and over would otherwise grow it forever.
    static let compactionThresholdBytes = 4 << 20

    let path: String
    private var descriptor: Int32
    private(set) var sizeBytes: Int
    private let logger: Logger

    /// Opens (creating) the journal in `directory` and returns it with the state it holds.
    static func open(directory: String, logger: Logger) throws(PushgatewayError) -> (PushJournal, PushState) {
        let path = directory + "/journal"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .journal(path: path, reason: "cannot create directory: \(error)")
        }
        let bytes = (FileManager.default.contents(atPath: path)).map { [UInt8]($0) } ?? []
        var state = PushState()
        var offset = 0
        var records = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 8 else { break }
            let length = Int(readUInt32(bytes, at: offset)), crc = readUInt32(bytes, at: offset + 4)
            guard length <= bytes.count - offset - 8 else { break }
            let payload = bytes[(offset + 8)..<(offset + 8 + length)]
            guard CRC32C.checksum(payload) == crc, let change = JournalRecord.decode(payload) else { break }
            state.apply(change)
            offset += 8 + length
            records += 1
        }
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .journal(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        if offset < bytes.count {
            logger.warning("Truncating torn or corrupt tail of the push gateway journal",
                           metadata: ["path": "\(path)", "offset": "\(offset)", "dropped_bytes": "\(bytes.count - offset)"])
            guard ftruncate(descriptor, off_t(offset)) == 0, fsync(descriptor) == 0 else {
                Glibc.close(descriptor)
                throw .journal(path: path, reason: "cannot truncate: \(String(cString: strerror(errno)))")
            }
        }
        lseek(descriptor, off_t(offset), SEEK_SET)
        logger.info("Replayed push gateway journal", metadata: ["path": "\(path)", "records": "\(records)", "groups": "\(state.groups.count)"])
        let journal = PushJournal(path: path, descriptor: descriptor, sizeBytes: offset, logger: logger)
        if offset > compactionThresholdBytes { try journal.compact(state) }
        return (journal, state)
    }

    private init(path: String, descriptor: Int32, sizeBytes: Int, logger: Logger) {
        self.path = path
        self.descriptor = descriptor
        self.sizeBytes = sizeBytes
        self.logger = logger
    }

    deinit { Glibc.close(descriptor) }

    /// Appends `changes` and fsyncs; on failure the journal is cut back to where it was.
    func append(_ changes: [GroupChange]) throws(PushgatewayError) {
        guard !changes.isEmpty else { return }
        var bytes: [UInt8] = []
        for change in changes { Self.appendRecord(JournalRecord.encode(change), to: &bytes) }
        do {
            try Self.write(bytes, to: descriptor, path: path)
        } catch {
            _ = ftruncate(descriptor, off_t(sizeBytes))
            lseek(descriptor, off_t(sizeBytes), SEEK_SET)
            throw error
        }
        sizeBytes += bytes.count
    }

    /// Rewrites the journal with one record per group of `state`, if it has outgrown the threshold.
    func compactIfNeeded(_ state: PushState) {
        guard sizeBytes > Self.compactionThresholdBytes else { return }
        do {
            try compact(state)
        } catch {
            logger.error("Compacting the push gateway journal failed", metadata: ["err": "\(error)"])
        }
    }

    private func compact(_ state: PushState) throws(PushgatewayError) {
        var bytes: [UInt8] = []
        for key in state.groups.keys.sorted() {
            if let group = state.groups[key] { Self.appendRecord(JournalRecord.encode(.put(group)), to: &bytes) }
        }
        let temporary = path + ".tmp"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .journal(path: temporary, reason: "cannot create: \(String(cString: strerror(errno)))") }
        do {
            try Self.write(bytes, to: fd, path: temporary)
        } catch {
            Glibc.close(fd)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            Glibc.close(fd)
            throw .journal(path: path, reason: "cannot rename the compacted journal: \(String(cString: strerror(errno)))")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let directoryFD = Glibc.open(directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            Glibc.close(directoryFD)
        }
        Glibc.close(descriptor)
        descriptor = fd
        lseek(descriptor, 0, SEEK_END)
        logger.info("Compacted push gateway journal", metadata: ["path": "\(path)", "from_bytes": "\(sizeBytes)", "to_bytes": "\(bytes.count)"])
        sizeBytes = bytes.count
    }

    private static func appendRecord(_ payload: [UInt8], to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32C.checksum(payload).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: payload)
    }

    private static func write(_ bytes: [UInt8], to fd: Int32, path: String) throws(PushgatewayError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .journal(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
            }
            written += result
        }
        guard fsync(fd) == 0 else { throw .journal(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
