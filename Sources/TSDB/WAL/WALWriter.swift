internal import Exposition
import Synchronization

/// Appends records to the WAL's segment files with Prometheus's page framing
/// (`WALFormat`), and fsyncs them on request with group commit.
///
/// Always starts a new segment after the newest existing one, as upstream does on open, so a
/// repaired (truncated) segment is never appended to.
///
/// Two sides with separate locks: `write`, `close` and segment rotation are called only
/// under `Head`'s commit lock, which serialises them; `sync(through:)` is called after that
/// lock is released and synchronises through `syncState`. Rotation holds both.
final class WALWriter: @unchecked Sendable {  // safe: write side under Head.commitState, sync side under syncState
    /// Prometheus's default segment size.
    package static let defaultSegmentSize = 128 * 1024 * 1024

    let directory: String
    let segmentSize: Int
    /// Whether records are snappy-compressed (`--storage.tsdb.wal-compression`).
    let compresses: Bool
    private(set) var segmentIndex: Int
    private var fd: Int32
    private var segmentPath: String
    /// The page being filled: bytes `0..<allocated` hold data, `0..<flushed` are on disk.
    private var page = [UInt8](repeating: 0, count: WALFormat.pageSize)
    private var allocated = 0
    private var flushed = 0
    /// Pages of the current segment already completed.
    private var donePages = 0
    /// Bytes written to all segments so far: a position in the log.
    private var totalWritten: UInt64 = 0

    private struct SyncState {
        /// The descriptor of the segment being written (a copy of `fd` kept for syncing).
        var fd: Int32
        var path: String
        /// The log position written and the position known durable.
        var written: UInt64 = 0
        var synced: UInt64 = 0
        /// The first fsync failure; after it nothing is reported durable again.
        var failure: TSDBError?
        var fsyncs = 0
    }

    private let syncState: Mutex<SyncState>

    /// Opens the WAL in `directory` (created if missing) for writing into a new segment
    /// numbered `firstSegment`. With `compresses`, each record is written as one snappy block
    /// when that is smaller, as Prometheus's `--storage.tsdb.wal-compression` (its default).
    init(directory: String, firstSegment: Int, segmentSize: Int = WALWriter.defaultSegmentSize,
         compresses: Bool = false) throws(TSDBError) {
        precondition(segmentSize >= 2 * WALFormat.pageSize && segmentSize % WALFormat.pageSize == 0,
                     "BUG: WAL segment size \(segmentSize) must be a multiple of the 32 KiB page size, at least 2 pages")
        self.directory = directory
        self.segmentSize = segmentSize
        self.compresses = compresses
        try FileIO.makeDirectory(directory)
        segmentIndex = firstSegment
        segmentPath = directory + "/" + WALFormat.segmentName(firstSegment)
        fd = try FileIO.openForAppend(segmentPath)
        syncState = Mutex(SyncState(fd: fd, path: segmentPath))
        try FileIO.syncDirectory(directory)
    }

    private var pagesPerSegment: Int { segmentSize / WALFormat.pageSize }

    /// Writes `records` in order, then fsyncs. On return they are durable.
    func log(_ records: [[UInt8]]) throws(TSDBError) {
        try sync(through: write(records))
    }

    /// Writes `records` in order (to the OS, not yet durable) and returns the log position
    /// after them, for `sync(through:)`.
    func write(_ records: [[UInt8]]) throws(TSDBError) -> UInt64 {
        for record in records { try log(record) }
        try flushPage(clear: false)
        let end = totalWritten
        syncState.withLock { $0.written = end }
        return end
    }

    /// Returns once everything up to `position` is fsynced. Callers arriving while an fsync
    /// runs wait for it and are usually covered by it or by the next one: one fsync per
    /// group of commits, not per commit.
    ///
    /// - Throws: `TSDBError.io` if an fsync failed (now or before).
    func sync(through position: UInt64) throws(TSDBError) {
        try syncState.withLock { (state: inout SyncState) throws(TSDBError) in
            if let failure = state.failure { throw failure }
            guard state.synced < position else { return }
            let target = state.written
            do throws(TSDBError) {
                try FileIO.sync(state.fd, path: state.path)
            } catch {
                state.failure = error
                throw error
            }
            state.synced = target
            state.fsyncs += 1
        }
    }

    /// The log position known durable, and how many fsyncs made it so (tests, metrics).
    var syncedPosition: UInt64 { syncState.withLock { $0.synced } }
    var fsyncCount: Int { syncState.withLock { $0.fsyncs } }

    /// The first fsync failure, if any.
    var failure: TSDBError? { syncState.withLock { $0.failure } }

