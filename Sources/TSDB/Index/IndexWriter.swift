internal import Exposition
package import Model

/// Encodes a block's `index` file (format v2) from series and their chunk metas.
///
/// The whole file is built in memory: fine for blocks written from test data, `promtool`-sized
/// imports and head compaction of modest heads; a streaming writer can replace it without
/// changing the format. Every section carries a CRC32C as upstream, series entries are
/// 16-byte aligned and postings lists 4-byte aligned.
package enum IndexWriter {
    /// One series to index: its labels and its chunks in time order.
    package struct Entry: Sendable {
        package var labels: Labels
        package var chunks: [IndexFormat.ChunkMeta]

        /// Creates an entry.
        package init(labels: Labels, chunks: [IndexFormat.ChunkMeta]) {
            self.labels = labels
            self.chunks = chunks
        }
    }

    /// The index bytes for `entries` (sorted here by labels).
    ///
    /// - Throws: `TSDBError.invalidBlock` for duplicate or empty label sets, chunks out of
    ///   time order, or an index too large for 32-bit series references.
    package static func encode(_ entries: [Entry]) throws(TSDBError) -> [UInt8] {
        let sorted = entries.sorted { $0.labels < $1.labels }
        // Symbols: every label name and value, in byte order; a reference is the position.
        // The empty string is always a symbol: upstream's head adds the all-postings key ("", "").
        var symbolSet: Set<String> = [""]
        for (index, entry) in sorted.enumerated() {
            guard !entry.labels.isEmpty else { throw .invalidBlock(reason: "series without labels") }
            if index > 0, sorted[index - 1].labels == entry.labels {
                throw .invalidBlock(reason: "duplicate series \(entry.labels)")
            }
            for label in entry.labels {
                symbolSet.insert(label.name)
                symbolSet.insert(label.value)
            }
        }
        let symbols = symbolSet.sorted(by: utf8Less)
        var symbolRef = [String: UInt32]()
        symbolRef.reserveCapacity(symbols.count)
        for (index, symbol) in symbols.enumerated() { symbolRef[symbol] = UInt32(index) }

        var out = [UInt8]()
        out.appendBigEndian(IndexFormat.magic)
        out.append(IndexFormat.version)
        var toc = IndexFormat.TOC()

        // Symbol table.
        toc.symbols = UInt64(out.count)
        writeSection(&out) { body in
            body.appendBigEndian(UInt32(symbols.count))
            for symbol in symbols { body.appendUvarintString(symbol) }
        }

        // Series, remembering postings per label pair as we go.
        var postings = [String: [String: [UInt32]]]()
        var allRefs = [UInt32]()
        allRefs.reserveCapacity(sorted.count)
        toc.series = UInt64(out.count)  // before the first entry's padding, as upstream
        var body = [UInt8]()
        for entry in sorted {
            pad(&out, to: IndexFormat.seriesAlignment)
            let ref = out.count / IndexFormat.seriesAlignment
            guard ref <= Int(UInt32.max) else { throw .invalidBlock(reason: "index exceeds 64 GiB of series") }
            allRefs.append(UInt32(ref))
            body.removeAll(keepingCapacity: true)
            Varint.appendUnsigned(UInt64(entry.labels.count), to: &body)
            for label in entry.labels {
                Varint.appendUnsigned(UInt64(symbolRef[label.name] ?? 0), to: &body)
                Varint.appendUnsigned(UInt64(symbolRef[label.value] ?? 0), to: &body)
                postings[label.name, default: [:]][label.value, default: []].append(UInt32(ref))
            }
            try appendChunks(entry, to: &body)
            Varint.appendUnsigned(UInt64(body.count), to: &out)
            out.append(contentsOf: body)
            out.appendBigEndian(CRC32C.checksum(body))
        }

        // Label indices: per name, the symbol references of its values.
        let names = postings.keys.sorted(by: utf8Less)
        var labelIndexOffsets = [(String, UInt64)]()
        toc.labelIndices = UInt64(out.count)
        for name in names {
            pad(&out, to: 4)
            labelIndexOffsets.append((name, UInt64(out.count)))
            let values = (postings[name] ?? [:]).keys.sorted(by: utf8Less)
            writeSection(&out) { body in
                body.appendBigEndian(UInt32(1))
                body.appendBigEndian(UInt32(values.count))
                for value in values { body.appendBigEndian(symbolRef[value] ?? 0) }
            }
        }

        // Postings: the all-series list under ("", ""), then every pair in order.
        var postingOffsets = [(String, String, UInt64)]()
        toc.postings = UInt64(out.count)
        func writePostings(_ refs: [UInt32]) {
            writeSection(&out) { body in
                body.appendBigEndian(UInt32(refs.count))
                for ref in refs { body.appendBigEndian(ref) }
            }
        }
        pad(&out, to: 4)
        postingOffsets.append(("", "", UInt64(out.count)))
        writePostings(allRefs)
        for name in names {
            let byValue = postings[name] ?? [:]
            for value in byValue.keys.sorted(by: utf8Less) {
                pad(&out, to: 4)
                postingOffsets.append((name, value, UInt64(out.count)))
                writePostings(byValue[value] ?? [])
            }
        }

        toc.labelIndicesTable = UInt64(out.count)
        writeSection(&out) { body in
            body.appendBigEndian(UInt32(labelIndexOffsets.count))
            for (name, offset) in labelIndexOffsets {
                Varint.appendUnsigned(1, to: &body)
                body.appendUvarintString(name)
                Varint.appendUnsigned(offset, to: &body)
            }
        }
        toc.postingsTable = UInt64(out.count)
        writeSection(&out) { body in
            body.appendBigEndian(UInt32(postingOffsets.count))
            for (name, value, offset) in postingOffsets {
                Varint.appendUnsigned(2, to: &body)
                body.appendUvarintString(name)
                body.appendUvarintString(value)
                Varint.appendUnsigned(offset, to: &body)
            }
        }

        let tocStart = out.count
        for offset in toc.all { out.appendBigEndian(offset) }
        out.appendBigEndian(CRC32C.checksum(out[tocStart...]))
        return out
    }

    /// Chunk count, then the first chunk absolutely and later ones as deltas.
    private static func appendChunks(_ entry: Entry, to body: inout [UInt8]) throws(TSDBError) {
        Varint.appendUnsigned(UInt64(entry.chunks.count), to: &body)
        var previous: IndexFormat.ChunkMeta?
        for chunk in entry.chunks {
            guard chunk.maxTime >= chunk.minTime else {
                throw .invalidBlock(reason: "chunk of \(entry.labels) ends (\(chunk.maxTime)) before it starts (\(chunk.minTime))")
            }
            if let previous {
                guard chunk.minTime > previous.maxTime else {
                    throw .invalidBlock(reason: "chunks of \(entry.labels) overlap at \(chunk.minTime)")
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

    /// Appends `length (4 bytes BE) | body | CRC32C(body)`.
    private static func writeSection(_ out: inout [UInt8], _ fill: (inout [UInt8]) -> Void) {
        var body = [UInt8]()
        fill(&body)
        out.appendBigEndian(UInt32(truncatingIfNeeded: body.count))
        out.append(contentsOf: body)
        out.appendBigEndian(CRC32C.checksum(body))
    }

    private static func pad(_ out: inout [UInt8], to alignment: Int) {
        let remainder = out.count % alignment
        if remainder != 0 { out.append(contentsOf: repeatElement(0, count: alignment - remainder)) }
    }
}
