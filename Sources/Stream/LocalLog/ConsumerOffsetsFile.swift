internal import Exposition

/// The file a `LocalLog` keeps a consumer group's committed offsets in
/// (`consumer-offsets/<group>`), replaced atomically on every commit:
///
/// ```
/// "PHCO" u8 version (1) u8[3] zero   header
/// u32 LE count
/// count × (u32 LE partition, i64 LE offset)
/// u32 LE CRC32C of everything before it
/// ```
enum ConsumerOffsetsFile {
    static let header: [UInt8] = [0x50, 0x48, 0x43, 0x4F, 1, 0, 0, 0]

    /// The file's bytes for `offsets` (partition → committed offset).
    static func encode(_ offsets: [Int: Int64]) -> [UInt8] {
        var out = header
        append(UInt32(offsets.count), to: &out)
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            append(UInt32(partition), to: &out)
            append(UInt64(bitPattern: offset), to: &out)
        }
        append(CRC32C.checksum(out), to: &out)
        return out
    }

    /// The offsets in `bytes`.
    /// - Throws: `StreamError.corruptRecord` naming `path` for anything but a complete, checked file.
    static func decode(_ bytes: [UInt8], path: String) throws(StreamError) -> [Int: Int64] {
        func corrupt(_ reason: String) -> StreamError { .corruptRecord(path: path, position: 0, reason: reason) }
        guard bytes.count >= header.count + 8, bytes.prefix(header.count).elementsEqual(header) else {
            throw corrupt("not a consumer offsets file")
        }
        let count = Int(read(UInt32.self, bytes, header.count))
        guard count <= (bytes.count - header.count - 8) / 12, bytes.count == header.count + 8 + 12 * count else {
            throw corrupt("size does not match its \(count) entries")
        }
        guard read(UInt32.self, bytes, bytes.count - 4) == CRC32C.checksum(bytes.dropLast(4)) else {
            throw corrupt("checksum mismatch")
        }
        var offsets: [Int: Int64] = [:]
        for i in 0..<count {
            let at = header.count + 4 + 12 * i
            offsets[Int(read(UInt32.self, bytes, at))] = Int64(bitPattern: read(UInt64.self, bytes, at + 4))
        }
        return offsets
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ at: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(bytes[at + i]) << (8 * i) }
        return value
    }
}
