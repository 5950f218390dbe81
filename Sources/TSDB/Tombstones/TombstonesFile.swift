internal import Exposition

/// A block's `tombstones` file (`tsdb/tombstones/tombstones.go`,
/// `tsdb/docs/format/tombstones.md`): magic `0x0130BA30` (BE32), version 1, then per deleted
/// interval the series ref (uvarint), `mint` and `maxt` (varints, both inclusive), then the
/// CRC32C of the intervals (after the version byte).
package enum TombstonesFile {
    /// The first 4 bytes of a tombstones file.
    package static let magic: UInt32 = 0x0130_BA30
    /// The format version.
    package static let version: UInt8 = 1

    /// A tombstones file with no intervals.
    package static func empty() -> [UInt8] { encode(Tombstones()) }

    /// The file's bytes, intervals ordered by series ref then time.
    package static func encode(_ tombstones: Tombstones) -> [UInt8] {
        var out = [UInt8]()
        out.appendBigEndian(magic)
        out.append(version)
        let start = out.count
        for ref in tombstones.intervals.keys.sorted() {
            for interval in tombstones.intervals[ref]! {
                Varint.appendUnsigned(ref.rawValue, to: &out)
                Varint.appendSigned(interval.lowerBound, to: &out)
                Varint.appendSigned(interval.upperBound, to: &out)
            }
        }
        out.appendBigEndian(CRC32C.checksum(out[start...]))
        return out
    }

    /// Decodes a file read from `path` (named in errors).
    ///
    /// - Throws: `TSDBError.corruptBlock` for a short file, a wrong magic number or version,
    ///   a checksum mismatch or a truncated interval.
    package static func decode(_ bytes: [UInt8], path: String) throws(TSDBError) -> Tombstones {
        guard bytes.count >= 9 else { throw .corruptBlock(path: path, reason: "tombstones file of \(bytes.count) bytes") }
        var header = ByteCursor(bytes, range: 0..<5)
        guard header.bigEndian32() == magic, header.byte() == version else {
            throw .corruptBlock(path: path, reason: "not a version 1 tombstones file (bad magic or version)")
        }
        let body = 5..<(bytes.count - 4)
        var crc = ByteCursor(bytes, range: body.upperBound..<bytes.count)
        guard crc.bigEndian32() == CRC32C.checksum(bytes[body]) else {
            throw .corruptBlock(path: path, reason: "tombstones checksum mismatch")
        }
        var cursor = ByteCursor(bytes, range: body)
        var tombstones = Tombstones()
        while cursor.remaining > 0 {
            let ref = cursor.uvarint(), mint = cursor.varint(), maxt = cursor.varint()
            guard !cursor.failed, mint <= maxt else { throw .corruptBlock(path: path, reason: "malformed tombstone at offset \(cursor.offset)") }
            tombstones.add(SeriesRef(rawValue: ref), mint...maxt)
        }
        return tombstones
    }
}
