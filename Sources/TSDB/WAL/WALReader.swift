internal import Exposition

/// Reads records back from WAL segments (upstream's `wlog.Reader`), stopping at the first
/// damage with its position so the caller can truncate there.
struct WALSegmentReader {
    /// Where reading stopped early, and why.
    struct Corruption: Error, Equatable {
        /// The segment holding the damage.
        var segment: Int
        /// The offset in that segment where the last good record ends: truncating here keeps
        /// every intact record.
        var goodLength: Int
        /// What was wrong.
        var reason: String
    }

    /// The segment being read.
    let segment: Int
    /// The segment offset of the next byte to read.
    private var position: Int
    /// The segment offset where the last complete record ends.
    private var goodLength: Int
    /// The record whose fragments are being collected.
    private var record = [UInt8]()
    private var inRecord = false

    /// A reader of segment `segment` from `offset` (the start of a record) on.
    init(segment: Int, offset: Int = 0) {
        self.segment = segment
        position = offset
        goodLength = offset
    }

    /// Calls `body` with each record of `bytes` (the content of segment `segment`) in order.
    ///
    /// - Returns: the corruption that ended reading early, or `nil` if the segment is intact.
    ///   A record torn by a crash (a partial last write) is reported as corruption too.
    static func records(in bytes: [UInt8], segment: Int, _ body: ([UInt8]) throws(Corruption) -> Void) -> Corruption? {
        records(in: bytes, segment: segment, baseOffset: 0) { record, _ throws(Corruption) in try body(record) }
    }

    /// Calls `body` with each record of `bytes` and the segment offset just after it, where
    /// `bytes` is segment `segment` from `baseOffset` (the start of a record) on. Offsets in
    /// the returned corruption are segment offsets too.
    static func records(in bytes: [UInt8], segment: Int, baseOffset: Int,
                        _ body: ([UInt8], Int) throws(Corruption) -> Void) -> Corruption? {
        var reader = WALSegmentReader(segment: segment, offset: baseOffset)
        return reader.read(bytes, body) ?? reader.finish()
    }

    /// Calls `body` with each record of the segment file at `path`, read a megabyte at a time
    /// (a whole segment is never in memory: replay and checkpoints stay within the memory
    /// of the records themselves).
    ///
    /// - Returns: the corruption that ended reading early, or `nil` if the segment is intact.
    /// - Throws: `TSDBError.io` when the file cannot be read.
    static func records(inFile path: String, segment: Int,
                        _ body: ([UInt8]) throws(Corruption) -> Void) throws(TSDBError) -> Corruption? {
        var reader = WALSegmentReader(segment: segment)
        var corruption: Corruption?
        try FileIO.forEachBlock(of: path, size: readSize) { bytes in
            corruption = reader.read(bytes) { record, _ throws(Corruption) in try body(record) }
            return corruption == nil
        }
        return corruption ?? reader.finish()
    }

    /// How much of a segment file `records(inFile:)` reads at once: whole pages, so no
    /// fragment is cut.
    static let readSize = 32 * WALFormat.pageSize

    /// Reads `bytes`, the segment's next bytes, calling `body` with each record completed in
    /// them and the segment offset just after it. `bytes` must end at a page boundary or at
    /// the end of the data (fragments never cross pages, so no fragment is cut).
    ///
    /// - Returns: the corruption that ended reading, or `nil` if reading may go on.
    mutating func read(_ bytes: [UInt8], _ body: ([UInt8], Int) throws(Corruption) -> Void) -> Corruption? {
        let baseOffset = position
        defer { position = baseOffset + bytes.count }
        // Page boundaries are fixed in the segment: `pageShift` maps local offsets onto them.
        let pageShift = baseOffset % WALFormat.pageSize
        var offset = 0
        let segment = segment
        func fail(_ reason: String) -> Corruption {
            Corruption(segment: segment, goodLength: goodLength, reason: "\(reason) at offset \(baseOffset + offset)")
        }
        while offset < bytes.count {
            let leftInPage = WALFormat.pageSize - (pageShift + offset) % WALFormat.pageSize
            if leftInPage < WALFormat.recordHeaderSize {
                // Too small for a header: must be padding.
                let end = min(bytes.count, offset + leftInPage)
                guard bytes[offset..<end].allSatisfy({ $0 == 0 }) else { return fail("non-zero page padding") }
                offset = end
                continue
            }
            let typeByte = bytes[offset]
            if typeByte == WALFormat.FragmentType.pageTerminator.rawValue {
                let end = min(bytes.count, offset + leftInPage)
                guard bytes[offset..<end].allSatisfy({ $0 == 0 }) else { return fail("non-zero bytes after a page terminator") }
                offset = end
                continue
            }
            if typeByte & WALFormat.zstdFlag != 0 {
                return fail("zstd-compressed WAL records are not supported (--storage.tsdb.wal-compression-type=zstd)")
            }
            guard let type = WALFormat.FragmentType(rawValue: typeByte & WALFormat.typeMask),
                  typeByte & ~(WALFormat.typeMask | WALFormat.snappyFlag) == 0 else { return fail("invalid fragment type \(typeByte)") }
            let snappy = typeByte & WALFormat.snappyFlag != 0
            guard bytes.count - offset >= WALFormat.recordHeaderSize else { return fail("torn fragment header") }
            let length = Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
            var crc: UInt32 = 0
            for k in 3..<7 { crc = crc << 8 | UInt32(bytes[offset + k]) }
            let start = offset + WALFormat.recordHeaderSize
            guard length <= leftInPage - WALFormat.recordHeaderSize else { return fail("fragment of \(length) bytes crosses a page") }
            guard start + length <= bytes.count else { return fail("torn fragment of \(length) bytes") }
            let fragment = bytes[start..<(start + length)]
            guard CRC32C.checksum(fragment) == crc else { return fail("fragment checksum mismatch") }
            switch type {
            case .full, .first:
                guard !inRecord else { return fail("a new record starts inside another") }
                record.removeAll(keepingCapacity: true)
                inRecord = type == .first
            case .middle, .last:
                guard inRecord else { return fail("a record continues without a start") }
                inRecord = type == .middle
            case .pageTerminator:
                preconditionFailure("BUG: handled above")
            }
            record.append(contentsOf: fragment)
            offset = start + length
            if !inRecord {
                do throws(Corruption) {
                    if snappy {
                        // The flag is on every fragment; the whole record is one snappy block.
                        // A WAL record fits in a segment: refuse blocks that claim more.
                        let decoded = record.withUnsafeBytes { raw in
                            Result { () throws(ExpositionError) in
                                try Snappy.decompress(raw, limitBytes: WALWriter.defaultSegmentSize)
                            }
                        }
                        switch decoded {
                        case .success(let bytes): try body(bytes, baseOffset + offset)
                        case .failure(let error): return fail("snappy: \(error)")
                        }
                    } else {
                        try body(record, baseOffset + offset)
                    }
                } catch {
                    return Corruption(segment: segment, goodLength: goodLength, reason: error.reason)
                }
                goodLength = baseOffset + offset
            }
        }
        return nil
    }

    /// The corruption of a record left incomplete where the data ended, if any.
    func finish() -> Corruption? {
        guard inRecord else { return nil }
        return Corruption(segment: segment, goodLength: goodLength, reason: "record torn at the end of the segment at offset \(position)")
    }
}
