internal import CSnappy

/// Decompression of Snappy's block format through Debian's libsnappy, for WAL records that
/// Prometheus wrote with `--storage.tsdb.wal-compression` (its default since 2.20). Pharos
/// writes uncompressed records, so only decoding is needed here.
///
/// (Exposition has the same wrapper for remote write; TSDB may not depend on Exposition, so
/// the few lines are repeated rather than moved into Model.)
enum Snappy {
    /// Refuses blocks claiming more than this many bytes: a WAL record fits in a segment.
    static let maxDecodedLength = 256 << 20

    /// Decodes a block. Throws `TSDBError.corruptRecord` for any malformed input.
    static func decode(_ input: ArraySlice<UInt8>) throws(TSDBError) -> [UInt8] {
        let result: [UInt8]? = input.withUnsafeBytes { raw in
            let source = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
            var length = 0
            guard snappy_uncompressed_length(source, raw.count, &length) == SNAPPY_OK,
                length <= maxDecodedLength,
                snappy_validate_compressed_buffer(source, raw.count) == SNAPPY_OK
            else { return nil }
            var written = length
            let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                let status = snappy_uncompress(
                    source, raw.count, UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), &written)
                count = status == SNAPPY_OK ? written : 0
            }
            return bytes.count == length ? bytes : nil
        }
        guard let result else { throw .corruptRecord(reason: "snappy: invalid compressed block of \(input.count) bytes") }
        return result
    }
}
