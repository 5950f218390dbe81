package import Logging
package import Model

/// A read-only view of a data directory (Pharos's or Prometheus's): its blocks and its WAL
/// replayed into memory, merged as the database's querier merges them. Takes no lock and
/// writes nothing, for `pharos tsdb dump`.
package struct DataDirectoryReader: Querier {
    private let head: Head
    private let blocks: [Block]
    /// Blocks that did not open, with why.
    package let skippedBlocks: [(directory: String, error: TSDBError)]

    /// Opens the blocks and replays the WAL of `directory`.
    /// - Throws: `TSDBError.io` when the directory cannot be listed or the WAL read.
    package init(directory: String, logger: Logger = Logger(label: "pharos.tsdb")) throws(TSDBError) {
        var blocks: [Block] = [], skipped: [(directory: String, error: TSDBError)] = []
        for name in try FileIO.listDirectory(directory).sorted() where ULID(name) != nil && FileIO.isDirectory(directory + "/" + name) {
            do { blocks.append(try Block(directory: directory + "/" + name)) } catch {
                skipped.append((directory + "/" + name, error))
            }
        }
        self.blocks = blocks
        skippedBlocks = skipped
        head = try Head.open(directory: directory, readOnly: true, logger: logger)
    }

    package func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [Series] {
        var lists = [try head.querier().select(matchers, mint: mint, maxt: maxt, hints: hints)]
        for block in blocks where block.minTime <= maxt && block.maxTime > mint {
            lists.append(try block.querier().select(matchers, mint: mint, maxt: maxt, hints: hints))
        }
        return try SeriesMerge.merge(lists)
    }

    package func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] {
        var lists = [try head.querier().labelNames(matchers)]
        for block in blocks { lists.append(try block.querier().labelNames(matchers)) }
        return SeriesMerge.mergeStrings(lists)
    }

    package func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
        var lists = [try head.querier().labelValues(name, matchers)]
        for block in blocks { lists.append(try block.querier().labelValues(name, matchers)) }
        return SeriesMerge.mergeStrings(lists)
    }
}
