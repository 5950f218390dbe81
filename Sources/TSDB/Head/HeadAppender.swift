import Synchronization
package import Model

/// A batch of samples for the head: validated as they are added, made durable and visible
/// together by `commit()`, or dropped by `rollback()` (upstream's `headAppender`).
///
/// One appender per writer (a scrape loop, a remote-write request): it is not shared between
/// threads, and it is `~Copyable` so a pending batch cannot be duplicated by accident. Many
/// appenders may work on one head at once. Reuse an appender across batches: its buffers
/// keep their capacity.
///
/// Usage: `let ref = try app.append(labels, timestamp: t, value: v)` the first time, then
/// `try app.append(ref, timestamp: t, value: v)`; a ref that became unknown (the series was
/// garbage-collected) throws `.unknownSeriesRef`, after which append by labels again.
package struct HeadAppender: ~Copyable {
    private let head: Head
    /// The pending batch as columns (struct of arrays, reused across commits).
    private var refs: [SeriesRef] = []
    private var timestamps: [Int64] = []
    private var values: [Double] = []
    /// The newest pending sample per series, to check order within the batch.
    private var pendingLast: [SeriesRef: (t: Int64, bits: UInt64)] = [:]
    /// Samples older than this are out of bounds: half a chunk range behind the head's
    /// newest sample when the appender was made, as upstream's `appendableMinValidTime`.
    private let minValidTime: Int64

    init(head: Head) {
        self.head = head
        if let maxTime = head.maxTime {
            let (value, overflow) = maxTime.subtractingReportingOverflow(head.options.chunkRange / 2)
            minValidTime = overflow ? .min : value
        } else {
            minValidTime = .min
        }
    }

    /// The number of samples waiting for `commit()`.
    package var pendingCount: Int { refs.count }

    /// Adds a sample for the series `labels`, creating the series on first sight.
    ///
    /// - Returns: the series' reference, to pass to `append(_:timestamp:value:)` next time.
    /// - Throws: `TSDBError.emptyLabelSet`, `.outOfBounds`, `.outOfOrderSample`,
    ///   `.duplicateSampleForTimestamp`. A sample equal to the newest one (same timestamp,
    ///   same value bits) is accepted and ignored, as Prometheus does.
    @discardableResult
    package mutating func append(_ labels: Labels, timestamp t: Int64, value v: Double) throws(TSDBError) -> SeriesRef {
        guard !labels.isEmpty else { throw .emptyLabelSet }
        if t < minValidTime { throw .outOfBounds(series: labels, timestamp: t, minValidTime: minValidTime) }
        // A series garbage-collected between lookup and append is created again.
        for _ in 0..<3 {
            let ref = head.getOrCreate(labels).ref
            do throws(TSDBError) {
                try append(ref, timestamp: t, value: v)
                return ref
            } catch .unknownSeriesRef {
                continue
            }
        }
        preconditionFailure("BUG: series \(labels) vanished three times while appending")
    }

    /// Adds a sample for a series already known by reference.
    ///
    /// - Throws: `TSDBError.unknownSeriesRef` for a reference the head does not hold, or the
    ///   errors of `append(_:timestamp:value:)`.
    package mutating func append(_ ref: SeriesRef, timestamp t: Int64, value v: Double) throws(TSDBError) {
        let pending = pendingLast[ref]
        let minValid = minValidTime
        guard let (verdict, labels) = head.series.withSeries(ref, { series -> (MemSeries.Appendability, Labels) in
            // The batch's own newest sample for the series is the latest if it is newer.
            var latest = series.latest
            if let pending, pending.t > (latest?.t ?? .min) { latest = pending }
            let verdict = MemSeries.appendability(t, v, latest: latest)
            // The first sample of the batch for this series pins it against garbage collection.
            if verdict == .ok, pending == nil, t >= minValid { series.pendingAppenders += 1 }
            return (verdict, series.labels)
        }) else {
            throw .unknownSeriesRef(ref.rawValue)
        }
        if t < minValidTime { throw .outOfBounds(series: labels, timestamp: t, minValidTime: minValidTime) }
        switch verdict {
        case .ok: break
        case .duplicate: return
        case .duplicateWithDifferentValue: throw .duplicateSampleForTimestamp(series: labels, timestamp: t)
        case .outOfOrder(let latest): throw .outOfOrderSample(series: labels, timestamp: t, latest: latest)
        }
        refs.append(ref)
        timestamps.append(t)
        values.append(v)
        pendingLast[ref] = (t, v.bitPattern)
    }

    /// Makes the batch durable (WAL written and fsynced, if the head has one) and visible,
    /// atomically for queriers. The appender is empty and reusable afterwards.
    ///
    /// - Returns: the number of samples stored. Fewer than appended only when another
    ///   appender committed newer samples for the same series in between: those samples are
    ///   dropped, as upstream's commit does.
    /// - Throws: `TSDBError.io` if the WAL write fails; nothing of the batch is applied then,
    ///   and every later commit fails with the same error until the head is reopened.
    @discardableResult
    package mutating func commit() throws(TSDBError) -> Int {
        defer {
            head.releasePending(pendingLast.keys)
            clear()
        }
        guard !refs.isEmpty else { return 0 }
        return try head.commit(refs: refs, timestamps: timestamps, values: values)
    }

    /// Drops the batch. Series it created stay (empty) in the head, as upstream.
    package mutating func rollback() {
        head.releasePending(pendingLast.keys)
        clear()
    }

    private mutating func clear() {
        refs.removeAll(keepingCapacity: true)
        timestamps.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        pendingLast.removeAll(keepingCapacity: true)
    }
}

