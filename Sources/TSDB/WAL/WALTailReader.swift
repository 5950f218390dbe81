/// A place in the write-ahead log: segment `segment`, byte `offset`, where a record starts
/// (or where the next one will be written).
package struct WALPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The segment number (`wal/00000012` is 12).
    package var segment: Int
    /// The byte offset in the segment.
    package var offset: Int

    /// A position.
    package init(segment: Int, offset: Int) {
        self.segment = segment
        self.offset = offset
    }

    package static func < (a: WALPosition, b: WALPosition) -> Bool {
        (a.segment, a.offset) < (b.segment, b.offset)
    }

    package var description: String { "\(WALFormat.segmentName(segment)):\(offset)" }
}

/// Follows a write-ahead log while the head writes it (the reading half of upstream's
/// `tsdb/wlog/watcher.go`): each `next()` returns the complete records written after the
/// position and moves past them.
///
/// The segment being written may end in a record whose fragments are not all written yet;
/// reading stops before it and takes it up on a later call. A segment is finished once a
/// newer one exists (the writer pads and syncs a segment before it creates the next), so
/// damage in a finished segment is real: it is counted in `corruptions` and reading goes on
/// with the next segment. Segments deleted before they were read (a checkpoint removed them)
/// are counted in `lostSegments`.
package struct WALTailReader: Sendable {
    /// The `wal` directory.
    package let walDirectory: String
    /// Where the next record starts.
    package private(set) var position: WALPosition
    /// Segments that were gone before they could be read.
    package private(set) var lostSegments = 0
    /// Damaged places skipped: records that do not decode, ends of finished segments that
    /// do not read.
    package private(set) var corruptions = 0
    /// Why the last damaged place was skipped.
    package private(set) var lastCorruption: String?
    /// Bytes read at most per call when records are small (a larger record is read whole).
    private let readSizeBytes: Int

    /// A reader starting at `position`.
    package init(walDirectory: String, position: WALPosition, readSizeBytes: Int = 4 << 20) {
        self.walDirectory = walDirectory
        self.position = position
        self.readSizeBytes = readSizeBytes
    }

    /// The position after the last complete record of the newest segment: where a reader
    /// that wants only what is written from now on starts.
    /// - Throws: `TSDBError.io` when the directory cannot be listed.
    package static func end(ofWAL walDirectory: String) throws(TSDBError) -> WALPosition {
        let segments = try FileIO.listDirectory(walDirectory).compactMap(WALFormat.segmentIndex)
        guard let last = segments.max() else { return WALPosition(segment: 0, offset: 0) }
        var reader = WALTailReader(walDirectory: walDirectory, position: WALPosition(segment: last, offset: 0),
                                   readSizeBytes: .max)
        while try !reader.next(decode: false).isEmpty {}
        return reader.position
    }

    /// The next complete records after `position`, decoded (`nil` for record types Pharos
    /// does not use), each with the position just after it; empty when nothing new is
    /// complete yet.
    ///
    /// - Parameter decode: `false` skips decoding (every record is `nil`), to find positions.
    /// - Throws: `TSDBError.io` when the directory or a segment cannot be read. A record that
    ///   does not decode ends its segment like other damage (see the type's description).
    package mutating func next(decode: Bool = true) throws(TSDBError) -> [(record: WALRecord?, end: WALPosition)] {
        let segments = try FileIO.listDirectory(walDirectory).compactMap(WALFormat.segmentIndex).sorted()
        guard let first = segments.first else { return [] }
        if position.segment < first {
            lostSegments += first - position.segment
            position = WALPosition(segment: first, offset: 0)
        }
        while true {
            // Listed before reading: if a newer segment exists now, this one is complete.
            let isFinished = segments.contains { $0 > position.segment }
            guard segments.contains(position.segment) else {
                guard let later = segments.first(where: { $0 > position.segment }) else { return [] }
                lostSegments += later - position.segment
                position = WALPosition(segment: later, offset: 0)
                continue
            }
            let path = walDirectory + "/" + WALFormat.segmentName(position.segment)
            var limit = readSizeBytes
            while true {
                let bytes = try FileIO.readFile(path, from: position.offset, limit: limit)
                let reachedEnd = bytes.count < limit
                var out = [(record: WALRecord?, end: WALPosition)]()
                let segment = position.segment
                var undecodable = [String]()
                let corruption = WALSegmentReader.records(in: bytes, segment: segment, baseOffset: position.offset) {
                    record, end in
                    var decoded: WALRecord?
                    if decode {
                        // Framing and checksum are intact, so the record is skipped, not waited for.
                        do throws(TSDBError) { decoded = try WALRecord.decode(record) } catch {
                            undecodable.append("segment \(WALFormat.segmentName(segment)) offset \(end): \(error)")
                        }
                    }
                    out.append((decoded, WALPosition(segment: segment, offset: end)))
                }
                for reason in undecodable { noteCorruption(reason) }
                if let last = out.last { position = last.end }
                if !reachedEnd {
                    // More of the file is left: damage may only be where this read cut a record.
                    guard out.isEmpty else { return out }
                    limit = limit > Int.max / 2 ? .max : limit * 2  // one record larger than the read
                    continue
                }
                // Read to the end. In the segment being written a torn end is a record not
                // yet complete; in a finished one it is damage, and reading moves on.
                guard isFinished else { return out }
                if let corruption { noteCorruption("segment \(WALFormat.segmentName(segment)): \(corruption.reason)") }
                position = WALPosition(segment: segments.first(where: { $0 > segment }) ?? segment + 1, offset: 0)
                if out.isEmpty { break }
                return out
            }
        }
    }

    private mutating func noteCorruption(_ reason: String) {
        corruptions += 1
        lastCorruption = reason
    }
}
