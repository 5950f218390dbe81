import Model

/// One series in the head: its labels and its chunks, the last of which takes appends.
///
/// A class, as upstream's `memSeries` pointer: a struct inside the stripe's dictionary was
/// copied by `map[ref]?.mutate()` (and its chunk bytes with it, copy-on-write) on every
/// append. Only touched under its `SeriesStripes.RefStripe` lock, never handed out of it.
final class MemSeries: @unchecked Sendable {  // safe: every access holds its stripe's Mutex
    let labels: Labels
    /// A completed chunk: its settled bytes (shared with queriers, not copied) and the time
    /// of its first and last sample.
    struct ClosedChunk {
        var bytes: [UInt8]
        var minTime: Int64
        var maxTime: Int64
        var encoding: ChunkEncoding
    }

    /// The open chunk, taking appends, kept in the series itself (no array to go through on
    /// every append); `nil` while the series holds no samples or its open chunk is
    /// `openWithStartTimestamps`. Its last sample is at `maxTime`.
    private var open: XORChunk?
    /// The open chunk when it stores start timestamps (an XOR2 chunk), boxed so that series
    /// without them pay one reference for it.
    private var openWithStartTimestamps: XOR2Chunk.Box?
    /// The time of the open chunk's first sample.
    private var openMinTime: Int64 = 0
    /// Completed chunks in time order, all older than the open chunk (so there are none
    /// without an open chunk).
    private var closed: [ClosedChunk] = []
    /// The newest timestamp, `Int64.min` before the first sample.
    private(set) var maxTime: Int64 = .min
    /// The newest value's bits (duplicates are judged on bits, as upstream).
    private(set) var lastValueBits: UInt64 = 0
    /// Where the head chunk's chunk range ends: a sample at or after it starts a new chunk.
    private var nextAt: Int64 = .min
    /// Out-of-order samples (upstream's OOO head chunk and its m-mapped chunks): the newest
    /// are kept sorted in `outOfOrderHead` until it holds `outOfOrderCapMax`, then encoded as
    /// an XOR chunk into `outOfOrderChunks` (which may overlap each other and the in-order
    /// chunks). Compaction writes them into blocks and drops them (`dropOutOfOrderChunks`).
    private(set) var outOfOrderHead: [ChunkSnapshot.Sample] = []
    private(set) var outOfOrderChunks: [ChunkSnapshot] = []
    /// Appenders holding uncommitted samples for this series; garbage collection keeps a
    /// series while this is above zero (upstream's `pendingCommit`).
    var pendingAppenders: Int32 = 0
    /// The slot of this series in the series table of the appender `batchOwner`, so that
    /// appender finds it without a lookup of its own (other appenders holding it too use
    /// theirs). Valid only while `batchOwner` is not 0.
    var batchSlot: Int32 = 0
    /// Whether the WAL holds this series' record (set under the head's commit lock).
    var walLogged = false
    /// The appender (`HeadAppender.id`) that pinned this series first in its pending batch,
    /// 0 when none; cleared when that batch commits or rolls back.
    var batchOwner: UInt64 = 0

    /// An appender's batch no longer holds this series (committed or rolled back).
    func unpin(by appender: UInt64) {
        pendingAppenders -= 1
        if batchOwner == appender { batchOwner = 0 }
    }

    /// Whether garbage collection may drop the series: nothing stored, nothing pending.
    var isCollectable: Bool {
        !hasOpenChunk && outOfOrderHead.isEmpty && outOfOrderChunks.isEmpty && pendingAppenders == 0
    }

    init(labels: Labels) {
        self.labels = labels
    }

