internal import Exposition

/// A block's `meta.json`, as Prometheus's `tsdb/block.go` (`BlockMeta`, version 1) writes it.
///
/// `maxTime` is exclusive: one past the newest sample, as upstream.
package struct BlockMeta: Sendable, Equatable {
    /// The block's identity and directory name.
    package var ulid: ULID
    /// The oldest sample's timestamp (inclusive).
    package var minTime: Int64
    /// One past the newest sample's timestamp (exclusive).
    package var maxTime: Int64
    /// Totals over the block.
    package var numSamples: UInt64, numSeries: UInt64, numChunks: UInt64
    /// 1 for a block written from a head or an import.
    package var compactionLevel: Int
    /// The level-1 blocks merged into this one (itself at level 1).
    package var sources: [ULID]

    /// The `meta.json` format version.
    package static let version = 1

    /// Creates block metadata.
    package init(ulid: ULID, minTime: Int64, maxTime: Int64, numSamples: UInt64, numSeries: UInt64,
                 numChunks: UInt64, compactionLevel: Int = 1, sources: [ULID]? = nil) {
        self.ulid = ulid
        self.minTime = minTime
        self.maxTime = maxTime
        self.numSamples = numSamples
        self.numSeries = numSeries
        self.numChunks = numChunks
        self.compactionLevel = compactionLevel
        self.sources = sources ?? [ulid]
    }

    /// The JSON text, tab-indented like Go's `json.MarshalIndent(meta, "", "\t")`.
    package var json: String {
        let sourceLines = sources.map { "\t\t\t\"\($0)\"" }.joined(separator: ",\n")
        return """
        {
        \t"ulid": "\(ulid)",
        \t"minTime": \(minTime),
        \t"maxTime": \(maxTime),
        \t"stats": {
        \t\t"numSamples": \(numSamples),
        \t\t"numSeries": \(numSeries),
        \t\t"numChunks": \(numChunks)
        \t},
        \t"compaction": {
        \t\t"level": \(compactionLevel),
        \t\t"sources": [
        \(sourceLines)
        \t\t]
        \t},
        \t"version": \(Self.version)
        }
        """
    }
}

/// A block's `tombstones` file (`tsdb/tombstones/tombstones.go`): magic `0x0130BA30` (BE32),
/// version 1, the deletion intervals, then a CRC32C of the intervals. Pharos writes blocks
/// without deletions, so only the empty file is produced here.
package enum TombstonesFile {
    /// The first 4 bytes of a tombstones file.
    package static let magic: UInt32 = 0x0130_BA30
    /// The format version.
    package static let version: UInt8 = 1

    /// A tombstones file with no intervals.
    package static func empty() -> [UInt8] {
        var out = [UInt8]()
        out.appendBigEndian(magic)
        out.append(version)
        out.appendBigEndian(CRC32C.checksum([UInt8]()))
        return out
    }
}
