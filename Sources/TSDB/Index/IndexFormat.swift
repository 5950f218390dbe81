/// Constants and shared pieces of a block's `index` file, format version 2, as Prometheus's
/// `tsdb/index/index.go` writes it (docs/tsdb.md, "Blocks"):
///
/// ```
/// magic 0xBAAAD700 (4 bytes BE) | version 2 (1 byte)
/// symbol table | series (16-byte aligned) | label indices | postings
/// label offset table | postings offset table | TOC (6 offsets, BE64) | CRC32C of TOC
/// ```
package enum IndexFormat {
    /// The first 4 bytes of every index file.
    package static let magic: UInt32 = 0xBAAA_D700
    /// The format version Prometheus 2.x writes (symbol references are sequence numbers).
    package static let version: UInt8 = 2
    /// Magic and version.
    package static let headerSize = 5
    /// Six big-endian offsets and their checksum.
    package static let tocSize = 6 * 8 + 4
    /// Series entries start at multiples of this; a series reference is `offset / 16`.
    package static let seriesAlignment = 16

    /// Where each section of an index file starts.
    package struct TOC: Sendable, Equatable {
        package var symbols: UInt64 = 0
        package var series: UInt64 = 0
        package var labelIndices: UInt64 = 0
        package var labelIndicesTable: UInt64 = 0
        package var postings: UInt64 = 0
        package var postingsTable: UInt64 = 0

        package init() {}

        /// The offsets in file order.
        var all: [UInt64] { [symbols, series, labelIndices, labelIndicesTable, postings, postingsTable] }
    }

    /// Where one series' chunk lies and which time span it covers.
    package struct ChunkMeta: Sendable, Equatable {
        /// `segment index << 32 | offset` into the block's `chunks/` files (segment 0 is `000001`).
        package var ref: UInt64
        /// The first sample's timestamp.
        package var minTime: Int64
        /// The last sample's timestamp.
        package var maxTime: Int64

        /// Creates a chunk meta.
        package init(ref: UInt64, minTime: Int64, maxTime: Int64) {
            self.ref = ref
            self.minTime = minTime
            self.maxTime = maxTime
        }
    }
}

/// Byte-order (Go `string`) comparison, the order of an index's symbols and postings.
@inline(__always)
func utf8Less(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
