#if canImport(Glibc)
internal import Exposition
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
package import Model

/// Writes a persistent block in Prometheus's layout:
///
/// ```
/// <ULID>/meta.json  <ULID>/index  <ULID>/chunks/000001 ...  <ULID>/tombstones
/// ```
///
/// Files go to `<ULID>.tmp-for-creation` first and are fsynced; the directory is then renamed
/// into place, so a crash leaves either a whole block or a temporary directory (which readers
/// ignore), as upstream's `LeveledCompactor.write`.
package enum BlockWriter {
    /// One series and its samples, oldest first, timestamps strictly increasing.
    package struct SeriesSamples: Sendable {
        package var labels: Labels
        package var samples: [(timestamp: Int64, value: Double)]

        /// Creates a series to write.
        package init(labels: Labels, samples: [(timestamp: Int64, value: Double)]) {
            self.labels = labels
            self.samples = samples
        }
    }

    /// Samples per XOR chunk (Prometheus's target for head chunks).
    package static let samplesPerChunk = 120
    /// A chunk segment file is closed once it reaches this size (upstream's default, 512 MiB).
    package static let segmentSize = 512 << 20

    /// Writes `series` as a new block under `directory` and returns its metadata.
    ///
    /// - Parameters:
    ///   - timeRange: the block's `minTime..<maxTime` in `meta.json`, as upstream's compactor
    ///     writes the range it cut (a head block spans its whole 2 h range); by default the
    ///     samples' span.
    ///   - parents: the blocks this one was compacted from: the new block is one level above
    ///     the highest of them (or at `level`), with their sources and themselves as
    ///     parents. None: level 1.
    ///   - hints: `compaction.hints` of `meta.json` (`BlockMeta.fromOutOfOrder`).
    ///
    /// Series without samples are left out. - Throws: `TSDBError.invalidBlock` for unordered
    /// samples, duplicate or empty label sets, or no samples at all; `.io` on file errors.
    @discardableResult
    package static func write(_ series: [SeriesSamples], into directory: String, ulid: ULID,
                              timeRange: Range<Int64>? = nil, parents: [BlockMeta] = [], level: Int? = nil,
                              hints: [String] = [])
        throws(TSDBError) -> BlockMeta
    {
        let ordered = series.filter { !$0.samples.isEmpty }.sorted { $0.labels < $1.labels }
        guard !ordered.isEmpty else { throw .invalidBlock(reason: "no samples to write") }

        var segments: [[UInt8]] = [segmentHeader()]
        var entries = [IndexWriter.Entry]()
        entries.reserveCapacity(ordered.count)
        var minTime = Int64.max, maxTime = Int64.min
        var numSamples: UInt64 = 0, numChunks: UInt64 = 0
        for item in ordered {
            var metas = [IndexFormat.ChunkMeta]()
            var start = 0
            while start < item.samples.count {
                let end = min(start + samplesPerChunk, item.samples.count)
                var chunk = XORChunk()
                for index in start..<end {
                    let sample = item.samples[index]
                    if index > 0, sample.timestamp <= item.samples[index - 1].timestamp {
                        throw .invalidBlock(reason: "samples of \(item.labels) not in increasing time order at \(sample.timestamp)")
                    }
                    chunk.append(timestamp: sample.timestamp, value: sample.value)
                }
                let ref = appendChunk(chunk.bytes, to: &segments)
                metas.append(.init(ref: ref, minTime: item.samples[start].timestamp, maxTime: item.samples[end - 1].timestamp))
                start = end
            }
            minTime = min(minTime, item.samples[0].timestamp)
            maxTime = max(maxTime, item.samples[item.samples.count - 1].timestamp)
            numSamples += UInt64(item.samples.count)
            numChunks += UInt64(metas.count)
            entries.append(.init(labels: item.labels, chunks: metas))
        }
        let index = try IndexWriter.encode(entries)
        var meta = BlockMeta(ulid: ulid, minTime: timeRange?.lowerBound ?? minTime, maxTime: timeRange?.upperBound ?? maxTime + 1,
                             numSamples: numSamples, numSeries: UInt64(ordered.count), numChunks: numChunks)
        meta.hints = hints
        if !parents.isEmpty {
            meta.compactionLevel = level ?? parents.map(\.compactionLevel).max()! + 1
            meta.sources = Set(parents.flatMap(\.sources)).sorted()
            meta.parents = parents.map { BlockMeta.Parent(ulid: $0.ulid, minTime: $0.minTime, maxTime: $0.maxTime) }
        }

        let final = "\(directory)/\(ulid)"
        let temporary = "\(final).tmp-for-creation"
        try FileIO.makeDirectory(temporary)
        try FileIO.makeDirectory("\(temporary)/chunks")
        for (number, segment) in segments.enumerated() {
            try FileIO.writeFile("\(temporary)/chunks/\(segmentName(number + 1))", segment)
        }
        try FileIO.syncDirectory("\(temporary)/chunks")
        try FileIO.writeFile("\(temporary)/index", index)
        try FileIO.writeFile("\(temporary)/tombstones", TombstonesFile.empty())
        try FileIO.writeFile("\(temporary)/meta.json", Array(meta.json.utf8))
        try FileIO.syncDirectory(temporary)
        try FileIO.rename(temporary, to: final)
        try FileIO.syncDirectory(directory)
        return meta
    }

    /// `000001`, `000002`, ...: six-digit, one-based.
    package static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private static func segmentHeader() -> [UInt8] {
        var header = [UInt8]()
        header.appendBigEndian(ChunkSegmentFile.magic)
        header.append(contentsOf: [ChunkSegmentFile.version, 0, 0, 0])
        return header
    }

    /// Appends one chunk to the last segment (opening a new one when full); returns its reference.
    private static func appendChunk(_ data: [UInt8], to segments: inout [[UInt8]]) -> UInt64 {
        if segments[segments.count - 1].count + data.count + 15 > segmentSize,
           segments[segments.count - 1].count > ChunkSegmentFile.headerSize {
            segments.append(segmentHeader())
        }
        let number = segments.count - 1
        let offset = segments[number].count
        Varint.appendUnsigned(UInt64(data.count), to: &segments[number])
        let start = segments[number].count
        segments[number].append(ChunkEncoding.xor.rawValue)
        segments[number].append(contentsOf: data)
        segments[number].appendBigEndian(CRC32C.checksum(segments[number][start...]))
        return UInt64(number) << 32 | UInt64(offset)
    }
}
