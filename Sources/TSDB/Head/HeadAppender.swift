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
    /// This appender in the series its batch holds (`MemSeries.batchOwner`); never 0.
    let id: UInt64
    /// The pending batch; its buffers come from the head's pool and go back to it.
    private var batch: Head.Batch
    private var scratch: Head.CommitScratch
    /// The slot of the previous append: a backfill appends to one series many times in a row.
    private var lastSlot = -1
    /// Samples older than this are out of bounds: half a chunk range behind the head's
    /// newest sample when the appender was made, and never before the head's
    /// `minValidTime` (what is already in blocks), as upstream's `appendableMinValidTime`.
    private let minValidTime: Int64
    /// With an out-of-order time window, the oldest out-of-order sample accepted: the head's
    /// newest sample time when the appender was made minus the window (upstream's
    /// `headMaxt - oooTimeWindow`); `nil` when the window is 0.
    private let outOfOrderMinTime: Int64?
    /// Whether `commit()` waits for the WAL's fsync (`.synced`) or returns once the OS has it.
    private let durability: CommitDurability
    /// Whether start timestamps are kept (`Head.Options.storesStartTimestamps`).
    private let storesStartTimestamps: Bool

    init(head: Head, durability: CommitDurability = .synced) {
        self.head = head
        self.durability = durability
        storesStartTimestamps = head.options.storesStartTimestamps
        id = head.nextAppenderID.wrappingAdd(1, ordering: .relaxed).oldValue
        (batch, scratch) = head.takeAppendBuffers()
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

    deinit {
        // Dropped without `commit()` or `rollback()`: the batch's series are let go.
        if !batch.slots.isEmpty { head.unpin(batch, owner: id) }
        head.recycleAppendBuffers(batch, scratch)
    }

    /// The number of samples waiting for `commit()`.
    package var pendingCount: Int { batch.samples.count + batch.outOfOrderSamples.count }

    /// Adds a sample for the series `labels`, creating the series on first sight.
    ///
    /// - Returns: the series' reference, to pass to `append(_:timestamp:value:)` next time.
    /// - Throws: `TSDBError.emptyLabelSet`, `.outOfBounds`, `.outOfOrderSample`,
    ///   `.duplicateSampleForTimestamp`, `.tooOldSample`. A sample equal to the newest one
    ///   (same timestamp, same value bits) is accepted and ignored, as Prometheus does.
    ///   With an out-of-order time window, older samples within it are accepted.
    @discardableResult
    package mutating func append(_ labels: Labels, timestamp t: Int64, value v: Double,
                                 startTimestamp st: Int64 = 0) throws(TSDBError) -> SeriesRef {
        guard !labels.isEmpty else { throw .emptyLabelSet }
        if outOfOrderMinTime == nil, t < minValidTime {
            head.outOfBoundsRejectedAtomic.add(1, ordering: .relaxed)
            throw .outOfBounds(series: labels, timestamp: t, minValidTime: minValidTime)
        }
        // A series garbage-collected between lookup and append is created again.
        for _ in 0..<3 {
            let ref = head.getOrCreate(labels).ref
            do throws(TSDBError) {
                try append(ref, timestamp: t, value: v, startTimestamp: st)
                return ref
            } catch .unknownSeriesRef {
                continue
            }
        }
        preconditionFailure("BUG: series \(labels) vanished three times while appending")
    }

    /// Adds a sample for a series already known by reference.
    ///
    /// The batch's table of series (one slot per series with a pending sample) is found
    /// without a lookup of its own: the series records its slot for the first appender that
    /// pins it (`MemSeries.batchOwner`); only a series another appender holds too is looked
    /// up in `batch.sharedSlots`.
    ///
    /// `st` is the sample's start timestamp (0: unknown), stored only by a head with
    /// `Options.storesStartTimestamps`.
    ///
    /// - Throws: `TSDBError.unknownSeriesRef` for a reference the head does not hold, or the
    ///   errors of `append(_:timestamp:value:)`.
    package mutating func append(_ ref: SeriesRef, timestamp t: Int64, value v: Double,
                                 startTimestamp st: Int64 = 0) throws(TSDBError) {
        let minValid = minValidTime, outOfOrderMin = outOfOrderMinTime, id = self.id
        let stripe = head.series.stripe(for: ref)
        var slot = -1
        let series: MemSeries
        let verdict: MemSeries.Appendability
        var claimed = false
        if lastSlot >= 0, batch.slots[lastSlot].ref == ref {
            // Pinned by this batch, so still in the map: only its newest sample is needed.
            slot = lastSlot
            series = batch.slots[slot].series
            let pending = (t: batch.slots[slot].lastT, bits: batch.slots[slot].lastBits)
            verdict = stripe.series.withLock { _ in
                // The batch's own newest sample for the series is the latest if it is newer.
                var latest = series.latest
                if pending.t > (latest?.t ?? .min) { latest = pending }
                return MemSeries.appendability(t, v, latest: latest, minValidTime: minValid, outOfOrderMinTime: outOfOrderMin)
            }
        } else {
            let newSlot = Int32(truncatingIfNeeded: batch.slots.count)
            guard let found = stripe.series.withLock({ map -> (MemSeries, Int, MemSeries.Appendability, Bool)? in
                guard let series = map[ref] else { return nil }
                var slot = -1
                if series.batchOwner == id {
                    slot = Int(series.batchSlot)
                } else if !batch.sharedSlots.isEmpty, let shared = batch.sharedSlots[ref] {
                    slot = Int(shared)
                }
                var latest = series.latest
                if slot >= 0, batch.slots[slot].lastT > (latest?.t ?? .min) {
                    latest = (batch.slots[slot].lastT, batch.slots[slot].lastBits)
                }
                let verdict = MemSeries.appendability(t, v, latest: latest, minValidTime: minValid,
                                                      outOfOrderMinTime: outOfOrderMin)
                var claimed = false
                // The first sample of the batch for this series pins it against garbage collection.
                if slot < 0, verdict == .ok || verdict == .outOfOrderAccepted {
                    series.pendingAppenders += 1
                    if series.batchOwner == 0 {
                        series.batchOwner = id
                        series.batchSlot = newSlot
                        claimed = true
                    }
                }
                return (series, slot, verdict, claimed)
            }) else {
                throw .unknownSeriesRef(ref.rawValue)
            }
            series = found.0
            slot = found.1
            verdict = found.2
            claimed = found.3
        }
        switch verdict {
        case .ok: break
        case .outOfOrderAccepted:
            appendOutOfOrder(ref, series, slot: slot, claimed: claimed, timestamp: t, value: v, startTimestamp: st)
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
        let index = Int32(truncatingIfNeeded: batch.samples.count)
        if slot < 0 {
            slot = addSlot(ref, series, claimed: claimed, newest: (t, v.bitPattern), firstSample: index)
        } else {
            if batch.slots[slot].firstSample < 0 { batch.slots[slot].firstSample = index }
            batch.slots[slot].lastT = t
            batch.slots[slot].lastBits = v.bitPattern
        }
        lastSlot = slot
        batch.samples.append(WALRecord.SampleEntry(ref: ref, timestamp: t, value: v,
                                                   startTimestamp: storesStartTimestamps ? st : 0))
        batch.sampleSlots.append(Int32(truncatingIfNeeded: slot))
    }

    /// Adds an accepted out-of-order sample; it does not change the series' newest sample.
    private mutating func appendOutOfOrder(_ ref: SeriesRef, _ series: MemSeries, slot found: Int, claimed: Bool,
                                           timestamp t: Int64, value v: Double, startTimestamp st: Int64) {
        var slot = found
        if slot < 0 {
            slot = addSlot(ref, series, claimed: claimed, newest: series.latest.map { ($0.t, $0.bits) } ?? (.min, 0),
                           firstSample: -1)
        }
        if batch.slots[slot].firstOutOfOrder < 0 {
            batch.slots[slot].firstOutOfOrder = Int32(truncatingIfNeeded: batch.outOfOrderSamples.count)
        }
        lastSlot = slot
        batch.outOfOrderSamples.append(WALRecord.SampleEntry(ref: ref, timestamp: t, value: v,
                                                             startTimestamp: storesStartTimestamps ? st : 0))
        batch.outOfOrderSlots.append(Int32(truncatingIfNeeded: slot))
    }

    /// A new slot in the batch's series table for a series this batch pinned; `claimed`:
    /// the series records the slot (else another appender owns that field, and the slot
    /// goes to `sharedSlots`).
    private mutating func addSlot(_ ref: SeriesRef, _ series: MemSeries, claimed: Bool,
                                  newest: (t: Int64, bits: UInt64), firstSample: Int32) -> Int {
        let slot = batch.slots.count
        batch.slots.append(Head.Batch.Slot(series: series, ref: ref, lastT: newest.t, lastBits: newest.bits,
                                           firstSample: firstSample, firstOutOfOrder: -1))
        if !claimed { batch.sharedSlots[ref] = Int32(truncatingIfNeeded: slot) }
        return slot
    }

    /// Makes the batch durable (WAL written and, for a `.synced` appender, fsynced, if the head
    /// has a WAL) and visible, atomically for queriers. The appender is empty and reusable
    /// afterwards.
    ///
    /// - Returns: the number of samples stored. Fewer than appended only when another
    ///   appender committed newer samples for the same series in between: those samples are
    ///   dropped, as upstream's commit does.
    /// - Throws: `TSDBError.io` if the WAL write fails; nothing of the batch is applied then,
    ///   and every later commit fails with the same error until the head is reopened.
    @discardableResult
    package mutating func commit() throws(TSDBError) -> Int {
        defer { clear() }
        guard !batch.samples.isEmpty || !batch.outOfOrderSamples.isEmpty else { return 0 }
        return try head.commit(batch, owner: id, scratch: &scratch, durability: durability)
    }

    /// Drops the batch. Series it created stay (empty) in the head, as upstream.
    package mutating func rollback() {
        head.unpin(batch, owner: id)
        clear()
    }

    private mutating func clear() {
        batch.clear()
        lastSlot = -1
    }
}

extension Head {
    /// An appender's pending batch, reused across commits and, through the head's pool,
    /// across appenders: its in-order and out-of-order samples (as the WAL record takes
    /// them) with each one's slot in the batch's series table, and that table, one slot per
    /// series with a pending sample.
    struct Batch {
        /// A series with pending samples: the series (pinned against garbage collection
        /// while its slot exists), its ref, its newest pending sample (to check order within
        /// the batch), and the index of its first sample and first out-of-order sample (-1
        /// without; the commit unpins the series at the first of them).
        struct Slot {
            let series: MemSeries
            let ref: SeriesRef
            var lastT: Int64
            var lastBits: UInt64
            var firstSample: Int32
            var firstOutOfOrder: Int32
        }

        var samples: [WALRecord.SampleEntry] = []
        var sampleSlots: [Int32] = []
        var outOfOrderSamples: [WALRecord.SampleEntry] = []
        var outOfOrderSlots: [Int32] = []
        var slots: [Slot] = []
        /// Slots of series whose `MemSeries.batchSlot` another appender holds.
        var sharedSlots: [SeriesRef: Int32] = [:]

        /// Empties the batch, keeping the buffers' capacity.
        mutating func clear() {
            samples.removeAll(keepingCapacity: true)
            sampleSlots.removeAll(keepingCapacity: true)
            outOfOrderSamples.removeAll(keepingCapacity: true)
            outOfOrderSlots.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            if !sharedSlots.isEmpty { sharedSlots.removeAll(keepingCapacity: true) }
        }
    }

    /// Buffers a commit sorts samples by stripe in, kept by the appender for their capacity.
    struct CommitScratch {
        var stripeStarts: [Int32] = []
        var order: [Int32] = []
    }

    /// Writes a batch to the WAL and applies it under the commit lock, then, for a `.synced`
    /// commit, waits outside the lock until the WAL is fsynced through the batch (group
    /// commit: one fsync covers every batch written before it, and queriers never wait for a
    /// disk). The batch's pins are released whatever happens.
    func commit(
        _ batch: Batch, owner: UInt64, scratch: inout CommitScratch, durability: CommitDurability
    ) throws(TSDBError) -> Int {
        var applied = false
        defer { if !applied { unpin(batch, owner: owner) } }
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
                for slot in batch.slots.indices where !batch.slots[slot].series.walLogged {
                    newSeries.append((batch.slots[slot].ref, batch.slots[slot].series.labels))
                    newSlots.append(slot)
                }
                var records = [[UInt8]]()
                if !newSeries.isEmpty { records.append(WALRecord.encodeSeries(newSeries)) }
                if !batch.samples.isEmpty { records.append(WALRecord.encodeSamples(batch.samples)) }
                do throws(TSDBError) {
                    position = try wal.write(records)
                    // Out-of-order samples go to the write-behind log, after the WAL holds
                    // their series, as upstream's `headAppender.Commit`.
                    if !batch.outOfOrderSamples.isEmpty {
                        wblPosition = try openWBL(&state).write([WALRecord.encodeSamples(batch.outOfOrderSamples)])
                    }
                } catch {
                    state.walFailure = error
                    throw error
                }
                for slot in newSlots {
                    let s = batch.slots[slot].series
                    series.stripe(for: batch.slots[slot].ref).series.withLock { _ in s.walLogged = true }
                }
            }
            // Applied before it is durable, as upstream: a querier may see a batch whose
            // commit then fails in fsync; the caller is never told it succeeded.
            applied = true
            let stored = apply(batch, owner: owner, scratch: &scratch) + applyOutOfOrder(batch, owner: owner)
            return (state.wal, position, state.wbl, wblPosition, stored)
        }
        guard durability == .synced else { return stored }
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
        let wbl = try WALWriter(directory: directory, firstSegment: newest + 1, segmentSize: options.walSegmentSize,
                                compresses: options.walCompression)
        state.wbl = wbl
        return wbl
    }

    /// Inserts a batch's out-of-order samples into their (pinned) series, unpinning those
    /// without in-order samples; returns how many were stored (a timestamp already among a
    /// series' unsorted out-of-order samples is dropped, as upstream).
    func applyOutOfOrder(_ batch: Batch, owner: UInt64) -> Int {
        guard !batch.outOfOrderSamples.isEmpty else { return 0 }
        var stored = 0
        let capMax = options.outOfOrderCapMax
        for k in batch.outOfOrderSamples.indices {
            let sample = batch.outOfOrderSamples[k]
            let slot = batch.slots[Int(batch.outOfOrderSlots[k])]
            series.stripe(for: sample.ref).series.withLock { _ in
                if slot.firstSample < 0, slot.firstOutOfOrder == Int32(truncatingIfNeeded: k) {
                    slot.series.unpin(by: owner)
                }
                if slot.series.insertOutOfOrder(sample.timestamp, sample.value, startTimestamp: sample.startTimestamp, capMax: capMax) {
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
    func applyOutOfOrder(_ entries: [WALRecord.SampleEntry]) {
        var stored = 0
        let capMax = options.outOfOrderCapMax, withStartTimestamps = options.storesStartTimestamps
        for entry in entries {
            if series.withSeries(entry.ref, {
                $0.insertOutOfOrder(entry.timestamp, entry.value, startTimestamp: withStartTimestamps ? entry.startTimestamp : 0,
                                    capMax: capMax)
            }) == true {
                stored += 1
            }
        }
        samplesAppendedAtomic.add(stored, ordering: .relaxed)
        outOfOrderAppendedAtomic.add(stored, ordering: .relaxed)
    }

    /// Unpins series a finished batch had pinned against garbage collection.
    func unpin(_ batch: Batch, owner: UInt64) {
        for slot in batch.slots {
            series.stripe(for: slot.ref).series.withLock { _ in slot.series.unpin(by: owner) }
        }
    }

    /// Appends a batch's samples to its (pinned) series and unpins them, locking each stripe
    /// once: samples are sorted by stripe with a stable counting sort, so each series gets
    /// its samples in batch order. Samples not newer than their series' newest, or older
    /// than `minValidTime` (raised by a truncation since the appender was made), are
    /// dropped. Returns how many were stored.
    func apply(_ batch: Batch, owner: UInt64, scratch: inout CommitScratch) -> Int {
        let stripes = series.refStripes
        let mask = series.mask
        let n = batch.samples.count
        scratch.stripeStarts.removeAll(keepingCapacity: true)
        scratch.stripeStarts.append(contentsOf: repeatElement(0, count: stripes.count + 1))
        scratch.order.removeAll(keepingCapacity: true)
        scratch.order.append(contentsOf: repeatElement(0, count: n))
        var stored = 0
        var mint = Int64.max, maxt = Int64.min
        let chunkRange = options.chunkRange, perChunk = options.samplesPerChunk
        let floor = minValidTime, withStartTimestamps = options.storesStartTimestamps
        batch.samples.withUnsafeBufferPointer { samples in
            batch.sampleSlots.withUnsafeBufferPointer { sampleSlots in
                batch.slots.withUnsafeBufferPointer { slots in
                    scratch.stripeStarts.withUnsafeMutableBufferPointer { starts in
                        scratch.order.withUnsafeMutableBufferPointer { order in
                            for sample in samples { starts[Int(truncatingIfNeeded: sample.ref.rawValue & mask) &+ 1] &+= 1 }
                            for s in 1..<starts.count { starts[s] &+= starts[s &- 1] }
                            // `starts[s]` becomes the end of stripe s's run while filling.
                            for i in 0..<n {
                                let s = Int(truncatingIfNeeded: samples[i].ref.rawValue & mask)
                                order[Int(starts[s])] = Int32(truncatingIfNeeded: i)
                                starts[s] &+= 1
                            }
                            var begin = 0
                            for s in 0..<stripes.count where Int(starts[s]) > begin {
                                let end = Int(starts[s])
                                stripes[s].series.withLock { _ in
                                    for k in begin..<end {
                                        let i = Int(order[k])
                                        let slot = Int(sampleSlots[i])
                                        let memSeries = slots[slot].series
                                        if slots[slot].firstSample == Int32(truncatingIfNeeded: i) { memSeries.unpin(by: owner) }
                                        let t = samples[i].timestamp
                                        if t >= floor,
                                           memSeries.append(t, samples[i].value, startTimestamp: samples[i].startTimestamp,
                                                            chunkRange: chunkRange, samplesPerChunk: perChunk,
                                                            storesStartTimestamps: withStartTimestamps) {
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
            }
        }
        if stored > 0 {
            extendTimeBounds(mint: mint, maxt: maxt)
            samplesAppendedAtomic.add(stored, ordering: .relaxed)
        }
        return stored
    }

    /// Appends replayed samples to their series, locking each stripe once per batch. Samples
    /// not newer than their series' newest, or older than `minValidTime`, are dropped.
    /// Returns how many were stored.
    func apply(_ entries: [WALRecord.SampleEntry]) -> Int {
        var byStripe = [Int: [Int]]()
        for i in entries.indices { byStripe[series.stripeIndex(of: entries[i].ref), default: []].append(i) }
        var stored = 0
        var mint = Int64.max, maxt = Int64.min
        let chunkRange = options.chunkRange, perChunk = options.samplesPerChunk
        let floor = minValidTime, withStartTimestamps = options.storesStartTimestamps
        for (stripe, indices) in byStripe {
            series.refStripes[stripe].series.withLock { map in
                for i in indices {
                    let entry = entries[i]
                    let t = entry.timestamp
                    if t >= floor, map[entry.ref]?.append(t, entry.value,
                                                          startTimestamp: withStartTimestamps ? entry.startTimestamp : 0,
                                                          chunkRange: chunkRange, samplesPerChunk: perChunk,
                                                          storesStartTimestamps: withStartTimestamps) == true {
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
