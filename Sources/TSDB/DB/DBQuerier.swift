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

    /// See `Querier.selectNewest`. Blocks are read newest first, each skipping the series a
    /// newer source already holds a newer sample of, then merged in `select`'s source order.
    func selectNewest(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints _: SelectHints?) throws(TSDBError) -> [NewestSample] {
        let lower = max(mint, self.mint), upper = min(maxt, self.maxt)
        guard lower <= upper else { return [] }
        let head = try db.head.querier().selectNewest(matchers, mint: lower, maxt: upper)
        let blocks = blocks(lower, upper)
        guard !blocks.isEmpty else { return head }
        var newest = [Labels: Int64](minimumCapacity: head.count)
        for sample in head { newest[sample.labels] = sample.timestamp }
        var fromBlocks = [[NewestSample]]()
        for block in blocks.reversed() {
            let samples = try block.querier().selectNewest(matchers, mint: lower, maxt: upper, newerElsewhere: newest)
            for sample in samples where sample.timestamp > newest[sample.labels] ?? .min { newest[sample.labels] = sample.timestamp }
            fromBlocks.append(samples)
        }
        return SeriesMerge.mergeNewest([head] + fromBlocks.reversed())
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
