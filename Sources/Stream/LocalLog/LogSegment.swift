internal import Exposition

/// The byte format of a `LocalLog` segment file (docs/stream.md, "LocalLog on disk").
///
/// A segment starts with an 8-byte header, `PHLG`, the format version (1) and three zero bytes,
/// followed by records, each:
///
/// ```
/// u32 LE  payload length
/// u32 LE  CRC32C (Castagnoli) of the next three fields
/// u64 LE  offset
/// i64 LE  append time, ms since the epoch (time-based retention)
/// payload
/// ```
///
/// The file is named after the offset of its first record, as Kafka names its segments
/// (`00000000000000000000.log`).
enum LogSegment {
    /// `PHLG` and version 1.
    static let header: [UInt8] = [0x50, 0x48, 0x4C, 0x47, 1, 0, 0, 0]
    /// Bytes before a record's payload.
    static let recordHeaderBytes = 24

    /// The file name of the segment whose first record is `baseOffset`.
    static func fileName(baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    /// The base offset a segment file name stands for, or `nil` for any other file.
    static func baseOffset(fileName: String) -> Int64? {
        guard fileName.hasSuffix(".log"), fileName.utf8.count == 24 else { return nil }
        let digits = fileName.dropLast(4)
        guard digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int64(digits)
    }

    /// Appends one record to `out`.
    static func appendRecord(offset: Int64, timestampMs: Int64, payload: [UInt8], to out: inout [UInt8]) {
        let start = out.count
        appendLittleEndian(UInt32(payload.count), to: &out)
        appendLittleEndian(UInt32(0), to: &out)  // the checksum, filled in below
        appendLittleEndian(UInt64(bitPattern: offset), to: &out)
        appendLittleEndian(UInt64(bitPattern: timestampMs), to: &out)
        out.append(contentsOf: payload)
        let crc = CRC32C.checksum(out[(start + 8)...])
        for i in 0..<4 { out[start + 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// One record found in a buffer.
    struct Record: Equatable {
        /// Where the record starts, relative to the buffer.
        var position: Int
        /// Its total size, header included.
        var byteCount: Int
        var offset: Int64
        var timestampMs: Int64
        /// The payload's range in the buffer.
        var payload: Range<Int>
    }

    /// The record at `position` of `bytes`, checked: a complete header, a length within
    /// `maxPayloadBytes`, the whole payload present, the checksum and the expected offset.
    /// - Returns: the record, or why it is not one (never traps on any input).
    static func record(
        at position: Int, in bytes: UnsafeRawBufferPointer, expectedOffset: Int64, maxPayloadBytes: Int
    ) -> Result<Record, RecordProblem> {
        guard position >= 0, bytes.count - position >= recordHeaderBytes else {
            return .failure(.truncated(position == bytes.count ? "end" : "header"))
        }
        let length = Int(readLittleEndian(UInt32.self, bytes, position))
        guard length <= maxPayloadBytes else { return .failure(.invalid("record length \(length) exceeds \(maxPayloadBytes)")) }
        let end = position + recordHeaderBytes + length
        guard end <= bytes.count else { return .failure(.truncated("payload")) }
        let crc = readLittleEndian(UInt32.self, bytes, position + 4)
        let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(position + 8)..<end]))
        guard crc == actual else { return .failure(.invalid("checksum mismatch")) }
        let offset = Int64(bitPattern: readLittleEndian(UInt64.self, bytes, position + 8))
        guard offset == expectedOffset else { return .failure(.invalid("offset \(offset) where \(expectedOffset) belongs")) }
        let timestamp = Int64(bitPattern: readLittleEndian(UInt64.self, bytes, position + 16))
        return .success(Record(
            position: position, byteCount: end - position, offset: offset, timestampMs: timestamp,
            payload: (position + recordHeaderBytes)..<end))
    }

    /// Why the bytes at a position are not a record.
    enum RecordProblem: Error, Equatable {
        /// The buffer ends inside the named part (`"end"`: exactly at a record boundary).
        case truncated(String)
        /// The bytes are there but wrong.
        case invalid(String)

        var description: String {
            switch self {
            case .truncated(let part): part == "end" ? "no record" : "truncated record \(part)"
            case .invalid(let reason): reason
            }
        }
    }

    /// The result of checking a whole segment file's bytes.
    struct Scan: Equatable {
        /// Every valid record from the start, in order; offsets `baseOffset...`.
        var records: [Record] = []
        /// Bytes up to the end of the last valid record (the header alone: 8).
        var validBytes = 0
        /// Why the scan stopped before the end of the buffer, or `nil` when every byte was valid.
        var problem: String?
    }

    /// Checks `bytes`, a whole segment file, and returns its valid prefix.
    static func scan(_ bytes: UnsafeRawBufferPointer, baseOffset: Int64, maxPayloadBytes: Int) -> Scan {
        var scan = Scan()
        guard bytes.count >= header.count, bytes.prefix(header.count).elementsEqual(header) else {
            scan.problem = bytes.count < header.count ? "truncated segment header" : "not a segment header (version?)"
            return scan
        }
        var position = header.count
        scan.validBytes = position
        var offset = baseOffset
        while position < bytes.count {
            switch record(at: position, in: bytes, expectedOffset: offset, maxPayloadBytes: maxPayloadBytes) {
            case .success(let record):
                scan.records.append(record)
                position += record.byteCount
                scan.validBytes = position
                offset += 1
            case .failure(let problem):
                scan.problem = problem.description
                return scan
            }
        }
        return scan
    }

    private static func readLittleEndian<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, _ at: Int) -> T {
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + MemoryLayout<T>.size)])) }
        return T(littleEndian: value)
    }
}
