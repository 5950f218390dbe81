package import Model

/// Reads a block's `index` file (format v2, see `IndexFormat`).
///
/// The file is memory-mapped (`MappedBytes`), not read. Opening checks the header, the TOC
/// and its checksum, and loads the symbol table and the postings offset table (both
/// checksummed). Series entries and postings lists are decoded on demand from the mapping,
/// each checked against its CRC32C. Any malformed byte is reported as
/// `TSDBError.corruptIndex` naming the file and the offset of the damaged structure.
package struct IndexReader: Sendable {
    /// The file's bytes.
    let bytes: MappedBytes
    /// Named in errors.
    package let path: String
    /// Where the sections start.
    package let toc: IndexFormat.TOC
    /// The symbol table: a series' labels refer to symbols by position.
    let symbols: [String]
    /// Whether the symbols are in byte order without repeats, as the format requires: then a
    /// series whose label names refer to increasing positions has its labels sorted.
    let symbolsSorted: Bool
    /// Per label name (sorted), its values (sorted) and the offsets of their postings lists.
    let postingsTable: [String: [(value: String, offset: Int)]]
    /// The offset of the all-series postings list.
    let allPostingsOffset: Int

    /// Maps and parses the index file at `path`.
    ///
    /// - Throws: `TSDBError.corruptIndex` for a damaged header, TOC or table; `.io` when the
    ///   file cannot be mapped.
    package init(path: String) throws(TSDBError) {
        let bytes = try MappedBytes(path: path)
        self.bytes = bytes
        self.path = path
        guard bytes.count >= IndexFormat.headerSize + IndexFormat.tocSize else {
            throw .corruptIndex(path: path, offset: 0, reason: "\(bytes.count) bytes is shorter than the header and TOC")
        }
        var header = ByteCursor(bytes, range: 0..<5)
        let magic = header.bigEndian32()
        guard magic == IndexFormat.magic else {
            throw .corruptIndex(path: path, offset: 0, reason: "magic 0x\(String(magic, radix: 16)) is not 0xbaaad700")
        }
        let version = header.byte()
        guard version == IndexFormat.version else {
            throw .corruptIndex(path: path, offset: 4, reason: "unsupported index version \(version) (only 2 is read)")
        }
        let tocStart = bytes.count - IndexFormat.tocSize
        var cursor = ByteCursor(bytes, range: tocStart..<bytes.count)
        var toc = IndexFormat.TOC()
        toc.symbols = cursor.bigEndian64()
        toc.series = cursor.bigEndian64()
        toc.labelIndices = cursor.bigEndian64()
        toc.labelIndicesTable = cursor.bigEndian64()
        toc.postings = cursor.bigEndian64()
        toc.postingsTable = cursor.bigEndian64()
        guard cursor.bigEndian32() == bytes.checksum(tocStart..<(bytes.count - 4)) else {
            throw .corruptIndex(path: path, offset: tocStart, reason: "TOC checksum mismatch")
        }
        for offset in toc.all where offset > UInt64(tocStart) {
            throw .corruptIndex(path: path, offset: tocStart, reason: "TOC offset \(offset) lies past the TOC")
        }
        self.toc = toc

        // Symbols.
        let symbolBody = try Self.section(bytes, at: Int(toc.symbols), path: path, what: "symbol table")
        var symbolCursor = ByteCursor(bytes, range: symbolBody)
        let symbolCount = Int(symbolCursor.bigEndian32())
        guard symbolCount <= symbolBody.count else {
            throw .corruptIndex(path: path, offset: Int(toc.symbols), reason: "symbol count \(symbolCount) exceeds the table")
        }
        var symbols = [String]()
        symbols.reserveCapacity(symbolCount)
        for _ in 0..<symbolCount {
            let symbol = symbolCursor.uvarintString()
            guard !symbolCursor.failed else {
                throw .corruptIndex(path: path, offset: symbolCursor.offset, reason: "symbol runs past the symbol table")
            }
            symbols.append(symbol)
        }
        self.symbols = symbols
        symbolsSorted = zip(symbols, symbols.dropFirst()).allSatisfy { utf8Less($0, $1) }

        // Postings offset table.
        let tableBody = try Self.section(bytes, at: Int(toc.postingsTable), path: path, what: "postings offset table")
        var tableCursor = ByteCursor(bytes, range: tableBody)
        let entryCount = Int(tableCursor.bigEndian32())
        var table = [String: [(value: String, offset: Int)]]()
        var all: Int?
        for _ in 0..<min(entryCount, tableBody.count) {
            let entryOffset = tableCursor.offset
            let keys = tableCursor.uvarint()
            let name = tableCursor.uvarintString()
            let value = tableCursor.uvarintString()
            let offset = tableCursor.uvarint()
            guard !tableCursor.failed, keys == 2, offset < UInt64(tocStart) else {
                throw .corruptIndex(path: path, offset: entryOffset, reason: "malformed postings offset table entry")
            }
            if name.isEmpty && value.isEmpty {
                all = Int(offset)
            } else {
                if let last = table[name]?.last, !utf8Less(last.value, value) {
                    throw .corruptIndex(path: path, offset: entryOffset, reason: "postings offset table is not sorted at \(name)=\"\(value)\"")
                }
                table[name, default: []].append((value, Int(offset)))
            }
        }
        guard entryCount <= tableBody.count, tableCursor.remaining == 0 else {
            throw .corruptIndex(path: path, offset: Int(toc.postingsTable), reason: "postings offset table holds \(entryCount) entries but not their bytes")
        }
        guard let all else {
            throw .corruptIndex(path: path, offset: Int(toc.postingsTable), reason: "no all-series postings list")
        }
        self.postingsTable = table
        self.allPostingsOffset = all
    }

    /// All label names, sorted.
    package var labelNames: [String] { postingsTable.keys.sorted(by: utf8Less) }

    /// The values of `name`, sorted.
    package func labelValues(_ name: String) -> [String] {
        (postingsTable[name] ?? []).map(\.value)
    }

    /// The series references of every series, ascending (in label order).
    package func allPostings() throws(TSDBError) -> [UInt64] {
        try postings(at: allPostingsOffset)
    }

    /// The last series reference of the all-series list, read without checking the list's
    /// checksum (which would read the whole list); `nil` for an empty list.
    func lastSeriesReference() throws(TSDBError) -> UInt64? {
        let offset = allPostingsOffset, limit = bytes.count - IndexFormat.tocSize
        var header = ByteCursor(bytes, range: offset..<min(offset + 8, limit))
        let length = Int(header.bigEndian32()), count = Int(header.bigEndian32())
        guard !header.failed, length >= 4, length <= limit - offset - 8, count * 4 == length - 4 else {
            throw .corruptIndex(path: path, offset: offset, reason: "malformed all-series postings list")
        }
        guard count > 0 else { return nil }
        var last = ByteCursor(bytes, range: (offset + length)..<(offset + length + 4))
        return UInt64(last.bigEndian32())
    }

    /// The series references carrying `name="value"`, ascending.
    package func postings(name: String, value: String) throws(TSDBError) -> [UInt64] {
        guard let entries = postingsTable[name] else { return [] }
        // Values are in byte order (checked when the table was read): binary search.
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if utf8Less(entries[middle].value, value) { low = middle + 1 } else { high = middle }
        }
        guard low < entries.count, entries[low].value == value else { return [] }
        return try postings(at: entries[low].offset)
    }

    /// The union of the postings of `name`'s values that `accept` returns true for.
    package func postings(name: String, where accept: (String) -> Bool) throws(TSDBError) -> [[UInt64]] {
        var lists = [[UInt64]]()
        for entry in postingsTable[name] ?? [] where accept(entry.value) {
            lists.append(try postings(at: entry.offset))
        }
        return lists
    }

    func postings(at offset: Int) throws(TSDBError) -> [UInt64] {
        let body = try Self.section(bytes, at: offset, path: path, what: "postings list")
        var cursor = ByteCursor(bytes, range: body)
        let count = Int(cursor.bigEndian32())
        guard count * 4 == body.count - 4 else {
            throw .corruptIndex(path: path, offset: offset, reason: "postings list of \(count) entries has \(body.count - 4) bytes")
        }
        var refs = [UInt64]()
        refs.reserveCapacity(count)
        for _ in 0..<count { refs.append(UInt64(cursor.bigEndian32())) }
        return refs
    }

    /// The labels and chunk metas of the series at `ref` (its offset / 16).
    package func series(_ ref: UInt64) throws(TSDBError) -> (labels: Labels, chunks: [IndexFormat.ChunkMeta]) {
        let (start, overflow) = ref.multipliedReportingOverflow(by: UInt64(IndexFormat.seriesAlignment))
        let tocStart = bytes.count - IndexFormat.tocSize
        guard !overflow, start < UInt64(tocStart) else {
            throw .corruptIndex(path: path, offset: tocStart, reason: "series reference \(ref) lies past the series")
        }
        let offset = Int(start)
        var cursor = ByteCursor(bytes, range: offset..<tocStart)
        let length = cursor.uvarint()
        guard !cursor.failed, length <= UInt64(cursor.remaining), cursor.remaining - Int(length) >= 4 else {
            throw .corruptIndex(path: path, offset: offset, reason: "series entry runs past the end of the index")
        }
        let body = cursor.offset..<cursor.offset + Int(length)
        var crc = ByteCursor(bytes, range: body.upperBound..<body.upperBound + 4)
        guard crc.bigEndian32() == bytes.checksum(body) else {
            throw .corruptIndex(path: path, offset: offset, reason: "series entry checksum mismatch")
        }
        var entry = ByteCursor(bytes, range: body)
        let labelCount = entry.uvarint()
        guard labelCount <= UInt64(body.count) else {
            throw .corruptIndex(path: path, offset: offset, reason: "series has \(labelCount) labels in \(body.count) bytes")
        }
        var labels = [Label]()
        labels.reserveCapacity(Int(labelCount))
        var sorted = symbolsSorted
        var previousName: UInt64?
        for _ in 0..<labelCount {
            let name = entry.uvarint(), value = entry.uvarint()
            guard !entry.failed, name < UInt64(symbols.count), value < UInt64(symbols.count) else {
                throw .corruptIndex(path: path, offset: offset, reason: "series label refers to a missing symbol")
            }
            if let previousName, name <= previousName { sorted = false }
            previousName = name
            labels.append(Label(name: symbols[Int(name)], value: symbols[Int(value)]))
        }
        let chunkCount = entry.uvarint()
        guard !entry.failed, chunkCount <= UInt64(body.count) else {
            throw .corruptIndex(path: path, offset: offset, reason: "series has \(chunkCount) chunks in \(body.count) bytes")
        }
        var chunks = [IndexFormat.ChunkMeta]()
        chunks.reserveCapacity(Int(chunkCount))
        var previous = IndexFormat.ChunkMeta(ref: 0, minTime: 0, maxTime: 0)
        for index in 0..<Int(chunkCount) {
            var meta = IndexFormat.ChunkMeta(ref: 0, minTime: 0, maxTime: 0)
            if index == 0 {
                meta.minTime = entry.varint()
                meta.maxTime = meta.minTime &+ Int64(bitPattern: entry.uvarint())
                meta.ref = entry.uvarint()
            } else {
                meta.minTime = previous.maxTime &+ Int64(bitPattern: entry.uvarint())
                meta.maxTime = meta.minTime &+ Int64(bitPattern: entry.uvarint())
                meta.ref = previous.ref &+ UInt64(bitPattern: entry.varint())
            }
            guard !entry.failed else {
                throw .corruptIndex(path: path, offset: offset, reason: "chunk meta \(index) runs past the series entry")
            }
            chunks.append(meta)
            previous = meta
        }
        return (sorted ? Labels(sortedUnique: labels) : Labels(labels), chunks)
    }

    /// Checks `length (BE32) | body | CRC32C` at `offset` and returns the body's range.
    static func section(_ bytes: MappedBytes, at offset: Int, path: String, what: String) throws(TSDBError) -> Range<Int> {
        let limit = bytes.count - IndexFormat.tocSize
        guard offset >= 0, offset <= limit - 4 else {
            throw .corruptIndex(path: path, offset: offset, reason: "\(what) starts past the end of the index")
        }
        var cursor = ByteCursor(bytes, range: offset..<offset + 4)
        let length = Int(cursor.bigEndian32())
        guard length >= 4, length <= limit - offset - 8 else {
            throw .corruptIndex(path: path, offset: offset, reason: "\(what) of \(length) bytes runs past the end of the index")
        }
        let body = (offset + 4)..<(offset + 4 + length)
        var crc = ByteCursor(bytes, range: body.upperBound..<body.upperBound + 4)
        guard crc.bigEndian32() == bytes.checksum(body) else {
            throw .corruptIndex(path: path, offset: offset, reason: "\(what) checksum mismatch")
        }
        return body
    }
}

extension ByteCursor {
    /// Four bytes, big endian (0 and `failed` when short).
    mutating func bigEndian32() -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, _ in value << 8 | UInt32(byte()) }
    }
}