    /// What an append at `t` with `v` would do, as upstream's `memSeries.appendable`.
    enum Appendability: Equatable {
        case ok
        /// Older than the newest sample (or than `minValidTime`) but within the out-of-order
        /// time window: goes to the series' out-of-order samples.
        case outOfOrderAccepted
        /// Same timestamp and same value bits as the newest sample: accepted, not stored.
        case duplicate
        case duplicateWithDifferentValue
        case outOfOrder(latest: Int64)
        case outOfBounds
        /// Out-of-order ingestion is on but the sample is older than its window allows.
        case tooOld(oldest: Int64)
    }

    /// The newest sample's timestamp and value bits, `nil` before the first.
    var latest: (t: Int64, bits: UInt64)? { hasOpenChunk ? (maxTime, lastValueBits) : nil }

    /// Whether a chunk takes appends (else the series holds no in-order samples).
    private var hasOpenChunk: Bool { open != nil || openWithStartTimestamps != nil }

    /// The number of samples in the open chunk.
    private var openCount: Int { open?.count ?? openWithStartTimestamps?.chunk.count ?? 0 }

    /// Judges a sample against the newest one (`nil`: the series is empty), as upstream's
    /// `memSeries.appendable`: at or after `minValidTime`, a newer sample is in order and one
    /// at the newest timestamp a duplicate; anything else is out of order, accepted when
    /// `outOfOrderMinTime` (the head's newest time minus the window; `nil`: ingestion of
    /// out-of-order samples is off) is not after it.
    static func appendability(_ t: Int64, _ v: Double, latest: (t: Int64, bits: UInt64)?,
                              minValidTime: Int64 = .min, outOfOrderMinTime: Int64? = nil) -> Appendability {
        if t >= minValidTime {
            guard let latest, t <= latest.t else { return .ok }
            if t == latest.t { return v.bitPattern == latest.bits ? .duplicate : .duplicateWithDifferentValue }
        }
        if let oldest = outOfOrderMinTime { return t >= oldest ? .outOfOrderAccepted : .tooOld(oldest: oldest) }
        if t < minValidTime { return .outOfBounds }
        return .outOfOrder(latest: latest?.t ?? .min)
    }

    /// Inserts an out-of-order sample; `false` (nothing stored) when the out-of-order samples
    /// not yet cut into a chunk hold its timestamp already, as upstream's `OOOChunk.Insert`.
    func insertOutOfOrder(_ t: Int64, _ v: Double, startTimestamp st: Int64 = 0, capMax: Int) -> Bool {
        if outOfOrderHead.count >= capMax { cutOutOfOrderHead() }
        var low = 0, high = outOfOrderHead.count
        while low < high {
            let mid = (low + high) / 2
            if outOfOrderHead[mid].t < t { low = mid + 1 } else { high = mid }
        }
        if low < outOfOrderHead.count, outOfOrderHead[low].t == t { return false }
        outOfOrderHead.insert((t, v, st), at: low)
        return true
    }

    /// Encodes the sorted out-of-order samples as a chunk of `outOfOrderChunks`.
    func cutOutOfOrderHead() {
        guard !outOfOrderHead.isEmpty else { return }
        outOfOrderChunks.append(contentsOf: ChunkSnapshot.encode(outOfOrderHead))
        outOfOrderHead.removeAll(keepingCapacity: true)
    }

    /// Drops the first `count` out-of-order chunks (written to blocks by compaction).
    func dropOutOfOrderChunks(_ count: Int) {
        outOfOrderChunks.removeFirst(min(count, outOfOrderChunks.count))
    }

    /// The out-of-order chunks overlapping `[mint, maxt]`, the unsorted head encoded as one.
    func outOfOrderChunks(overlapping mint: Int64, _ maxt: Int64) -> [ChunkSnapshot] {
        var out = outOfOrderChunks.filter { $0.maxTime >= mint && $0.minTime <= maxt }
        if let first = outOfOrderHead.first, let last = outOfOrderHead.last, last.t >= mint, first.t <= maxt {
            out.append(contentsOf: ChunkSnapshot.encode(outOfOrderHead))
        }
        return out
    }


