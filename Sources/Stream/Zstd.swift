internal import CZstd

/// Zstandard frames through Debian's libzstd: the compression of stream record payloads.
enum Zstd {
    /// The level payloads are compressed at: zstd's default, the ratio/speed balance Kafka's
    /// zstd codec also uses.
    static let defaultLevel: Int32 = 3

    /// Appends one zstd frame holding `input` (its size written in the frame header) to `out`.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = defaultLevel, into out: inout [UInt8]) {
        let bound = ZSTD_compressBound(input.count)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        let written = out.withUnsafeMutableBytes { buffer in
            ZSTD_compress(buffer.baseAddress! + start, bound, input.baseAddress, input.count, level)
        }
        if ZSTD_isError(written) != 0 {
            // Only a bound too small or an allocation failure can fail here: both are bugs.
            preconditionFailure("BUG: ZSTD_compress: \(String(cString: ZSTD_getErrorName(written)))")
        }
        out.removeLast(bound - written)
    }

    /// The content of the single zstd frame `input`.
    /// - Throws: `StreamError.malformedPayload` when `input` is not one complete frame with its
    ///   content size in the header, or `.recordTooLarge` when that size exceeds `limitBytes`
    ///   (checked before anything is allocated, so a tiny frame cannot claim gigabytes).
    static func decompress(_ input: UnsafeRawBufferPointer, limitBytes: Int) throws(StreamError) -> [UInt8] {
        guard input.count > 0 else { throw .malformedPayload("empty zstd frame") }
        let size = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        // ZSTD_CONTENTSIZE_ERROR and ZSTD_CONTENTSIZE_UNKNOWN, (0ULL - 2) and (0ULL - 1).
        guard size != UInt64.max - 1 else { throw .malformedPayload("not a zstd frame") }
        guard size != UInt64.max else { throw .malformedPayload("zstd frame without its content size") }
        guard size <= UInt64(limitBytes) else {
            throw .recordTooLarge(bytes: Int(clamping: size), limitBytes: limitBytes, setting: "the record size limit")
        }
        let frameSize = ZSTD_findFrameCompressedSize(input.baseAddress, input.count)
        guard ZSTD_isError(frameSize) == 0, frameSize == input.count else {
            throw .malformedPayload("zstd frame is truncated or followed by extra bytes")
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        let written = out.withUnsafeMutableBytes { buffer in
            ZSTD_decompress(buffer.baseAddress, buffer.count, input.baseAddress, input.count)
        }
        guard ZSTD_isError(written) == 0 else {
            throw .malformedPayload("zstd: \(String(cString: ZSTD_getErrorName(written)))")
        }
        guard written == Int(size) else {
            throw .malformedPayload("zstd frame holds \(written) bytes, its header says \(size)")
        }
        return out
    }
}
