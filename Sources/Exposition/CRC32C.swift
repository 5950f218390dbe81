import CCRC32C

/// CRC-32 with the Castagnoli polynomial (CRC32C), which Prometheus uses for chunk files,
/// WAL records, index sections and remote read's chunked frames
/// (`crc32.MakeTable(crc32.Castagnoli)` in Go).
///
/// Computed by the C target `CCRC32C`: the CPU's CRC32 instruction where it has one (8 bytes a
/// step), slicing-by-8 tables otherwise.
package enum CRC32C {
    /// The checksum of `bytes`, continuing from `crc` (start with 0), as Go's `crc32.Update`.
    package static func checksum(_ bytes: some Collection<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ pharos_crc32c(crc, $0.baseAddress, $0.count) }) {
            return result
        }
        return Array(bytes).withUnsafeBufferPointer { pharos_crc32c(crc, $0.baseAddress, $0.count) }
    }

    /// The same checksum by table lookups whatever the CPU has: what `checksum` is tested against.
    static func portableChecksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { pharos_crc32c_portable(crc, $0.baseAddress, $0.count) }
    }
}
