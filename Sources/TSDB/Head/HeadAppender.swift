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
    /// The pending samples as columns (struct of arrays, reused across commits): the
    /// series' ref, the sample, and the series' slot in the batch's series table.
    private var refs: [SeriesRef] = []
    private var timestamps: [Int64] = []
    private var values: [Double] = []
    private var sampleSlots: [Int32] = []
    /// The pending out-of-order samples, in the same form (see `Head.Options.outOfOrderTimeWindow`).
    private var outOfOrderRefs: [SeriesRef] = []
    private var outOfOrderTimestamps: [Int64] = []
    private var outOfOrderValues: [Double] = []
    private var outOfOrderSlots: [Int32] = []
    /// The batch's series table, one slot per series with a pending sample: the series
    /// (pinned against garbage collection while its slot exists), the newest pending
    /// sample (to check order within the batch), and the index of its first sample.
    private var slotSeries: [MemSeries] = []
    private var slotRefs: [SeriesRef] = []
    private var slotLastT: [Int64] = []
    private var slotLastBits: [UInt64] = []
    private var slotFirstSample: [Int32] = []
    /// The index of the series' first out-of-order sample, -1 without one; the commit
    /// unpins a series there when it has no in-order sample (`slotFirstSample` is -1 then).
    private var slotFirstOutOfOrder: [Int32] = []
    /// Slot of each series in the table; consulted only when a ref differs from the
    /// previous append's (a scrape appends each series once, a backfill many times in a row).
    private var slotOf: [SeriesRef: Int32] = [:]
    private var lastSlot = -1
    /// Commit scratch space, kept for its capacity.
    private var scratch = Head.CommitScratch()
    /// Samples older than this are out of bounds: half a chunk range behind the head's
    /// newest sample when the appender was made, and never before the head's
    /// `minValidTime` (what is already in blocks), as upstream's `appendableMinValidTime`.
    private let minValidTime: Int64
    /// With an out-of-order time window, the oldest out-of-order sample accepted: the head's
    /// newest sample time when the appender was made minus the window (upstream's
    /// `headMaxt - oooTimeWindow`); `nil` when the window is 0.
    private let outOfOrderMinTime: Int64?

    init(head: Head) {
        self.head = head
        var behindNewest = Int64.min
        if let maxTime = head.maxTime {
            let (value, overflow) = maxTime.subtractingReportingOverflow(head.options.chunkRange / 2)
            behindNewest = overflow ? .min : value
        }
        minValidTime = max(behindNewest, head.minValidTime)
        let window = head.outOfOrderTimeWindow
        if window > 0 {
            let (value, overflow) = (head.maxTime ?? .min).subtractingReportingOverflow(window)
            outOfOrderMinTime = overflow ? .min : value
        } else {
            outOfOrderMinTime = nil
        }
    }

    /// The number of samples waiting for `commit()`.
    package var pendingCount: Int { refs.count + outOfOrderRefs.count }

    /// Adds a sample for the series `labels`, creating the series on first sight.
    ///
    /// - Returns: the series' reference, to pass to `append(_:timestamp:value:)` next time.
    /// - Throws: `TSDBError.emptyLabelSet`, `.outOfBounds`, `.outOfOrderSample`,
    ///   `.duplicateSampleForTimestamp`, `.tooOldSample`. A sample equal to the newest one
    ///   (same timestamp, same value bits) is accepted and ignored, as Prometheus does.
    ///   With an out-of-order time window, older samples within it are accepted.
    @discardableResult
    package mutating func append(_ labels: Labels, timestamp t: Int64, value v: Double) throws(TSDBError) -> SeriesRef {
        guard !labels.isEmpty else { throw .emptyLabelSet }
        if outOfOrderMinTime == nil, t < minValidTime {
            head.outOfBoundsRejectedAtomic.add(1, ordering: .relaxed)
            throw .outOfBounds(series: labels, timestamp: t, minValidTime: minValidTime)
        }
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
        let minValid = minValidTime, outOfOrderMin = outOfOrderMinTime
        var slot = -1
        if lastSlot >= 0, slotRefs[lastSlot] == ref {
            slot = lastSlot
        } else if let found = slotOf[ref] {
            slot = Int(found)
        }
        let stripe = head.series.stripe(for: ref)
        let series: MemSeries
        let verdict: MemSeries.Appendability
        if slot >= 0 {
            // Pinned by this batch, so still in the map: only its newest sample is needed.
            series = slotSeries[slot]
            let pending = (t: slotLastT[slot], bits: slotLastBits[slot])
            verdict = stripe.series.withLock { _ in
                // The batch's own newest sample for the series is the latest if it is newer.
                var latest = series.latest
                if pending.t > (latest?.t ?? .min) { latest = pending }
                return MemSeries.appendability(t, v, latest: latest, minValidTime: minValid, outOfOrderMinTime: outOfOrderMin)
            }
        } else {
            guard let (found, foundVerdict) = stripe.series.withLock({ map -> (MemSeries, MemSeries.Appendability)? in
                guard let series = map[ref] else { return nil }
                let verdict = MemSeries.appendability(t, v, latest: series.latest, minValidTime: minValid,
                                                      outOfOrderMinTime: outOfOrderMin)
                // The first sample of the batch for this series pins it against garbage collection.
                if verdict == .ok || verdict == .outOfOrderAccepted { series.pendingAppenders += 1 }
                return (series, verdict)
            }) else {
                throw .unknownSeriesRef(ref.rawValue)
            }
            series = found
            verdict = foundVerdict
        }
        switch verdict {
        case .ok: break
        case .outOfOrderAccepted:
            appendOutOfOrder(ref, series, slot: slot, timestamp: t, value: v)
            return
        case .duplicate: return
        case .duplicateWithDifferentValue: throw .duplicateSampleForTimestamp(series: series.labels, timestamp: t)
        case .outOfOrder(let latest):
            head.outOfOrderRejectedAtomic.add(1, ordering: .relaxed)
            throw .outOfOrderSample(series: series.labels, timestamp: t, latest: latest)
        case .outOfBounds:
            head.outOfBoundsRejectedAtomic.add(1, ordering: .relaxed)
            throw .outOfBounds(series: series.labels, timestamp: t, minValidTime: minValid)
        case .tooOld(let oldest):
            head.tooOldRejectedAtomic.add(1, ordering: .relaxed)
            throw .tooOldSample(series: series.labels, timestamp: t, oldest: oldest)
        }
        if slot < 0 {
            slot = addSlot(ref, series, newest: (t, v.bitPattern))
            slotFirstSample[slot] = Int32(truncatingIfNeeded: refs.count)
        } else {
            if slotFirstSample[slot] < 0 { slotFirstSample[slot] = Int32(truncatingIfNeeded: refs.count) }
            slotLastT[slot] = t
            slotLastBits[slot] = v.bitPattern
        }
        lastSlot = slot
        refs.append(ref)
        timestamps.append(t)
        values.append(v)
        sampleSlots.append(Int32(truncatingIfNeeded: slot))
    }

    /// Adds an accepted out-of-order sample; it does not change the series' newest sample.
    private mutating func appendOutOfOrder(_ ref: SeriesRef, _ series: MemSeries, slot found: Int,
                                           timestamp t: Int64, value v: Double) {
        var slot = found
        if slot < 0 {
            slot = addSlot(ref, series, newest: series.latest.map { ($0.t, $0.bits) } ?? (.min, 0))
        }
        if slotFirstOutOfOrder[slot] < 0 { slotFirstOutOfOrder[slot] = Int32(truncatingIfNeeded: outOfOrderRefs.count) }
        lastSlot = slot
        outOfOrderRefs.append(ref)
        outOfOrderTimestamps.append(t)
        outOfOrderValues.append(v)
        outOfOrderSlots.append(Int32(truncatingIfNeeded: slot))
    }

    /// A new slot in the batch's series table for a series this batch pinned.
    private mutating func addSlot(_ ref: SeriesRef, _ series: MemSeries, newest: (t: Int64, bits: UInt64)) -> Int {
        let slot = slotSeries.count
        slotSeries.append(series)
        slotRefs.append(ref)
        slotLastT.append(newest.t)
        slotLastBits.append(newest.bits)
        slotFirstSample.append(-1)
        slotFirstOutOfOrder.append(-1)
        slotOf[ref] = Int32(truncatingIfNeeded: slot)
        return slot
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
        defer { clear() }
        guard !refs.isEmpty || !outOfOrderRefs.isEmpty else { return 0 }
        let batch = Head.Batch(refs: refs, timestamps: timestamps, values: values, sampleSlots: sampleSlots,
                               outOfOrderRefs: outOfOrderRefs, outOfOrderTimestamps: outOfOrderTimestamps,
                               outOfOrderValues: outOfOrderValues, outOfOrderSlots: outOfOrderSlots,
                               slotSeries: slotSeries, slotRefs: slotRefs, slotFirstSample: slotFirstSample,
                               slotFirstOutOfOrder: slotFirstOutOfOrder)
        return try head.commit(batch, scratch: &scratch)
    }

    /// Drops the batch. Series it created stay (empty) in the head, as upstream.
    package mutating func rollback() {
        head.unpin(slotSeries, slotRefs)
        clear()
    }

    private mutating func clear() {
        refs.removeAll(keepingCapacity: true)
        timestamps.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        sampleSlots.removeAll(keepingCapacity: true)
        outOfOrderRefs.removeAll(keepingCapacity: true)
        outOfOrderTimestamps.removeAll(keepingCapacity: true)
        outOfOrderValues.removeAll(keepingCapacity: true)
        outOfOrderSlots.removeAll(keepingCapacity: true)
        slotFirstOutOfOrder.removeAll(keepingCapacity: true)
        slotSeries.removeAll(keepingCapacity: true)
        slotRefs.removeAll(keepingCapacity: true)
        slotLastT.removeAll(keepingCapacity: true)
        slotLastBits.removeAll(keepingCapacity: true)
        slotFirstSample.removeAll(keepingCapacity: true)
        slotOf.removeAll(keepingCapacity: true)
        lastSlot = -1
    }
}

