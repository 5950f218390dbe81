/// The framing of WAL segments, as Prometheus's `tsdb/wlog/wlog.go` writes them
/// (docs/tsdb.md).
///
/// A segment (`wal/00000000`, `wal/00000001`, ...) is a sequence of 32 KiB pages. A record
/// is split into fragments that never cross a page; each fragment has a 7-byte header:
/// type (1 byte: 1 full, 2 first, 3 middle, 4 last; bit 3 snappy, bit 4 zstd), length
/// (2 bytes BE) and the CRC32C of the fragment (4 bytes BE). When fewer than 7 bytes are left
/// in a page, or a page is closed early, the rest is zero. Records never cross segments.
enum WALFormat {
    static let pageSize = 32 * 1024
    static let recordHeaderSize = 7

    enum FragmentType: UInt8 {
        /// Rest of the page is zero padding.
        case pageTerminator = 0
        case full = 1
        case first = 2
        case middle = 3
        case last = 4
    }

    /// Compression flags on a fragment's type byte: Pharos writes snappy (when
    /// `Head.Options.walCompression` is on) and reads snappy; zstd (Prometheus 2.49+) is refused.
    static let snappyFlag: UInt8 = 0x08
    static let zstdFlag: UInt8 = 0x10
    static let typeMask: UInt8 = 0x07

    /// The file name of segment `index`: 8 decimal digits, as upstream.
    static func segmentName(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The directory name of the checkpoint covering segments up to `index`.
    static func checkpointName(_ index: Int) -> String {
        "checkpoint." + segmentName(index)
    }

    /// The index a checkpoint directory name denotes, or `nil` (also for the `.tmp` ones
    /// an interrupted checkpoint leaves).
    static func checkpointIndex(_ name: String) -> Int? {
        guard name.hasPrefix("checkpoint.") else { return nil }
        return segmentIndex(String(name.dropFirst("checkpoint.".count)))
    }

    /// The segment index a file name denotes, or `nil` for other files (checkpoints, temp).
    static func segmentIndex(_ name: String) -> Int? {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(name)
    }
}
