internal import Exposition
import Model

/// A persistent block opened for reading: its `meta.json`, `index` and `chunks/` segments,
/// whichever program wrote them (Pharos's `BlockWriter`, Prometheus, promtool).
///
/// Files are read into memory when the block is opened; chunk snapshots handed to queriers
/// share the segment buffers without copying.
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
    let segments: [[UInt8]]

    /// Opens the block in `directory`.
    ///
    /// - Throws: `TSDBError.corruptBlock` for an unreadable `meta.json`, `.corruptIndex` for a
    ///   damaged index, `.corruptChunkFile` for a bad segment header, `.io` for missing files.
    package init(directory: String) throws(TSDBError) {
        self.directory = directory
        let metaPath = "\(directory)/meta.json"
        let metaBytes = try FileIO.readFile(metaPath)
        meta = try BlockMeta(json: String(decoding: metaBytes, as: UTF8.self), path: metaPath)
        let indexPath = "\(directory)/index"
        let indexBytes = try FileIO.readFile(indexPath)
        index = try IndexReader(bytes: indexBytes, path: indexPath)
        let names = try FileIO.listDirectory("\(directory)/chunks")
            .filter { $0.count == 6 && $0.allSatisfy(\.isNumber) }
            .sorted()
        var segments = [[UInt8]]()
        for (number, name) in names.enumerated() {
            let path = "\(directory)/chunks/\(name)"
            guard name == BlockWriter.segmentName(number + 1) else {
                throw .corruptChunkFile(path: path, offset: 0, reason: "segment numbers are not consecutive from 000001")
            }
            let bytes = try FileIO.readFile(path)
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
        sizeBytes = metaBytes.count + indexBytes.count + tombstoneBytes.count + segments.reduce(0) { $0 + $1.count }
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

    /// The chunk that `ref` points to, checked against its CRC32C.
    func chunk(_ meta: IndexFormat.ChunkMeta) throws(TSDBError) -> ChunkSnapshot {
        let segment = Int(meta.ref >> 32), offset = Int(meta.ref & 0xFFFF_FFFF)
        let path = "\(directory)/chunks/\(BlockWriter.segmentName(segment + 1))"
        guard segment < segments.count else {
            throw .corruptChunkFile(path: path, offset: offset, reason: "the index refers to a missing segment")
        }
        let bytes = segments[segment]
        guard offset >= ChunkSegmentFile.headerSize, offset < bytes.count else {
            throw .corruptChunkFile(path: path, offset: offset, reason: "the index refers past the end of the segment")
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
        guard crc.bigEndian32() == CRC32C.checksum(bytes[(data.lowerBound - 1)..<data.upperBound]) else {
            throw .corruptChunkFile(path: path, offset: offset, reason: "checksum mismatch")
        }
        return ChunkSnapshot(encoding: encoding, bytes: bytes, range: data, minTime: meta.minTime, maxTime: meta.maxTime)
    }
}