    private func log(_ uncompressed: [UInt8]) throws(TSDBError) {
        var record = uncompressed
        var flags: UInt8 = 0
        if compresses, !uncompressed.isEmpty {
            // As upstream's `WL.log`: compressed only when that is smaller; the flag is on
            // every fragment, and the reader decompresses the reassembled record.
            let compressed = Snappy.compress(uncompressed)
            if compressed.count < uncompressed.count {
                record = compressed
                flags = WALFormat.snappyFlag
            }
        }
        if WALFormat.pageSize - allocated < WALFormat.recordHeaderSize { try flushPage(clear: true) }
        // A record must fit in what is left of this segment; else start the next one.
        let leftInPage = WALFormat.pageSize - allocated - WALFormat.recordHeaderSize
        let leftInSegment = leftInPage + (WALFormat.pageSize - WALFormat.recordHeaderSize) * (pagesPerSegment - donePages - 1)
        // (Stricter than upstream: an empty record does not open a page past the segment's end.)
        if record.count > leftInSegment || donePages >= pagesPerSegment { try nextSegment() }

        var rest = record[...]
        var first = true
        repeat {
            let room = WALFormat.pageSize - allocated - WALFormat.recordHeaderSize
            let part = rest.prefix(room)
            let type: WALFormat.FragmentType =
                first && part.count == rest.count ? .full
                : part.count == rest.count ? .last
                : first ? .first : .middle
            let crc = CRC32C.checksum(part)
            page[allocated] = type.rawValue | flags
            page[allocated + 1] = UInt8(truncatingIfNeeded: part.count >> 8)
            page[allocated + 2] = UInt8(truncatingIfNeeded: part.count)
            for k in 0..<4 { page[allocated + 3 + k] = UInt8(truncatingIfNeeded: crc >> UInt32(24 - 8 * k)) }
            page.replaceSubrange((allocated + WALFormat.recordHeaderSize)..<(allocated + WALFormat.recordHeaderSize + part.count), with: part)
            allocated += WALFormat.recordHeaderSize + part.count
            if WALFormat.pageSize - allocated < WALFormat.recordHeaderSize { try flushPage(clear: true) }
            rest = rest.dropFirst(part.count)
            first = false
        } while !rest.isEmpty
    }

    /// Writes the unwritten part of the page; `clear` pads it to its end and starts a new one.
    private func flushPage(clear: Bool) throws(TSDBError) {
        let end = clear ? WALFormat.pageSize : allocated
        if end > flushed {
            try FileIO.writeAll(fd, page[flushed..<end], path: segmentPath)
            totalWritten += UInt64(end - flushed)
        }
        flushed = end
        if clear {
            for i in 0..<allocated { page[i] = 0 }
            allocated = 0
            flushed = 0
            donePages += 1
        }
    }

    /// Closes the current segment (padded and fsynced) and continues in a new one, so the
    /// closed one can be checkpointed; returns the closed segment's index.
    func startNextSegment() throws(TSDBError) -> Int {
        let closed = segmentIndex
        try nextSegment()
        return closed
    }

    private func nextSegment() throws(TSDBError) {
        if allocated > 0 { try flushPage(clear: true) }
        let nextPath = directory + "/" + WALFormat.segmentName(segmentIndex + 1)
        let nextFD = try FileIO.openForAppend(nextPath)
        try FileIO.syncDirectory(directory)
        // The finished segment is made durable and swapped out under the sync lock, so no
        // sync can use its descriptor after it is closed.
        let (oldFD, oldPath, end) = (fd, segmentPath, totalWritten)
        try syncState.withLock { (state: inout SyncState) throws(TSDBError) in
            if let failure = state.failure { throw failure }
            do throws(TSDBError) {
                try FileIO.sync(oldFD, path: oldPath)
            } catch {
                state.failure = error
                throw error
            }
            state.fd = nextFD
            state.path = nextPath
            state.written = end
            state.synced = end
        }
        try FileIO.closeFile(oldFD, path: oldPath)
        segmentIndex += 1
        segmentPath = nextPath
        fd = nextFD
        donePages = 0
    }

    /// Flushes, fsyncs and closes the current segment.
    func close() throws(TSDBError) {
        guard fd >= 0 else { return }
        try sync(through: write([]))
        try syncState.withLock { (state: inout SyncState) throws(TSDBError) in
            try FileIO.closeFile(state.fd, path: state.path)
            state.fd = -1
            state.failure = state.failure ?? .closed
        }
        fd = -1
    }

    deinit {
        if fd >= 0 { try? FileIO.closeFile(fd, path: segmentPath) }
    }
}
