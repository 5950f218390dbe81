import Model
import Synchronization
import Testing

@testable import TSDB
import PharosTestSupport

/// How appenders find their batch's series (`MemSeries.batchOwner`, `Batch.sharedSlots`) and
/// how the head stores series by ref (`SeriesSlots`).
@Suite struct HeadAppenderSlotTests {
    let a = Labels(["__name__": "m", "k": "a"])
    let b = Labels(["__name__": "m", "k": "b"])

    /// Two appenders holding the same series each judge its samples against their own pending
    /// ones: the second one's table slot is not in the series (the first owns that field).
    @Test func appendersSharingASeriesCheckTheirOwnPendingSamples() throws {
        let head = Head()
        var setup = head.appender()
        let refA = try setup.append(a, timestamp: 10, value: 1)
        let refB = try setup.append(b, timestamp: 10, value: 1)
        try setup.commit()

        var first = head.appender(), second = head.appender()
        try first.append(refA, timestamp: 20, value: 2)
        try second.append(refA, timestamp: 30, value: 3)
        try second.append(refB, timestamp: 30, value: 3)
        // Back to refA in `second`: found through its shared slots, not the series' field.
        #expect(throws: TSDBError.duplicateSampleForTimestamp(series: a, timestamp: 30)) {
            try second.append(refA, timestamp: 30, value: 4)
        }
        try second.append(refA, timestamp: 30, value: 3)  // the same sample again: ignored
        #expect(throws: TSDBError.outOfOrderSample(series: a, timestamp: 25, latest: 30)) {
            try second.append(refA, timestamp: 25, value: 4)
        }
        try first.append(refB, timestamp: 20, value: 2)
        #expect(throws: TSDBError.outOfOrderSample(series: a, timestamp: 15, latest: 20)) {
            try first.append(refA, timestamp: 15, value: 4)
        }
        try first.append(refA, timestamp: 40, value: 4)
        #expect(second.pendingCount == 2)
        #expect(try second.commit() == 2)
        // `first`'s samples at 20 are older than what `second` committed: dropped at commit.
        #expect(try first.commit() == 1)
        let stored = try readAll(head.querier(), [matcher(.equal, "__name__", "m")])
        #expect(stored.map { $0.1.map(\.0) } == [[10, 30, 40], [10, 30]])

        // Both batches let go of their series: an appender now owns them afresh.
        var third = head.appender()
        try third.append(refA, timestamp: 50, value: 5)
        #expect(throws: TSDBError.duplicateSampleForTimestamp(series: a, timestamp: 50)) {
            try third.append(refB, timestamp: 50, value: 5)
            try third.append(refA, timestamp: 50, value: 6)
        }
        third.rollback()
    }

    /// An appender dropped without `commit()` or `rollback()` unpins its series, so they can
    /// be collected; a finished appender gives its emptied buffers to the next one.
    @Test func aDroppedAppenderReleasesItsSeries() throws {
        let head = Head()
        do {
            var app = head.appender()
            try app.append(a, timestamp: 10, value: 1)
            #expect(head.collectEmptySeries() == 0)
        }
        #expect(head.collectEmptySeries() == 1)
        #expect(head.appendBufferPool.withLock { $0.count } == 0)  // dropped with samples: not reused
        do {
            var app = head.appender()
            try app.append(a, timestamp: 10, value: 1)
            #expect(try app.commit() == 1)
        }
        #expect(head.appendBufferPool.withLock { $0.count } == 1)
        var app = head.appender()
        #expect(head.appendBufferPool.withLock { $0.count } == 0)
        try app.append(b, timestamp: 10, value: 1)
        try app.append(a, timestamp: 20, value: 2)
        #expect(try app.commit() == 2)
    }

    @Test func slotsHoldSeriesByRefAndGiveBackLeadingHoles() {
        var slots = SeriesSlots(shift: 2, stripe: 1)
        let refs = stride(from: 1, through: 4 * 100 + 1, by: 4).map { SeriesRef(rawValue: UInt64($0)) }
        for ref in refs { slots.insert(MemSeries(labels: Labels(["r": String(ref.rawValue)])), at: ref) }
        #expect(slots.count == refs.count)
        #expect(slots[refs[7]]?.labels == Labels(["r": String(refs[7].rawValue)]))
        #expect(slots[SeriesRef(rawValue: 1 + 4 * 500)] == nil)
        #expect(Array(slots.all.map(\.ref)) == refs)
        for ref in refs.prefix(80) {
            let removed = slots.remove(ref)
            #expect(removed)
        }
        let removedAgain = slots.remove(refs[0])
        #expect(!removedAgain)
        #expect(slots.count == refs.count - 80)
        #expect(Array(slots.all.map(\.ref)) == Array(refs.dropFirst(80)))
        #expect(slots[refs[80]] != nil && slots[refs[0]] == nil)
        // A lower ref (replay) fits before the held ones; far-off refs are refused.
        #expect(slots.accepts(refs[3]))
        slots.insert(MemSeries(labels: Labels(["r": "3"])), at: refs[3])
        #expect(slots[refs[3]]?.labels == Labels(["r": "3"]))
        #expect(!slots.accepts(refs[3]))
        #expect(!slots.accepts(SeriesRef(rawValue: 1 + 4 * (200 + SeriesSlots.maxGap * 2))))
        for ref in refs where slots[ref] != nil { slots.remove(ref) }
        #expect(slots.count == 0 && Array(slots.all).isEmpty)
    }

    @Test func hashRefsKeepCollidingSeriesThroughRemovals() {
        var refs = SeriesStripes.HashRefs()
        let r = (1...3).map { SeriesRef(rawValue: $0) }
        for ref in r { refs.add(ref, 42) }
        refs.add(SeriesRef(rawValue: 9), 7)
        #expect(refs.ref(42) { $0 == r[2] } == r[2])
        #expect(refs.ref(42) { $0.rawValue == 9 } == nil)
        refs.remove(r[0], 42)
        #expect(refs.ref(42) { _ in true } == r[1])
        #expect(refs.ref(42) { $0 == r[2] } == r[2])
        refs.remove(r[2], 42)
        #expect(refs.ref(42) { $0 == r[2] } == nil)
        refs.remove(r[1], 42)
        #expect(refs.ref(42) { _ in true } == nil)
        #expect(refs.collisions.isEmpty && refs.first.count == 1)
    }

    /// Replay takes the WAL's refs, except one so far off that storing it densely would
    /// allocate without bound: that series gets a new ref, and its samples follow it.
    @Test func aFarOffReplayedRefGetsANewOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try WALWriter(directory: directory.path + "/wal", firstSegment: 0)
        let far = SeriesRef(rawValue: 1 << 40)
        try writer.log([
            WALRecord.encodeSeries([(SeriesRef(rawValue: 1), a), (far, b)]),
            WALRecord.encodeSamples(refs: [SeriesRef(rawValue: 1), far], timestamps: [10, 10], values: [1, 2]),
        ])
        try writer.close()
        let head = try Head.open(directory: directory.path)
        let stored = try readAll(head.querier(), [matcher(.equal, "__name__", "m")])
        #expect(stored.map(\.0) == [a, b])
        #expect(stored.map { $0.1.map(\.1) } == [[Double(1).bitPattern], [Double(2).bitPattern]])
        var app = head.appender()
        let ref = try app.append(Labels(["__name__": "m", "k": "c"]), timestamp: 20, value: 3)
        #expect(ref.rawValue < 100)
        try app.commit()
        try head.close()
    }
}