    /// Appends a sample newer than `maxTime`; returns `false` (and stores nothing) otherwise.
    ///
    /// Chunks are cut as upstream's `memSeries.appendPreprocessor`: at the end of the chunk
    /// range, or earlier at an end time predicted when the chunk holds a quarter of
    /// `samplesPerChunk`, so the range's samples spread evenly over chunks of about
    /// `samplesPerChunk` (120 samples at 15s: 30-minute chunks). Chunk boundaries, and so the
    /// bytes of each chunk, are Prometheus's. A chunk is also cut at twice `samplesPerChunk`
    /// when the rate rose after the prediction (upstream since 2.44; 2.42 had no cap).
    func append(_ t: Int64, _ v: Double, startTimestamp st: Int64 = 0, chunkRange: Int64, samplesPerChunk: Int,
                storesStartTimestamps: Bool = false) -> Bool {
        if !hasOpenChunk {
            openChunk(at: t, chunkRange: chunkRange, storesStartTimestamps: storesStartTimestamps || st != 0)
        } else {
            guard t > maxTime else { return false }
            let n = openCount
            if n == samplesPerChunk / 4 {
                nextAt = MemSeries.predictedChunkEnd(start: openMinTime, current: maxTime, max: nextAt)
            }
            // A start timestamp for an XOR chunk (opened before they were stored) starts an
            // XOR2 chunk, so it is not lost.
            if t >= nextAt || n >= samplesPerChunk * 2 || (st != 0 && open != nil) {
                cut(at: t, chunkRange: chunkRange, storesStartTimestamps: storesStartTimestamps || st != 0)
            }
        }
        // The XOR chunk first, without touching the box: the common case costs no retain.
        if open != nil {
            open!.append(timestamp: t, value: v)
        } else {
            openWithStartTimestamps.unsafelyUnwrapped.chunk.append(startTimestamp: st, timestamp: t, value: v)
        }
        maxTime = t
        lastValueBits = v.bitPattern
        return true
    }

    /// Closes the open chunk (its buffer trimmed to its size) and opens an empty one at `t`.
    private func cut(at t: Int64, chunkRange: Int64, storesStartTimestamps: Bool) {
        if var full = open {
            open = nil  // `full` holds the only reference: settled in place, not copied
            full.compact()
            closed.append(ClosedChunk(bytes: full.bytes, minTime: openMinTime, maxTime: maxTime, encoding: .xor))
        } else if let box = openWithStartTimestamps {
            openWithStartTimestamps = nil
            box.chunk.compact()
            closed.append(ClosedChunk(bytes: box.chunk.bytes, minTime: openMinTime, maxTime: maxTime, encoding: .xor2))
        }
        openChunk(at: t, chunkRange: chunkRange, storesStartTimestamps: storesStartTimestamps)
    }

    /// Opens an empty chunk, an XOR2 one if `storesStartTimestamps`, whose first sample is at `t`.
    private func openChunk(at t: Int64, chunkRange: Int64, storesStartTimestamps: Bool) {
        if storesStartTimestamps {
            openWithStartTimestamps = XOR2Chunk.Box()
        } else {
            open = XORChunk()
        }
        openMinTime = t
        nextAt = MemSeries.rangeEnd(t, chunkRange)
    }

    /// Upstream's `computeChunkEndTime`: the chunk so far spans `start...current` with a
    /// quarter of its samples, so divide what is left of the range into chunks four times as
    /// long.
    static func predictedChunkEnd(start: Int64, current: Int64, max: Int64) -> Int64 {
        let (span, overflow) = (current &- start &+ 1).multipliedReportingOverflow(by: 4)
        guard !overflow, span > 0 else { return max }
        let n = (max &- start) / span
        if n <= 1 { return max }
        return start &+ (max &- start) / n
    }