extension Head {
    /// Writes a batch to the WAL and applies it under the commit lock, then waits, outside
    /// the lock, until the WAL is fsynced through the batch (group commit: one fsync covers
    /// every batch written before it, and queriers never wait for a disk).
    func commit(refs: [SeriesRef], timestamps: [Int64], values: [Double]) throws(TSDBError) -> Int {
        let (wal, position, stored) = try commitState.withLock {
            (state: inout CommitState) throws(TSDBError) -> (WALWriter?, UInt64, Int) in
            guard !state.closed else { throw .closed }
            if let failure = state.walFailure ?? state.wal?.failure { throw failure }
            var position: UInt64 = 0
            if let wal = state.wal {
                var newSeries = [(SeriesRef, Labels)]()
                var seen = Set<SeriesRef>()
                for ref in refs where seen.insert(ref).inserted {
                    if let labels = series.withSeries(ref, { s -> Labels? in s.walLogged ? nil : s.labels }) ?? nil {
                        newSeries.append((ref, labels))
                    }
                }
                var records = [[UInt8]]()
                if !newSeries.isEmpty { records.append(WALRecord.encodeSeries(newSeries)) }
                records.append(WALRecord.encodeSamples(refs: refs, timestamps: timestamps, values: values))
                do throws(TSDBError) {
                    position = try wal.write(records)
                } catch {
                    state.walFailure = error
                    throw error
                }
                for (ref, _) in newSeries { _ = series.withSeries(ref) { $0.walLogged = true } }
            }
            // Applied before it is durable, as upstream: a querier may see a batch whose
            // commit then fails in fsync; the caller is never told it succeeded.
            return (state.wal, position, apply(refs: refs, timestamps: timestamps, values: values))
        }
        try wal?.sync(through: position)
        return stored
    }

    /// Unpins series a finished batch had pinned against garbage collection.
    func releasePending(_ refs: some Sequence<SeriesRef>) {
        let stripeCount = UInt64(series.refStripes.count)
        var byStripe = [Int: [SeriesRef]]()
        for ref in refs { byStripe[Int(ref.rawValue % stripeCount), default: []].append(ref) }
        for (stripe, refs) in byStripe {
            series.refStripes[stripe].series.withLock { map in
                for ref in refs { map[ref]?.pendingAppenders -= 1 }
            }
        }
    }

    /// Appends samples to their series, locking each stripe once per batch. Samples not newer
    /// than their series' newest are dropped. Returns how many were stored.
    func apply(refs: [SeriesRef], timestamps: [Int64], values: [Double]) -> Int {
        let stripeCount = series.refStripes.count
        var byStripe = [Int: [Int]]()
        for i in refs.indices { byStripe[Int(refs[i].rawValue % UInt64(stripeCount)), default: []].append(i) }
        var stored = 0
        var mint = Int64.max, maxt = Int64.min
        let chunkRange = options.chunkRange, perChunk = options.samplesPerChunk
        for (stripe, indices) in byStripe {
            series.refStripes[stripe].series.withLock { map in
                for i in indices {
                    let t = timestamps[i]
                    if map[refs[i]]?.append(t, values[i], chunkRange: chunkRange, samplesPerChunk: perChunk) == true {
                        stored += 1
                        mint = min(mint, t)
                        maxt = max(maxt, t)
                    }
                }
            }
        }
        if stored > 0 { extendTimeBounds(mint: mint, maxt: maxt) }
        return stored
    }
}