extension Head {
    /// An appender's pending batch, borrowed for its commit (see `HeadAppender`'s fields).
    struct Batch {
        let refs: [SeriesRef]
        let timestamps: [Int64]
        let values: [Double]
        let sampleSlots: [Int32]
        let outOfOrderRefs: [SeriesRef]
        let outOfOrderTimestamps: [Int64]
        let outOfOrderValues: [Double]
        let outOfOrderSlots: [Int32]
        let slotSeries: [MemSeries]
        let slotRefs: [SeriesRef]
        let slotFirstSample: [Int32]
        let slotFirstOutOfOrder: [Int32]
    }

    /// Buffers a commit sorts samples by stripe in, kept by the appender for their capacity.
    struct CommitScratch {
        var stripeStarts: [Int32] = []
        var order: [Int32] = []
    }

    /// Writes a batch to the WAL and applies it under the commit lock, then waits, outside
    /// the lock, until the WAL is fsynced through the batch (group commit: one fsync covers
    /// every batch written before it, and queriers never wait for a disk). The batch's pins
    /// are released whatever happens.
    func commit(_ batch: Batch, scratch: inout CommitScratch) throws(TSDBError) -> Int {
        var applied = false
        defer { if !applied { unpin(batch.slotSeries, batch.slotRefs) } }
        let (wal, position, wbl, wblPosition, stored) = try commitState.withLock {
            (state: inout CommitState) throws(TSDBError) -> (WALWriter?, UInt64, WALWriter?, UInt64, Int) in
            guard !state.closed else { throw .closed }
            if let failure = state.walFailure ?? state.wal?.failure ?? state.wbl?.failure { throw failure }
            var position: UInt64 = 0, wblPosition: UInt64 = 0
            if let wal = state.wal {
                // `walLogged` is written only under this lock (or by replay, before the head
                // is shared), so reading it here needs no stripe lock.
                var newSeries = [(SeriesRef, Labels)]()
                var newSlots = [Int]()
                for slot in batch.slotSeries.indices where !batch.slotSeries[slot].walLogged {
                    newSeries.append((batch.slotRefs[slot], batch.slotSeries[slot].labels))
                    newSlots.append(slot)
                }
                var records = [[UInt8]]()
                if !newSeries.isEmpty { records.append(WALRecord.encodeSeries(newSeries)) }
                if !batch.refs.isEmpty {
                    records.append(WALRecord.encodeSamples(refs: batch.refs, timestamps: batch.timestamps, values: batch.values))
                }
                do throws(TSDBError) {
                    position = try wal.write(records)
                    // Out-of-order samples go to the write-behind log, after the WAL holds
                    // their series, as upstream's `headAppender.Commit`.
                    if !batch.outOfOrderRefs.isEmpty {
                        wblPosition = try openWBL(&state).write([WALRecord.encodeSamples(
                            refs: batch.outOfOrderRefs, timestamps: batch.outOfOrderTimestamps, values: batch.outOfOrderValues)])
                    }
                } catch {
                    state.walFailure = error
                    throw error
                }
                for slot in newSlots {
                    let s = batch.slotSeries[slot]
                    series.stripe(for: batch.slotRefs[slot]).series.withLock { _ in s.walLogged = true }
                }
            }
            // Applied before it is durable, as upstream: a querier may see a batch whose
            // commit then fails in fsync; the caller is never told it succeeded.
            applied = true
            let stored = apply(batch, scratch: &scratch) + applyOutOfOrder(batch)
            return (state.wal, position, state.wbl, wblPosition, stored)
        }
        try wal?.sync(through: position)
        if wblPosition > 0 { try wbl?.sync(through: wblPosition) }
        return stored
    }

