/// Appends records to the WAL's segment files with Prometheus's page framing
/// (`WALFormat`), fsyncing before `log` returns.
///
/// Always starts a new segment after the newest existing one, as upstream does on open, so a
/// repaired (truncated) segment is never appended to.
///
/// Only used under `Head`'s commit lock, which serialises every call.
final class WALWriter: @unchecked Sendable {  // safe: only touched under Head.commitState's Mutex
    /// Prometheus's default segment size.
    package static let defaultSegmentSize = 128 * 1024 * 1024

    let directory: String
    let segmentSize: Int
    private(set) var segmentIndex: Int
    private var fd: Int32
    private var segmentPath: String
    /// The page being filled: bytes `0..<allocated` hold data, `0..<flushed` are on disk.
    private var page = [UInt8](repeating: 0, count: WALFormat.pageSize)
    private var allocated = 0
    private var flushed = 0
    /// Pages of the current segment already completed.
    private var donePages = 0

    /// Opens the WAL in `directory` (created if missing) for writing into a new segment
    /// numbered `firstSegment`.
    init(directory: String, firstSegment: Int, segmentSize: Int = WALWriter.defaultSegmentSize) throws(TSDBError) {
        precondition(segmentSize >= 2 * WALFormat.pageSize && segmentSize % WALFormat.pageSize == 0,
                     "BUG: WAL segment size \(segmentSize) must be a multiple of the 32 KiB page size, at least 2 pages")
        self.directory = directory
        self.segmentSize = segmentSize
        try FileIO.makeDirectory(directory)
        segmentIndex = firstSegment
        segmentPath = directory + "/" + WALFormat.segmentName(firstSegment)
        fd = try FileIO.openForAppend(segmentPath)
        try FileIO.syncDirectory(directory)
    }

    private var pagesPerSegment: Int { segmentSize / WALFormat.pageSize }

    /// Writes `records` in order, then fsyncs. On return they are durable.
    func log(_ records: [[UInt8]]) throws(TSDBError) {
        for record in records { try log(record) }
        try flushPage(clear: false)
        try FileIO.sync(fd, path: segmentPath)
    }

    private func log(_ record: [UInt8]) throws(TSDBError) {
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
            page[allocated] = type.rawValue
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
        if end > flushed { try FileIO.writeAll(fd, page[flushed..<end], path: segmentPath) }
        flushed = end
        if clear {
            for i in 0..<allocated { page[i] = 0 }
            allocated = 0
            flushed = 0
            donePages += 1
        }
    }

    private func nextSegment() throws(TSDBError) {
        if allocated > 0 { try flushPage(clear: true) }
        try FileIO.sync(fd, path: segmentPath)
        try FileIO.closeFile(fd, path: segmentPath)
        segmentIndex += 1
        segmentPath = directory + "/" + WALFormat.segmentName(segmentIndex)
        fd = try FileIO.openForAppend(segmentPath)
        try FileIO.syncDirectory(directory)
        donePages = 0
    }

    /// Flushes, fsyncs and closes the current segment.
    func close() throws(TSDBError) {
        guard fd >= 0 else { return }
        try flushPage(clear: false)
        try FileIO.sync(fd, path: segmentPath)
        try FileIO.closeFile(fd, path: segmentPath)
        fd = -1
    }

    deinit {
        if fd >= 0 { try? FileIO.closeFile(fd, path: segmentPath) }
    }
}
