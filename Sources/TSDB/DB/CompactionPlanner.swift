/// Chooses which blocks level compaction merges next, as upstream's
/// `LeveledCompactor.Plan` (`tsdb/compact.go`):
///
/// 1. Blocks whose time ranges overlap, if any: the first run of them (vertical compaction).
/// 2. Otherwise, leaving out the newest block (so a fresh block can be backed up whole
///    before it is merged), for each range above the smallest (6 h, 18 h, ...): the blocks
///    are grouped by aligned windows of that range, and the first group of two or more that
///    fills its window, or lies wholly before the newest block, is chosen.
/// 3. Otherwise, from the newest of those, one block to rewrite without its deleted
///    samples: one spanning at least the middle range with more than 5 % as many
///    tombstones as series, or a shorter one with at least one tombstone per series.
struct CompactionPlanner {
    /// The block ranges, smallest first (`DB.Options.blockRanges`).
    let ranges: [Int64]

    /// The blocks to merge into one, oldest first; empty when nothing is due.
    func plan(_ metas: [BlockMeta]) -> [BlockMeta] {
        let sorted = metas.sorted { ($0.minTime, $0.ulid) < ($1.minTime, $1.ulid) }
        let overlapping = Self.overlapping(sorted)
        if !overlapping.isEmpty { return overlapping }
        guard sorted.count > 1 else { return [] }
        let candidates = Array(sorted.dropLast())
        let selected = select(candidates, newestMinTime: sorted[sorted.count - 1].minTime)
        return selected.isEmpty ? tombstoned(candidates) : selected
    }

    /// Upstream's last step of `plan`: the newest block worth rewriting for its tombstones.
    private func tombstoned(_ sorted: [BlockMeta]) -> [BlockMeta] {
        for meta in sorted.reversed() {
            if meta.maxTime - meta.minTime < ranges[ranges.count / 2] {
                // Small: only worth it when (presumably) every series lost something.
                return meta.numTombstones > 0 && meta.numTombstones >= meta.numSeries ? [meta] : []
            }
            if Double(meta.numTombstones) / Double(meta.numSeries + 1) > 0.05 { return [meta] }
        }
        return []
    }

    /// Upstream's `selectOverlappingDirs`: the first run of blocks that overlap the ones
    /// before them.
    static func overlapping(_ sorted: [BlockMeta]) -> [BlockMeta] {
        guard var globalMax = sorted.first?.maxTime else { return [] }
        var run = [BlockMeta]()
        for index in sorted.indices.dropFirst() {
            let meta = sorted[index]
            if meta.minTime < globalMax {
                if run.isEmpty { run.append(sorted[index - 1]) }
                run.append(meta)
            } else if !run.isEmpty {
                break
            }
            globalMax = max(globalMax, meta.maxTime)
        }
        return run
    }

    /// Upstream's `selectDirs`.
    private func select(_ sorted: [BlockMeta], newestMinTime: Int64) -> [BlockMeta] {
        guard ranges.count > 1, !sorted.isEmpty else { return [] }
        for range in ranges.dropFirst() {
            for group in Self.split(sorted, by: range) {
                let mint = group[0].minTime, maxt = group[group.count - 1].maxTime
                if (maxt - mint == range || maxt <= newestMinTime) && group.count > 1 { return group }
            }
        }
        return []
    }

    /// Upstream's `splitByRange`: consecutive blocks that fit one aligned window of width
    /// `range`; a block wider than its window is left out.
    static func split(_ sorted: [BlockMeta], by range: Int64) -> [[BlockMeta]] {
        var groups = [[BlockMeta]]()
        var index = 0
        while index < sorted.count {
            let minTime = sorted[index].minTime
            // The aligned window holding the block's start (rounding down for negative times).
            let start = minTime >= 0 ? range * (minTime / range) : range * ((minTime - range + 1) / range)
            if sorted[index].maxTime > start + range {
                index += 1
                continue
            }
            var group = [BlockMeta]()
            while index < sorted.count, sorted[index].maxTime <= start + range {
                group.append(sorted[index])
                index += 1
            }
            if !group.isEmpty { groups.append(group) }
        }
        return groups
    }
}
