import Model

/// A persistent block opened for reading: its `meta.json`, `index` and `chunks/` segments,
/// whichever program wrote them (Pharos's `BlockWriter`, Prometheus, promtool).
///
/// The index and the chunk segments are memory-mapped (`MappedBytes`), not read: opening a
/// block reads its `meta.json`, `tombstones`, the index's TOC, symbols and postings offset
/// table, the chunk segments' headers and the last series' last chunk (`checkLastChunk`);
/// series, postings and chunks are read from the
/// mappings when a query needs them, each checked (bounds and CRC32C) before it is used.
package struct Block: Sendable {
    /// The block directory.
    package let directory: String
    /// What `meta.json` says: identity, time range, totals, compaction lineage.
    package private(set) var meta: BlockMeta
    /// The bytes of the block's files, for size-based retention.
    package let sizeBytes: Int
    /// The deleted ranges from the `tombstones` file (none if it is missing, as upstream).
    package private(set) var tombstones: Tombstones
    /// The index.
    package let index: IndexReader
    /// `chunks/000001`, `000002`, ... in order.
    let segments: [MappedBytes]

    /// Opens the block in `directory`.
    ///
    /// - Throws: `TSDBError.corruptBlock` for an unreadable `meta.json`, `.corruptIndex` for a
    ///   damaged index, `.corruptChunkFile` for a bad segment header, `.io` for missing files.
    package init(directory: String) throws(TSDBError) {
        self.directory = directory
        let metaPath = "\(directory)/meta.json"
        let metaBytes = try FileIO.readFile(metaPath)
        meta = try BlockMeta(json: String(decoding: metaBytes, as: UTF8.self), path: metaPath)
        index = try IndexReader(path: "\(directory)/index")
        let names = try FileIO.listDirectory("\(directory)/chunks")
            .filter { $0.count == 6 && $0.allSatisfy(\.isNumber) }
            .sorted()
        var segments = [MappedBytes]()
        for (number, name) in names.enumerated() {
            let path = "\(directory)/chunks/\(name)"
            guard name == BlockWriter.segmentName(number + 1) else {
                throw .corruptChunkFile(path: path, offset: 0, reason: "segment numbers are not consecutive from 000001")
            }
            let bytes = try MappedBytes(path: path)
            var cursor = ByteCursor(bytes)
            let magic = cursor.bigEndian32()
            guard !cursor.failed, magic == ChunkSegmentFile.magic, bytes.count >= ChunkSegmentFile.headerSize else {
                throw .corruptChunkFile(path: path, offset: 0, reason: "not a chunk segment file (bad magic)")
            }
            segments.append(bytes)
        }
        self.segments = segments
        let tombstonesPath = "\(directory)/tombstones"
        let tombstoneBytes = FileIO.fileSize(tombstonesPath) > 0 ? try FileIO.readFile(tombstonesPath) : []
        tombstones = tombstoneBytes.isEmpty ? Tombstones() : try TombstonesFile.decode(tombstoneBytes, path: tombstonesPath)
        sizeBytes = metaBytes.count + index.bytes.count + tombstoneBytes.count + segments.reduce(0) { $0 + $1.count }
        try checkLastChunk()
    }

    /// Reads the last series' last chunk. Pharos and Prometheus write chunks in series order,
    /// so it ends the last segment: a truncated segment or index is found when the block is
    /// opened (and the block skipped), at the cost of one series entry and one chunk.
    private func checkLastChunk() throws(TSDBError) {
        guard let last = try index.lastSeriesReference(), let chunk = try index.series(last).chunks.last else { return }
        _ = try locate(chunk)
    }

    /// The ULID from `meta.json`.
    package var ulid: ULID { meta.ulid }
    /// The block's time range from `meta.json`: `minTime` inclusive, `maxTime` exclusive.
    package var minTime: Int64 { meta.minTime }
    package var maxTime: Int64 { meta.maxTime }

    /// This block with `tombstones` as its deletions, written to its `tombstones` file
    /// first, then `meta.json` with their count (as upstream's `Block.Delete`), each to a
    /// temporary file, fsynced, then renamed over the old one.
    func replacingTombstones(_ tombstones: Tombstones) throws(TSDBError) -> Block {
        var updated = self
        updated.tombstones = tombstones
        updated.meta.numTombstones = UInt64(tombstones.intervals.values.reduce(0) { $0 + $1.count })
        for (name, bytes) in [("tombstones", TombstonesFile.encode(tombstones)), ("meta.json", Array(updated.meta.json.utf8))] {
            let path = "\(directory)/\(name)"
            try FileIO.writeFile(path + ".tmp", bytes)
            try FileIO.rename(path + ".tmp", to: path)
        }
        try FileIO.syncDirectory(directory)
        return updated
    }

    /// A querier over this block.
    package func querier() -> BlockQuerier { BlockQuerier(block: self) }

    /// The chunks `metas` point to (one series' chunks, in time order), each checked against
    /// its CRC32C and copied out of the segment's mapping. Chunks that follow each other in a
    /// segment, as a series' chunks do in blocks Pharos and Prometheus write, share one copy.
    ///
    /// - Throws: `TSDBError.corruptChunkFile` naming the segment and the chunk's offset.
    func chunks(_ metas: [IndexFormat.ChunkMeta]) throws(TSDBError) -> [ChunkSnapshot] {
        var located = [(segment: Int, encoding: ChunkEncoding, data: Range<Int>)]()
        located.reserveCapacity(metas.count)
        for meta in metas { located.append(try locate(meta)) }
        var out = [ChunkSnapshot]()
        out.reserveCapacity(metas.count)
        var start = 0
        while start < located.count {
            // A run of chunks whose data lie at most a chunk header and CRC apart.
            var end = start + 1
            while end < located.count, located[end].segment == located[start].segment,
                  located[end].data.lowerBound > located[end - 1].data.upperBound,
                  located[end].data.lowerBound - located[end - 1].data.upperBound <= Self.maxChunkGap
            {
                end += 1
            }
            let span = located[start].data.lowerBound..<located[end - 1].data.upperBound
            let copy = segments[located[start].segment].copy(span)
            for index in start..<end {
                let data = located[index].data
                out.append(ChunkSnapshot(encoding: located[index].encoding, bytes: copy,
                                         range: (data.lowerBound - span.lowerBound)..<(data.upperBound - span.lowerBound),
                                         minTime: metas[index].minTime, maxTime: metas[index].maxTime))
            }
            start = end
        }
        return out
    }

    /// The most bytes between two consecutive chunks' data: CRC32C (4), a length uvarint
    /// (at most 10) and the encoding byte.
    private static let maxChunkGap = 15

    /// Finds and checks the chunk `meta.ref` points to: its segment, encoding and data range.
    private func locate(_ meta: IndexFormat.ChunkMeta) throws(TSDBError) -> (segment: Int, encoding: ChunkEncoding, data: Range<Int>) {
        let segment = Int(meta.ref >> 32), offset = Int(meta.ref & 0xFFFF_FFFF)
        // Built only for an error: this runs for every chunk a query reads.
        var path: String { "\(directory)/chunks/\(BlockWriter.segmentName(segment + 1))" }
        guard segment < segments.count else {
            throw .corruptChunkFile(path: path, offset: offset, reason: "the index refers to a missing segment")
        }
        let bytes = segments[segment]
        guard offset >= ChunkSegmentFile.headerSize, offset < bytes.count else {
            throw .corruptChunkFile(path: path, offset: offset, reason: "the index refers past the end of the segment (\(bytes.count) bytes)")
        }
        var cursor = ByteCursor(bytes, range: offset..<bytes.count)
        let length = cursor.uvarint()
        let encodingByte = cursor.byte()
        guard !cursor.failed, length <= UInt64(cursor.remaining), cursor.remaining - Int(length) >= 4 else {
            throw .corruptChunkFile(path: path, offset: offset, reason: "chunk runs past the end of the file")
        }
        guard let encoding = ChunkEncoding(rawValue: encodingByte) else {
            throw .corruptChunkFile(path: path, offset: offset, reason: "unknown chunk encoding \(encodingByte)")
        }
        let data = cursor.offset..<cursor.offset + Int(length)
        var crc = ByteCursor(bytes, range: data.upperBound..<data.upperBound + 4)
        guard crc.bigEndian32() == bytes.checksum((data.lowerBound - 1)..<data.upperBound) else {
            throw .corruptChunkFile(path: path, offset: offset, reason: "checksum mismatch")
        }
        return (segment, encoding, data)
    }
}
