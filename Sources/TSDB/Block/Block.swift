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
    /// The ULID from `meta.json`.
    package let ulid: ULID
    /// The block's time range from `meta.json`: `minTime` inclusive, `maxTime` exclusive.
    package let minTime: Int64, maxTime: Int64
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
        let metaText = String(decoding: try FileIO.readFile(metaPath), as: UTF8.self)
        guard let ulidText = MetaJSON.string("ulid", in: metaText), let ulid = ULID(ulidText) else {
            throw .corruptBlock(path: metaPath, reason: "no valid \"ulid\"")
        }
        guard let minTime = MetaJSON.integer("minTime", in: metaText), let maxTime = MetaJSON.integer("maxTime", in: metaText) else {
            throw .corruptBlock(path: metaPath, reason: "no integer \"minTime\" and \"maxTime\"")
        }
        guard MetaJSON.integer("version", in: metaText) == 1 else {
            throw .corruptBlock(path: metaPath, reason: "\"version\" is not 1")
        }
        self.ulid = ulid
        self.minTime = minTime
        self.maxTime = maxTime
        let indexPath = "\(directory)/index"
        index = try IndexReader(bytes: try FileIO.readFile(indexPath), path: indexPath)
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

/// Just enough of JSON to read the top-level scalars of `meta.json`.
enum MetaJSON {
    /// The value after the first `"key":` if it is a string without escapes.
    static func string(_ key: String, in text: String) -> String? {
        guard var rest = valueStart(key, in: text), rest.first == "\"" else { return nil }
        rest = rest.dropFirst()
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// The value after the first `"key":` if it is an integer.
    static func integer(_ key: String, in text: String) -> Int64? {
        guard let rest = valueStart(key, in: text) else { return nil }
        let digits = rest.prefix { $0 == "-" || $0.isNumber }
        return Int64(digits)
    }

    private static func valueStart(_ key: String, in text: String) -> Substring? {
        let needle = Array("\"\(key)\"".utf8), haystack = Array(text.utf8)
        guard haystack.count >= needle.count,
              let start = (0...(haystack.count - needle.count)).first(where: { haystack[$0..<$0 + needle.count].elementsEqual(needle) })
        else { return nil }
        let after = String(decoding: haystack[(start + needle.count)...], as: UTF8.self)
        var rest = after[...].drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return rest
    }
}