    /// The write-behind log, opened in a new segment after the newest one on first use.
    func openWBL(_ state: inout CommitState) throws(TSDBError) -> WALWriter {
        if let wbl = state.wbl { return wbl }
        guard let directory = state.wblDirectory else { throw .closed }
        try FileIO.makeDirectory(directory)
        let newest = try FileIO.listDirectory(directory).compactMap(WALFormat.segmentIndex).max() ?? -1
        let wbl = try WALWriter(directory: directory, firstSegment: newest + 1, segmentSize: options.walSegmentSize)
        state.wbl = wbl
        return wbl
    }

    /// Inserts a batch's out-of-order samples into their (pinned) series, unpinning those
    /// without in-order samples; returns how many were stored (a timestamp already among a
    /// series' unsorted out-of-order samples is dropped, as upstream).
    func applyOutOfOrder(_ batch: Batch) -> Int {
        guard !batch.outOfOrderRefs.isEmpty else { return 0 }
        var stored = 0
        let capMax = options.outOfOrderCapMax
        for k in batch.outOfOrderRefs.indices {
            let slot = Int(batch.outOfOrderSlots[k])
            let memSeries = batch.slotSeries[slot]
            series.stripe(for: batch.outOfOrderRefs[k]).series.withLock { _ in
                if batch.slotFirstSample[slot] < 0, batch.slotFirstOutOfOrder[slot] == Int32(truncatingIfNeeded: k) {
                    memSeries.pendingAppenders -= 1
                }
                if memSeries.insertOutOfOrder(batch.outOfOrderTimestamps[k], batch.outOfOrderValues[k], capMax: capMax) {
                    stored += 1
                }
            }
        }
        samplesAppendedAtomic.add(stored, ordering: .relaxed)
        outOfOrderAppendedAtomic.add(stored, ordering: .relaxed)
        return stored
    }

