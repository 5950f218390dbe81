import Model

/// A `Querier` over a database's head and blocks (from `DB.querier(mint:maxt:)`),
/// restricted to `[mint, maxt]`.
///
/// Each call reads the head first and the block list after it. Compaction adds a block
/// before it truncates the head, so data that left the head is always found in a block:
/// a call sees the data either in the head, in a block, or in both (and the merge removes
/// the duplicates), never in neither.
struct DBQuerier: Querier {
    let db: DB
    let mint: Int64, maxt: Int64

    func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [Series] {
        let lower = max(mint, self.mint), upper = min(maxt, self.maxt)
        guard lower <= upper else { return [] }
        var lists = [try db.head.querier().select(matchers, mint: lower, maxt: upper, hints: hints)]
        for block in blocks(lower, upper) {
            lists.append(try block.querier().select(matchers, mint: lower, maxt: upper, hints: hints))
        }
        return try SeriesMerge.merge(lists)
    }

    func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] {
        var lists = [try db.head.querier().labelNames(matchers)]
        for block in blocks(mint, maxt) { lists.append(try block.querier().labelNames(matchers)) }
        return SeriesMerge.mergeStrings(lists)
    }

    func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
        var lists = [try db.head.querier().labelValues(name, matchers)]
        for block in blocks(mint, maxt) { lists.append(try block.querier().labelValues(name, matchers)) }
        return SeriesMerge.mergeStrings(lists)
    }

    /// The served blocks overlapping `[lower, upper]` (a block's `maxTime` is exclusive).
    private func blocks(_ lower: Int64, _ upper: Int64) -> [Block] {
        db.blocks.filter { $0.minTime <= upper && $0.maxTime > lower }
    }
}
