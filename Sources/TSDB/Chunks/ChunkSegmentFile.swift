internal import Exposition

/// The chunk segment files of a block's `chunks/` directory (`000001`, ...), as Prometheus's
/// `tsdb/chunks/chunks.go` writes them (docs/tsdb.md):
///
/// ```
/// magic 0x85BD40DD (4 bytes BE) | version 1 (1 byte) | padding (3 bytes)
/// per chunk: uvarint data length | encoding (1 byte) | data | CRC32C of encoding+data (4 bytes BE)
/// ```
///
/// A block's index refers to a chunk by `segment index << 32 | offset of its length`.
package enum ChunkSegmentFile {
    /// The first 4 bytes of every chunk segment file.
    package static let magic: UInt32 = 0x85BD_40DD
    /// The format version Pharos and Prometheus 2.x write.
    package static let version: UInt8 = 1
    /// Magic, version and padding.
    package static let headerSize = 8

    /// One chunk found in a segment: where its data is and how it is encoded.
    package struct Entry: Sendable, Equatable {
        /// The offset of the chunk's length field: the low 32 bits of its reference.
        package var offset: Int
        /// The encoding byte.
        package var encoding: ChunkEncoding
        /// The chunk data (for XOR: header and samples) within the file's bytes.
        package var data: Range<Int>
    }

    /// Encodes a segment holding `chunks` in order.
    package static func encode(_ chunks: [(encoding: ChunkEncoding, data: [UInt8])]) -> [UInt8] {
        var out = [UInt8]()
        out.appendBigEndian(magic)
        out.append(contentsOf: [version, 0, 0, 0])
        for chunk in chunks {
            Varint.appendUnsigned(UInt64(chunk.data.count), to: &out)
            let start = out.count
            out.append(chunk.encoding.rawValue)
            out.append(contentsOf: chunk.data)
            out.appendBigEndian(CRC32C.checksum(out[start...]))
        }
        return out
    }

    /// Lists the chunks of a segment, checking the header and every checksum.
    ///
    /// - Parameter path: named in errors only.
    /// - Throws: `TSDBError.corruptChunkFile` naming the offset of the first bad chunk.
    package static func entries(in bytes: [UInt8], path: String) throws(TSDBError) -> [Entry] {
        var cursor = ByteCursor(bytes)
        let header = (0..<4).reduce(UInt32(0)) { value, _ in value << 8 | UInt32(cursor.byte()) }
        let headerVersion = cursor.byte()
        _ = (cursor.byte(), cursor.byte(), cursor.byte())
        guard !cursor.failed else { throw .corruptChunkFile(path: path, offset: 0, reason: "shorter than the 8-byte header") }
        guard header == magic else {
            throw .corruptChunkFile(path: path, offset: 0, reason: "magic 0x\(String(header, radix: 16)) is not 0x85bd40dd")
        }
        guard headerVersion == version else {
            throw .corruptChunkFile(path: path, offset: 4, reason: "unsupported version \(headerVersion)")
        }
        var entries = [Entry]()
        while cursor.remaining > 0 {
            let offset = cursor.offset
            let length = cursor.uvarint()
            let encodingByte = cursor.byte()
            guard !cursor.failed, length <= UInt64(cursor.remaining), cursor.remaining - Int(length) >= 4 else {
                throw .corruptChunkFile(path: path, offset: offset, reason: "chunk runs past the end of the file")
            }
            guard let encoding = ChunkEncoding(rawValue: encodingByte) else {
                throw .corruptChunkFile(path: path, offset: offset, reason: "unknown chunk encoding \(encodingByte)")
            }
            let data = cursor.offset..<cursor.offset + Int(length)
            let expected = CRC32C.checksum(bytes[(data.lowerBound - 1)..<data.upperBound])
            var crcCursor = ByteCursor(bytes, range: data.upperBound..<data.upperBound + 4)
            let stored = (0..<4).reduce(UInt32(0)) { value, _ in value << 8 | UInt32(crcCursor.byte()) }
            guard stored == expected else {
                throw .corruptChunkFile(path: path, offset: offset, reason: "checksum mismatch")
            }
            entries.append(Entry(offset: offset, encoding: encoding, data: data))
            cursor = ByteCursor(bytes, range: (data.upperBound + 4)..<bytes.count)
        }
        return entries
    }
}
