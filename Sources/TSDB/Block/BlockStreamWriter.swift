package import Model
internal import Exposition

/// Writes a block series by series from encoded chunks (upstream's `chunks.Writer` as
/// `LeveledCompactor.populateBlock` drives it): each chunk goes to the open segment file
/// as it comes and its index entry to the `IndexWriter`, so the writer holds one series'
/// chunks and the postings, never the block's samples or index entries. `BlockWriter.write`
/// and compaction use it.
///
/// Series come in label order, each once, with chunks in time order that do not overlap (the
/// index writer checks all three). Files go to `<ULID>.tmp-for-creation`; `finish` completes
/// the index, writes `tombstones` and `meta.json`, fsyncs and renames the directory into
/// place; `abandon` removes it.
final class BlockStreamWriter {
    let ulid: ULID
    private let directory: String
    private let temporary: String
    private var fd: Int32 = -1
    private var segmentPath = ""
    /// The segment being written (0 is `000001`), its length on disk plus `pending`.
    private var segment = -1
    private var segmentLength = 0
    private var pending: [UInt8] = []
    private let index: IndexWriter
    private var numSeries: UInt64 = 0
    private var minTime = Int64.max, maxTime = Int64.min
    private var numSamples: UInt64 = 0, numChunks: UInt64 = 0

    /// Bytes gathered before a write to the segment file.
    private static let flushSize = 1 << 20

    /// Starts block `ulid` under `directory`; `symbols` are every label name and value of the
    /// series to come (`IndexWriter`).
    init(directory: String, ulid: ULID, symbols: some Sequence<String>) throws(TSDBError) {
        self.directory = directory
        self.ulid = ulid
        temporary = "\(directory)/\(ulid).tmp-for-creation"
        try? FileIO.removeTree(temporary)
        try FileIO.makeDirectory(temporary)
        try FileIO.makeDirectory("\(temporary)/chunks")
        index = try IndexWriter(path: "\(temporary)/index", symbols: symbols)
        try startSegment()
    }

    deinit {
        if fd >= 0 { try? FileIO.closeFile(fd, path: segmentPath) }
    }

    /// Whether no series was added yet.
    var isEmpty: Bool { numSeries == 0 }

    /// Adds a series and its chunks (a series without chunks is left out).
    ///
    /// - Throws: `TSDBError.invalidBlock` from the `IndexWriter`; `.io` on file errors.
    func add(_ labels: Labels, chunks: [ChunkSnapshot]) throws(TSDBError) {
        guard !chunks.isEmpty else { return }
        var metas = [IndexFormat.ChunkMeta]()
        metas.reserveCapacity(chunks.count)
        for chunk in chunks {
            let data = chunk.bytes[chunk.range]
            metas.append(.init(ref: try appendChunk(data, encoding: chunk.encoding), minTime: chunk.minTime, maxTime: chunk.maxTime))
            // Every encoding starts with its 2-byte big-endian sample count.
            if data.count >= 2 { numSamples += UInt64(data[data.startIndex]) << 8 | UInt64(data[data.startIndex + 1]) }
        }
        minTime = min(minTime, chunks[0].minTime)
        maxTime = max(maxTime, chunks[chunks.count - 1].maxTime)
        try index.add(labels, chunks: metas)
        numChunks += UInt64(metas.count)
        numSeries += 1
    }

    /// Writes the index, `tombstones` and `meta.json`, makes everything durable and renames
    /// the block into place; returns its metadata. See `BlockWriter.write` for the parameters.
    ///
    /// - Throws: `TSDBError.invalidBlock` when no series was added; `.io` on file errors.
    func finish(timeRange: Range<Int64>?, parents: [BlockMeta], level: Int?, hints: [String]) throws(TSDBError) -> BlockMeta {
        guard numSeries > 0 else { throw .invalidBlock(reason: "no samples to write") }
        try closeSegment()
        try index.finish()
        var meta = BlockMeta(ulid: ulid, minTime: timeRange?.lowerBound ?? minTime, maxTime: timeRange?.upperBound ?? maxTime + 1,
                             numSamples: numSamples, numSeries: numSeries, numChunks: numChunks)
        meta.hints = hints
        if !parents.isEmpty {
            meta.compactionLevel = level ?? parents.map(\.compactionLevel).max()! + 1
            meta.sources = Set(parents.flatMap(\.sources)).sorted()
            meta.parents = parents.map { BlockMeta.Parent(ulid: $0.ulid, minTime: $0.minTime, maxTime: $0.maxTime) }
        }
        try FileIO.syncDirectory("\(temporary)/chunks")
        try FileIO.writeFile("\(temporary)/tombstones", TombstonesFile.empty())
        try FileIO.writeFile("\(temporary)/meta.json", Array(meta.json.utf8))
        try FileIO.syncDirectory(temporary)
        let final = "\(directory)/\(ulid)"
        try FileIO.rename(temporary, to: final)
        try FileIO.syncDirectory(directory)
        return meta
    }

    /// Stops and removes what was written.
    func abandon() {
        if fd >= 0 { try? FileIO.closeFile(fd, path: segmentPath) }
        fd = -1
        try? FileIO.removeTree(temporary)
    }

    /// Appends one chunk record to the current segment (starting the next one when this one
    /// would pass `BlockWriter.segmentSize`); returns its reference, `segment << 32 | offset`.
    private func appendChunk(_ data: ArraySlice<UInt8>, encoding: ChunkEncoding) throws(TSDBError) -> UInt64 {
        if segmentLength + data.count + 15 > BlockWriter.segmentSize, segmentLength > ChunkSegmentFile.headerSize {
            try closeSegment()
            try startSegment()
        }
        let reference = UInt64(segment) << 32 | UInt64(segmentLength)
        let before = pending.count
        Varint.appendUnsigned(UInt64(data.count), to: &pending)
        let start = pending.count
        pending.append(encoding.rawValue)
        pending.append(contentsOf: data)
        pending.appendBigEndian(CRC32C.checksum(pending[start...]))
        segmentLength += pending.count - before
        if pending.count >= Self.flushSize { try flush() }
        return reference
    }

    private func startSegment() throws(TSDBError) {
        segment += 1
        segmentPath = "\(temporary)/chunks/\(BlockWriter.segmentName(segment + 1))"
        fd = try FileIO.openForAppend(segmentPath)
        pending.appendBigEndian(ChunkSegmentFile.magic)
        pending.append(contentsOf: [ChunkSegmentFile.version, 0, 0, 0])
        segmentLength = pending.count
    }

    private func flush() throws(TSDBError) {
        try FileIO.writeAll(fd, pending[...], path: segmentPath)
        pending.removeAll(keepingCapacity: true)
    }

    private func closeSegment() throws(TSDBError) {
        try flush()
        try FileIO.sync(fd, path: segmentPath)
        try FileIO.closeFile(fd, path: segmentPath)
        fd = -1
    }
}
