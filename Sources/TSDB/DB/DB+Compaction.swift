#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Model
import Synchronization

extension DB {
    /// Runs every maintenance step that is due, as upstream's `DB.Compact`:
    ///
    /// 1. While the head spans more than 1.5 chunk ranges (3 h), its oldest range
    ///    `[head.minTime, end of its aligned 2 h window)` is written as a level-1 block,
    ///    then the head drops that data.
    /// 2. If the head was truncated, its out-of-order samples are written as blocks
    ///    (`compactOutOfOrderHead`) and the WAL is checkpointed (`Head.checkpointWAL`).
    /// 3. Blocks are merged while `CompactionPlanner` finds some: overlapping blocks, or
    ///    blocks filling a window of the next range (6 h, 18 h, ... up to the maximum block
    ///    duration). The merged block is written under a temporary name and renamed in; its
    ///    parents are deleted only then, so a crash at any point loses nothing (on open,
    ///    blocks listed as another's parents are deleted).
    /// 4. Retention deletes the blocks it no longer keeps.
    ///
    /// Safe to call at any time from any thread; calls are serialised. Does nothing once
    /// closed.
    ///
    /// - Throws: the first failure (counted in `stats.compactionsFailed`); what was done
    ///   before it stays done, and the next call retries the rest.
    package func compact() throws(TSDBError) {
        try maintenance.withLock { _ throws(TSDBError) in
            guard !isClosed else { return }
            do throws(TSDBError) {
                var truncated = false
                while let range = headCompactionRange() {
                    try compactHead(range)
                    truncated = true
                }
                if truncated { try compactOutOfOrderHead() }
                if truncated, try head.checkpointWAL() != nil { checkpoints.add(1, ordering: .relaxed) }
                try compactBlocks()
                try applyRetention()
            } catch {
                failedCompactions.add(1, ordering: .relaxed)
                logger.error("compaction failed", metadata: ["error": "\(error)"])
                throw error
            }
        }
    }

    /// The head's oldest range to cut into a block, when the head spans more than 1.5 chunk
    /// ranges (upstream's `Head.compactable` and `rangeForTimestamp`).
    func headCompactionRange() -> Range<Int64>? {
        guard let mint = head.minTime, let maxt = head.maxTime else { return nil }
        let chunkRange = options.minBlockDuration
        guard maxt - mint > chunkRange / 2 * 3 else { return nil }
        return mint..<MemSeries.rangeEnd(mint, chunkRange)
    }

    /// Writes the head's samples in `range` as a block and drops them from the head.
    private func compactHead(_ range: Range<Int64>) throws(TSDBError) {
        // From here on no commit adds samples before the range's end, so the block holds
        // everything the head drops.
        head.raiseMinValidTime(to: range.upperBound)
        let series = try head.querier(outOfOrder: false).select([], mint: range.lowerBound, maxt: range.upperBound - 1)
        // Head chunks are cut again into chunks of 120 samples, as before.
        if let block = try writeBlock(samples: try DB.decode(series), timeRange: range, parents: [], hints: []) {
            try replace([], with: block)
        }
        head.truncate(before: range.upperBound)
        headTruncations.add(1, ordering: .relaxed)
    }

    /// Writes the head's out-of-order samples as level-1 blocks, one per aligned
    /// `minBlockDuration` window holding some, marked `from-out-of-order` (upstream's
    /// `DB.compactOOOHead`); they may overlap other blocks and the head, which queries merge
    /// and the planner then merges first. The head drops those samples, and the
    /// write-behind log the segments holding them, only once the blocks are served.
    func compactOutOfOrderHead() throws(TSDBError) {
        let snapshot = try head.outOfOrderSnapshot()
        let width = options.minBlockDuration
        var windows = [Int64: [BlockWriter.SeriesSamples]]()
        for item in try DB.decode(snapshot.series.map(\.series)) {
            var start = 0
            while start < item.samples.count {
                let window = DB.windowStart(item.samples[start].timestamp, width)
                var end = start + 1
                while end < item.samples.count, DB.windowStart(item.samples[end].timestamp, width) == window { end += 1 }
                windows[window, default: []].append(.init(labels: item.labels, samples: Array(item.samples[start..<end])))
                start = end
            }
        }
        for window in windows.keys.sorted() {
            let (upper, overflow) = window.addingReportingOverflow(width)
            let block = try writeBlock(samples: windows[window]!, timeRange: window..<(overflow ? .max : upper), parents: [],
                                       hints: [BlockMeta.fromOutOfOrder])
            try replace([], with: block)
        }
        try head.dropOutOfOrder(snapshot)
    }

    /// The start of the aligned window of width `width` holding `t` (rounding down, also
    /// for negative times).
    static func windowStart(_ t: Int64, _ width: Int64) -> Int64 {
        let quotient = t / width
        return (t % width < 0 ? quotient - 1 : quotient) &* width
    }

    /// Merges blocks while the planner finds a set to merge, series by series: each merged
    /// series' chunks are written as they are (decoded and encoded again only where they
    /// overlap) before the next series is merged, so the memory used beyond the open blocks
    /// is one series' chunks plus the new block's index entries.
    private func compactBlocks() throws(TSDBError) {
        let planner = CompactionPlanner(ranges: options.blockRanges)
        while true {
            let current = blocks
            let plan = Set(planner.plan(current.map(\.meta)).map(\.ulid))
            guard !plan.isEmpty else { return }
            let parents = current.filter { plan.contains($0.ulid) }
            let timeRange = parents.map(\.minTime).min()!..<parents.map(\.maxTime).max()!
            try replace(parents, with: try merge(parents, timeRange: timeRange))
        }
    }