    /// Inserts replayed out-of-order samples (from the write-behind log) into their series;
    /// samples of unknown series are dropped.
    func applyOutOfOrder(refs: [SeriesRef], timestamps: [Int64], values: [Double]) {
        var stored = 0
        let capMax = options.outOfOrderCapMax
        for i in refs.indices {
            if series.withSeries(refs[i], { $0.insertOutOfOrder(timestamps[i], values[i], capMax: capMax) }) == true {
                stored += 1
            }
        }
        samplesAppendedAtomic.add(stored, ordering: .relaxed)
        outOfOrderAppendedAtomic.add(stored, ordering: .relaxed)
    }

    /// Unpins series a finished batch had pinned against garbage collection.
    func unpin(_ pinned: [MemSeries], _ refs: [SeriesRef]) {
        for i in pinned.indices {
            let s = pinned[i]
            series.stripe(for: refs[i]).series.withLock { _ in s.pendingAppenders -= 1 }
        }
    }

    /// Appends a batch's samples to its (pinned) series and unpins them, locking each stripe
    /// once: samples are sorted by stripe with a stable counting sort, so each series gets
    /// its samples in batch order. Samples not newer than their series' newest, or older
    /// than `minValidTime` (raised by a truncation since the appender was made), are
    /// dropped. Returns how many were stored.
    func apply(_ batch: Batch, scratch: inout CommitScratch) -> Int {
        let stripes = series.refStripes
        let stripeCount = UInt64(stripes.count)
        let n = batch.refs.count
        scratch.stripeStarts.removeAll(keepingCapacity: true)
        scratch.stripeStarts.append(contentsOf: repeatElement(0, count: stripes.count + 1))
        scratch.order.removeAll(keepingCapacity: true)
        scratch.order.append(contentsOf: repeatElement(0, count: n))
        var stored = 0
        var mint = Int64.max, maxt = Int64.min
        let chunkRange = options.chunkRange, perChunk = options.samplesPerChunk
        let floor = minValidTime
        batch.refs.withUnsafeBufferPointer { refs in
            scratch.stripeStarts.withUnsafeMutableBufferPointer { starts in
                scratch.order.withUnsafeMutableBufferPointer { order in
                    for ref in refs { starts[Int(ref.rawValue % stripeCount) &+ 1] &+= 1 }
                    for s in 1..<starts.count { starts[s] &+= starts[s &- 1] }
                    // `starts[s]` becomes the end of stripe s's run while filling.
                    for i in 0..<n {
                        let s = Int(refs[i].rawValue % stripeCount)
                        order[Int(starts[s])] = Int32(truncatingIfNeeded: i)
                        starts[s] &+= 1
                    }
                    var begin = 0
                    for s in 0..<stripes.count where Int(starts[s]) > begin {
                        let end = Int(starts[s])
                        stripes[s].series.withLock { _ in
                            for k in begin..<end {
                                let i = Int(order[k])
                                let slot = Int(batch.sampleSlots[i])
                                let memSeries = batch.slotSeries[slot]
                                if batch.slotFirstSample[slot] == Int32(truncatingIfNeeded: i) { memSeries.pendingAppenders -= 1 }
                                let t = batch.timestamps[i]
                                if t >= floor, memSeries.append(t, batch.values[i], chunkRange: chunkRange, samplesPerChunk: perChunk) {
                                    stored &+= 1
                                    mint = min(mint, t)
                                    maxt = max(maxt, t)
                                }
                            }
                        }
                        begin = end
                    }
                }
            }
        }
        if stored > 0 {
            extendTimeBounds(mint: mint, maxt: maxt)
            samplesAppendedAtomic.add(stored, ordering: .relaxed)
        }
        return stored
    }

    /// Appends samples to their series, locking each stripe once per batch. Samples not newer
    /// than their series' newest, or older than `minValidTime`, are dropped. Returns how many
    /// were stored.
    func apply(refs: [SeriesRef], timestamps: [Int64], values: [Double]) -> Int {
        let stripeCount = series.refStripes.count
        var byStripe = [Int: [Int]]()
        for i in refs.indices { byStripe[Int(refs[i].rawValue % UInt64(stripeCount)), default: []].append(i) }
        var stored = 0
        var mint = Int64.max, maxt = Int64.min
        let chunkRange = options.chunkRange, perChunk = options.samplesPerChunk
        let floor = minValidTime
        for (stripe, indices) in byStripe {
            series.refStripes[stripe].series.withLock { map in
                for i in indices {
                    let t = timestamps[i]
                    if t >= floor, map[refs[i]]?.append(t, values[i], chunkRange: chunkRange, samplesPerChunk: perChunk) == true {
                        stored += 1
                        mint = min(mint, t)
                        maxt = max(maxt, t)
                    }
                }
            }
        }
        if stored > 0 {
            extendTimeBounds(mint: mint, maxt: maxt)
            samplesAppendedAtomic.add(stored, ordering: .relaxed)
        }
        return stored
    }
}
