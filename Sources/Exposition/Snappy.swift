internal import CSnappy

/// Snappy block-format compression (not the framed format), as remote write and remote read
/// bodies use it, through Debian's libsnappy.
package enum Snappy {
    /// Compresses `input` into a new buffer.
    package static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let capacity = snappy_max_compressed_length(input.count)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var length = capacity
            let status = snappy_compress(
                input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), &length)
            // snappy_compress fails only when the output buffer is smaller than
            // snappy_max_compressed_length, which it never is here.
            precondition(status == SNAPPY_OK, "BUG: snappy_compress failed with a max-size buffer")
            count = length
        }
    }

    /// Compresses `input` into a new buffer.
    package static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }

    /// Decompresses a block-format `input`. Refuses corrupt input, and output larger than
    /// `limitBytes` before allocating it.
    package static func decompress(
        _ input: UnsafeRawBufferPointer, limitBytes: Int = .max
    ) throws(ExpositionError) -> [UInt8] {
        let source = input.baseAddress?.assumingMemoryBound(to: CChar.self)
        var length = 0
        guard snappy_uncompressed_length(source, input.count, &length) == SNAPPY_OK,
            snappy_validate_compressed_buffer(source, input.count) == SNAPPY_OK
        else { throw .corruptSnappy(compressedBytes: input.count) }
        guard length <= limitBytes else {
            throw .decompressedTooLarge(bytes: length, limitBytes: limitBytes)
        }
        var written = length
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            let status = snappy_uncompress(
                source, input.count,
                UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), &written)
            count = status == SNAPPY_OK ? written : 0
        }
        guard bytes.count == length else { throw .corruptSnappy(compressedBytes: input.count) }
        return bytes
    }

    /// Decompresses a block-format `input` (see `decompress(_:limitBytes:)`).
    package static func decompress(_ input: [UInt8], limitBytes: Int = .max) throws(ExpositionError) -> [UInt8] {
        try input.withUnsafeBytes { raw in
            Result { () throws(ExpositionError) in try decompress(raw, limitBytes: limitBytes) }
        }.get()
    }
}
