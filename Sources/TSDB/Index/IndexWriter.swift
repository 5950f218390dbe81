internal import Exposition
package import Model

/// Writes a block's `index` file (format v2, see `IndexFormat`) series by series, as
/// upstream's `index.Writer`: the symbol table first (every label name and value the series
/// will use, given up front), then each series entry as it is added, then the label indices,
/// postings, tables and TOC on `finish`.
///
/// What stays in memory is the symbol lookup and the postings (4 bytes per series and label,
/// grouped by label pair): never the series entries, their chunk metas or the file. Every
/// section carries a CRC32C as upstream, series entries are 16-byte aligned and postings
/// lists 4-byte aligned.
package final class IndexWriter {
    /// The file being written, named in errors.
    package let path: String
    private var fd: Int32
    /// Bytes gathered before a write; `written` bytes are in the file before them.
    private var pending: [UInt8] = []
    private var written = 0
    private var toc = IndexFormat.TOC()
    private let symbols: [String]
    private var symbolRefs: [String: UInt32] = [:]
    /// Series references per label pair, keyed by `name symbol << 32 | value symbol` (in
    /// symbol order, which is byte order, so sorting the keys sorts the pairs).
    private var postings: [UInt64: [UInt32]] = [:]
    private var allRefs: [UInt32] = []
    private var previous: Labels?
    private var body: [UInt8] = []

    /// Bytes gathered before a write to the file.
    private static let flushSize = 1 << 20

    /// Creates the index file at `path` and writes its header and symbol table.
    ///
    /// - Parameter symbols: every label name and value of the series to come (more is
    ///   harmless: a compaction passes its parents' symbols); `""` is always added, as
    ///   upstream's head adds the all-postings key.
    /// - Throws: `TSDBError.io` on file errors.
    package init(path: String, symbols: some Sequence<String>) throws(TSDBError) {
        self.path = path
        var set = Set(symbols)
        set.insert("")
        self.symbols = set.sorted(by: utf8Less)
        symbolRefs.reserveCapacity(self.symbols.count)
        for (index, symbol) in self.symbols.enumerated() { symbolRefs[symbol] = UInt32(index) }
        fd = try FileIO.openForAppend(path)
        pending.appendBigEndian(IndexFormat.magic)
        pending.append(IndexFormat.version)
        toc.symbols = UInt64(position)
        let all = self.symbols
        writeSection { body in
            body.appendBigEndian(UInt32(all.count))
            for symbol in all { body.appendUvarintString(symbol) }
        }
        toc.series = UInt64(position)  // before the first entry's padding, as upstream
    }

    deinit {
        if fd >= 0 { try? FileIO.closeFile(fd, path: path) }
    }

    /// The offset the next byte goes to.
    private var position: Int { written + pending.count }

    /// Adds a series with its chunks in time order. Series come in label order.
    ///
    /// - Throws: `TSDBError.invalidBlock` for an empty label set, a series not after the
    ///   previous one (duplicate or unsorted), a label missing from the symbols, chunks out of
    ///   time order, or an index too large for 32-bit series references; `.io` on file errors.
    package func add(_ labels: Labels, chunks: [IndexFormat.ChunkMeta]) throws(TSDBError) {
        guard !labels.isEmpty else { throw .invalidBlock(reason: "series without labels") }
        if let previous {
            guard previous != labels else { throw .invalidBlock(reason: "duplicate series \(labels)") }
            guard previous < labels else { throw .invalidBlock(reason: "series \(labels) added after \(previous)") }
        }
        pad(to: IndexFormat.seriesAlignment)
        let ref = position / IndexFormat.seriesAlignment
        guard ref <= Int(UInt32.max) else { throw .invalidBlock(reason: "index exceeds 64 GiB of series") }
        body.removeAll(keepingCapacity: true)
        Varint.appendUnsigned(UInt64(labels.count), to: &body)
        for label in labels {
            guard let name = symbolRefs[label.name], let value = symbolRefs[label.value] else {
                throw .invalidBlock(reason: "label \(label.name)=\"\(label.value)\" of \(labels) is not among the index's symbols")
            }
            Varint.appendUnsigned(UInt64(name), to: &body)
            Varint.appendUnsigned(UInt64(value), to: &body)
            postings[UInt64(name) << 32 | UInt64(value), default: []].append(UInt32(ref))
        }
        try Self.appendChunks(chunks, of: labels, to: &body)
        Varint.appendUnsigned(UInt64(body.count), to: &pending)
        pending.append(contentsOf: body)
        pending.appendBigEndian(CRC32C.checksum(body))
        allRefs.append(UInt32(ref))
        previous = labels
        if pending.count >= Self.flushSize { try flush() }
    }

    /// Writes the label indices, postings, offset tables and TOC, fsyncs and closes the file.
    ///
    /// - Throws: `TSDBError.io` on file errors.
    package func finish() throws(TSDBError) {
        let pairs = postings.keys.sorted()
        // Label indices: per name, the symbol references of its values.
        var labelIndexOffsets = [(name: UInt32, offset: UInt64)]()
        toc.labelIndices = UInt64(position)
        var start = 0
        while start < pairs.count {
            let name = UInt32(pairs[start] >> 32)
            var end = start
            while end < pairs.count, UInt32(pairs[end] >> 32) == name { end += 1 }
            pad(to: 4)
            labelIndexOffsets.append((name, UInt64(position)))
            let values = pairs[start..<end]
            writeSection { body in
                body.appendBigEndian(UInt32(1))
                body.appendBigEndian(UInt32(values.count))
                for pair in values { body.appendBigEndian(UInt32(truncatingIfNeeded: pair)) }
            }
            try flushIfFull()
            start = end
        }

        // Postings: the all-series list under ("", ""), then every pair in order.
        var postingOffsets = [(pair: UInt64?, offset: UInt64)]()
        toc.postings = UInt64(position)
        pad(to: 4)
        postingOffsets.append((nil, UInt64(position)))
        writePostings(allRefs)
        for pair in pairs {
            pad(to: 4)
            postingOffsets.append((pair, UInt64(position)))
            writePostings(postings[pair] ?? [])
            try flushIfFull()
        }

        let symbols = self.symbols
        toc.labelIndicesTable = UInt64(position)
        writeSection { body in
            body.appendBigEndian(UInt32(labelIndexOffsets.count))
            for (name, offset) in labelIndexOffsets {
                Varint.appendUnsigned(1, to: &body)
                body.appendUvarintString(symbols[Int(name)])
                Varint.appendUnsigned(offset, to: &body)
            }
        }
        toc.postingsTable = UInt64(position)
        writeSection { body in
            body.appendBigEndian(UInt32(postingOffsets.count))
            for (pair, offset) in postingOffsets {
                Varint.appendUnsigned(2, to: &body)
                body.appendUvarintString(pair.map { symbols[Int($0 >> 32)] } ?? "")
                body.appendUvarintString(pair.map { symbols[Int(UInt32(truncatingIfNeeded: $0))] } ?? "")
                Varint.appendUnsigned(offset, to: &body)
            }
        }
        let tocStart = pending.count
        for offset in toc.all { pending.appendBigEndian(offset) }
        pending.appendBigEndian(CRC32C.checksum(pending[tocStart...]))
        try flush()
        try FileIO.sync(fd, path: path)
        try FileIO.closeFile(fd, path: path)
        fd = -1
    }

    /// Chunk count, then the first chunk absolutely and later ones as deltas.
    private static func appendChunks(_ chunks: [IndexFormat.ChunkMeta], of labels: Labels, to body: inout [UInt8]) throws(TSDBError) {
        Varint.appendUnsigned(UInt64(chunks.count), to: &body)
        var previous: IndexFormat.ChunkMeta?
        for chunk in chunks {
            guard chunk.maxTime >= chunk.minTime else {
                throw .invalidBlock(reason: "chunk of \(labels) ends (\(chunk.maxTime)) before it starts (\(chunk.minTime))")
            }
            if let previous {
                guard chunk.minTime > previous.maxTime else {
                    throw .invalidBlock(reason: "chunks of \(labels) overlap at \(chunk.minTime)")
                }
                Varint.appendUnsigned(UInt64(bitPattern: chunk.minTime &- previous.maxTime), to: &body)
                Varint.appendUnsigned(UInt64(bitPattern: chunk.maxTime &- chunk.minTime), to: &body)
                Varint.appendSigned(Int64(bitPattern: chunk.ref &- previous.ref), to: &body)
            } else {
                Varint.appendSigned(chunk.minTime, to: &body)
                Varint.appendUnsigned(UInt64(bitPattern: chunk.maxTime &- chunk.minTime), to: &body)
                Varint.appendUnsigned(chunk.ref, to: &body)
            }
            previous = chunk
        }
    }

    private func writePostings(_ refs: [UInt32]) {
        writeSection { body in
            body.appendBigEndian(UInt32(refs.count))
            for ref in refs { body.appendBigEndian(ref) }
        }
    }

    /// Appends `length (4 bytes BE) | body | CRC32C(body)`.
    private func writeSection(_ fill: (inout [UInt8]) -> Void) {
        body.removeAll(keepingCapacity: true)
        fill(&body)
        pending.appendBigEndian(UInt32(truncatingIfNeeded: body.count))
        pending.append(contentsOf: body)
        pending.appendBigEndian(CRC32C.checksum(body))
    }

    private func pad(to alignment: Int) {
        let remainder = position % alignment
        if remainder != 0 { pending.append(contentsOf: repeatElement(0, count: alignment - remainder)) }
    }

    private func flushIfFull() throws(TSDBError) {
        if pending.count >= Self.flushSize { try flush() }
    }

    private func flush() throws(TSDBError) {
        try FileIO.writeAll(fd, pending[...], path: path)
        written += pending.count
        pending.removeAll(keepingCapacity: true)
    }
}