    /// The end of the aligned range of width `width` holding `t`, with Go's truncating
    /// division as upstream's `rangeForTimestamp` (so negative times round the same way).
    static func rangeEnd(_ t: Int64, _ width: Int64) -> Int64 {
        let (start, overflow) = (t / width).multipliedReportingOverflow(by: width)
        if overflow { return .max }
        let (end, overflow2) = start.addingReportingOverflow(width)
        return overflow2 ? .max : end
    }

    /// The chunks overlapping `[mint, maxt]`, shared (not copied) for a querier; the open
    /// chunk's bytes are a copy of what it holds now.
    func chunks(overlapping mint: Int64, _ maxt: Int64) -> [ChunkSnapshot] {
        var out = [ChunkSnapshot]()
        for chunk in closed where chunk.maxTime >= mint && chunk.minTime <= maxt {
            out.append(ChunkSnapshot(encoding: chunk.encoding, bytes: chunk.bytes, range: chunk.bytes.indices,
                                     minTime: chunk.minTime, maxTime: chunk.maxTime))
        }
        if hasOpenChunk, maxTime >= mint && openMinTime <= maxt {
            let (bytes, encoding) = if let box = openWithStartTimestamps {
                (box.chunk.bytes, ChunkEncoding.xor2)
            } else {
                (open.unsafelyUnwrapped.bytes, ChunkEncoding.xor)
            }
            out.append(ChunkSnapshot(encoding: encoding, bytes: bytes, range: bytes.indices, minTime: openMinTime, maxTime: maxTime))
        }
        return out
    }

    /// What `newest(in:_:outOfOrder:)` knows without decoding.
    enum Newest: Sendable {
        /// The newest sample in range, in the open chunk starting at `chunkMinTime`.
        case sample(labels: Labels, t: Int64, v: Double, chunkMinTime: Int64)
        /// No sample in range.
        case absent
        /// Only decoding tells (the range ends before the newest sample, or out-of-order
        /// samples are held and included).
        case unknown
    }

    /// The newest sample in `[mint, maxt]` from what the series keeps of its newest sample:
    /// known when the range holds it and no out-of-order sample counts (those are older than
    /// the newest sample when stored, but a truncation that empties the series can leave
    /// some newer than a later first sample).
    func newest(in mint: Int64, _ maxt: Int64, outOfOrder: Bool) -> Newest {
        if outOfOrder, !outOfOrderHead.isEmpty || !outOfOrderChunks.isEmpty { return .unknown }
        guard hasOpenChunk, maxTime >= mint else { return .absent }
        guard maxTime <= maxt else { return .unknown }
        return .sample(labels: labels, t: maxTime, v: Double(bitPattern: lastValueBits), chunkMinTime: openMinTime)
    }

    /// Drops the chunks that end before `t` (the open chunk too, if it does); returns how
    /// many. A later append to an emptied series starts a new chunk.
    func dropChunks(before t: Int64) -> Int {
        let n = closed.prefix { $0.maxTime < t }.count
        if n > 0 { closed.removeFirst(n) }
        guard closed.isEmpty, hasOpenChunk, maxTime < t else { return n }
        open = nil
        openWithStartTimestamps = nil
        return n + 1
    }

    /// Whether a chunk overlaps `[mint, maxt]`.
    func hasSamples(in mint: Int64, _ maxt: Int64) -> Bool {
        (hasOpenChunk && maxTime >= mint && openMinTime <= maxt)
            || closed.contains { $0.maxTime >= mint && $0.minTime <= maxt }
    }

    /// The oldest timestamp held, `nil` when empty.
    var minTime: Int64? { closed.first?.minTime ?? (hasOpenChunk ? openMinTime : nil) }

    /// The number of chunks held.
    var chunkCount: Int { closed.count + (hasOpenChunk ? 1 : 0) }

    /// The number of samples held.
    var sampleCount: Int {
        closed.reduce(openCount) { total, chunk in total + (Int(chunk.bytes[0]) << 8 | Int(chunk.bytes[1])) }
    }
}