    /// Writes the series of `parents` merged (and without their deleted samples) as a new
    /// block spanning `timeRange` with them as parents, opened for serving; `nil` when no
    /// sample is left. Only labels and references of the parents' series are gathered first;
    /// each merged series' chunks are read from the parents' segments when it is written.
    func merge(_ parents: [Block], timeRange: Range<Int64>, level: Int? = nil) throws(TSDBError) -> Block? {
        var lists = [[(labels: Labels, ref: SeriesRef, querier: BlockQuerier)]]()
        for parent in parents {
            let querier = parent.querier()
            lists.append(try querier.seriesReferences().map { ($0.labels, $0.ref, querier) })
        }
        let writer = try BlockStreamWriter(directory: directory, ulid: ULID.make(milliseconds: DB.nowMilliseconds()),
                                           symbols: parents.lazy.flatMap(\.index.symbols))
        do throws(TSDBError) {
            try SeriesMerge.forEach(lists, labels: \.labels, load: { item throws(TSDBError) in
                try item.querier.series(item.ref, mint: .min, maxt: .max)
            }) { series throws(TSDBError) in try writer.add(series.labels, chunks: series.chunks) }
        } catch {
            writer.abandon()
            throw error
        }
        return try finish(writer, timeRange: timeRange, parents: parents.map(\.meta), level: level)
    }

    /// Finishes a block written with `writer` (abandoned if it holds nothing: `nil`) and
    /// opens it. A block merged from one of out-of-order samples that reaches past every
    /// in-order parent keeps the `from-out-of-order` hint, so that opening the database
    /// never takes its end for the end of the in-order data (the head may still hold samples
    /// before it).
    func finish(_ writer: BlockStreamWriter, timeRange: Range<Int64>, parents: [BlockMeta], level: Int? = nil)
        throws(TSDBError) -> Block?
    {
        guard !writer.isEmpty else {
            writer.abandon()
            return nil
        }
        let inOrderEnd = parents.filter { !$0.isFromOutOfOrder }.map(\.maxTime).max() ?? .min
        let hints = parents.contains { $0.isFromOutOfOrder && $0.maxTime > inOrderEnd } ? [BlockMeta.fromOutOfOrder] : []
        let meta: BlockMeta
        do throws(TSDBError) {
            meta = try writer.finish(timeRange: timeRange, parents: parents, level: level, hints: hints)
        } catch {
            writer.abandon()
            throw error
        }
        return try opened(meta)
    }

    /// Writes decoded series as a new block in the data directory (`BlockWriter.write`),
    /// opened for serving; `nil` when there is none.
    func writeBlock(samples toWrite: [BlockWriter.SeriesSamples], timeRange: Range<Int64>, parents: [BlockMeta],
                    level: Int? = nil, hints: [String]) throws(TSDBError) -> Block? {
        guard !toWrite.isEmpty else { return nil }
        let ulid = ULID.make(milliseconds: DB.nowMilliseconds())
        return try opened(try BlockWriter.write(toWrite, into: directory, ulid: ulid, timeRange: timeRange, parents: parents,
                                                level: level, hints: hints))
    }

    /// Counts and logs a block just written and opens it for serving.
    private func opened(_ meta: BlockMeta) throws(TSDBError) -> Block {
        let ulid = meta.ulid
        compactions.add(1, ordering: .relaxed)
        logger.info("wrote block", metadata: [
            "block": "\(ulid)", "minTime": "\(meta.minTime)", "maxTime": "\(meta.maxTime)",
            "level": "\(meta.compactionLevel)", "series": "\(meta.numSeries)", "samples": "\(meta.numSamples)",
        ])
        return try Block(directory: "\(directory)/\(ulid)")
    }

    /// The samples of `series` in their ranges, for `BlockWriter`; series without any left out.
    static func decode(_ series: [Series]) throws(TSDBError) -> [BlockWriter.SeriesSamples] {
        var out = [BlockWriter.SeriesSamples]()
        out.reserveCapacity(series.count)
        var iterator = SeriesIterator()
        for item in series {
            iterator.reset(item)
            var samples = [(timestamp: Int64, value: Double)]()
            var starts = [Int64]()
            while iterator.next() {
                samples.append((iterator.timestamp, iterator.value))
                starts.append(iterator.startTimestamp)
            }
            if let error = iterator.error { throw error }
            if !samples.isEmpty {
                out.append(.init(labels: item.labels, samples: samples, startTimestamps: starts.contains { $0 != 0 } ? starts : []))
            }
        }
        return out
    }

    /// Serves `block` (if any) instead of `old`, then deletes the directories of `old`.
    func replace(_ old: [Block], with block: Block?) throws(TSDBError) {
        let gone = Set(old.map(\.ulid))
        state.withLock { state in
            state.blocks.removeAll { gone.contains($0.ulid) }
            if let block { state.blocks.append(block) }
            state.blocks.sort { ($0.minTime, $0.ulid) < ($1.minTime, $1.ulid) }
        }
        for block in old { try DB.deleteBlockDirectory(block.directory) }
    }

    /// The wall clock in Unix milliseconds, for block ULIDs.
    static func nowMilliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(max(0, now.tv_sec)) * 1000 + UInt64(max(0, now.tv_nsec)) / 1_000_000
    }
}
