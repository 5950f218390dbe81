/// Decompression of Snappy's block format, which Prometheus uses for WAL records when
/// `--storage.tsdb.wal-compression` is on (its default since 2.20). Decoding only: Pharos
/// writes uncompressed records.
///
/// Format ([snappy's format_description.txt](https://github.com/google/snappy/blob/main/format_description.txt)):
/// a uvarint of the decompressed length, then elements tagged by their low 2 bits:
/// `00` literal (length-1 in the upper 6 bits, or in 1–4 following little-endian bytes when
/// those bits are 60–63), `01` copy of 4–11 bytes with an 11-bit offset, `10` copy of 1–64
/// bytes with a 16-bit offset, `11` copy with a 32-bit offset.
enum Snappy {
    /// Refuses blocks claiming more than this many bytes: a WAL record fits a segment.
    static let maxDecodedLength = 256 << 20

    /// Decodes `input`. Throws `TSDBError.corruptRecord` for any malformed block.
    static func decode(_ input: ArraySlice<UInt8>) throws(TSDBError) -> [UInt8] {
        var position = input.startIndex
        func next() -> UInt8? {
            guard position < input.endIndex else { return nil }
            defer { position += 1 }
            return input[position]
        }
        guard let length = Varint.readUnsigned(next), length <= UInt64(maxDecodedLength) else {
            throw .corruptRecord(reason: "snappy: bad or oversized length header")
        }
        var out = [UInt8]()
        out.reserveCapacity(Int(length))
        while position < input.endIndex {
            let tag = input[position]
            position += 1
            switch tag & 3 {
            case 0:
                var literal = Int(tag >> 2)
                if literal >= 60 {
                    let extra = literal - 59
                    guard input.endIndex - position >= extra else { throw .corruptRecord(reason: "snappy: truncated literal length") }
                    literal = 0
                    for k in 0..<extra { literal |= Int(input[position + k]) << (8 * k) }
                    position += extra
                }
                literal += 1
                guard input.endIndex - position >= literal, out.count + literal <= Int(length) else {
                    throw .corruptRecord(reason: "snappy: literal of \(literal) bytes runs past the end")
                }
                out.append(contentsOf: input[position..<(position + literal)])
                position += literal
            default:
                let count: Int, offset: Int
                switch tag & 3 {
                case 1:
                    guard position < input.endIndex else { throw .corruptRecord(reason: "snappy: truncated copy") }
                    count = 4 + Int((tag >> 2) & 7)
                    offset = Int(tag >> 5) << 8 | Int(input[position])
                    position += 1
                case 2:
                    guard input.endIndex - position >= 2 else { throw .corruptRecord(reason: "snappy: truncated copy") }
                    count = 1 + Int(tag >> 2)
                    offset = Int(input[position]) | Int(input[position + 1]) << 8
                    position += 2
                default:
                    guard input.endIndex - position >= 4 else { throw .corruptRecord(reason: "snappy: truncated copy") }
                    count = 1 + Int(tag >> 2)
                    offset = (0..<4).reduce(0) { $0 | Int(input[position + $1]) << (8 * $1) }
                    position += 4
                }
                guard offset > 0, offset <= out.count, out.count + count <= Int(length) else {
                    throw .corruptRecord(reason: "snappy: copy of \(count) bytes from offset \(offset) is out of range")
                }
                // Byte by byte: a copy may overlap its own output (offset < count repeats).
                let start = out.count - offset
                for k in 0..<count { out.append(out[start + k]) }
            }
        }
        guard out.count == Int(length) else {
            throw .corruptRecord(reason: "snappy: decoded \(out.count) bytes, header says \(length)")
        }
        return out
    }
}
