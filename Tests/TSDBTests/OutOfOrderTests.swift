import Foundation
import Model
import PharosTestSupport
import Testing

@testable import TSDB

/// Out-of-order ingestion (`storage.tsdb.out_of_order_time_window`): refused by name without a
/// window; accepted within it into per-series out-of-order chunks, written to the
/// write-behind log (`wbl/`), merged by queriers, compacted into blocks.
@Suite struct OutOfOrderTests {
    let labels = Labels(["__name__": "ooo", "i": "0"])
    static let minute: Int64 = 60_000

    /// Appends `(t, v)` samples to `labels`, each in its own batch; returns the errors.
    func append(_ samples: [(Int64, Double)], to head: Head, labels: Labels? = nil) -> [TSDBError?] {
        samples.map { t, v in
            var app = head.appender()
            do throws(TSDBError) {
                try app.append(labels ?? self.labels, timestamp: t, value: v)
                try app.commit()
                return nil
            } catch {
                return error
            }
        }
    }

    /// Database options (2 h blocks only, no retention) with a 4 h out-of-order time window.
    static var fourHourWindow: DB.Options {
        var options = DB.Options.twoHourBlocksOnly
        options.head.outOfOrderTimeWindow = 4 * DBTestData.hour
        return options
    }

    /// Head options with a 1 h out-of-order time window.
    static var hourWindow: Head.Options {
        var options = Head.Options()
        options.outOfOrderTimeWindow = 60 * minute
        return options
    }

    /// Opens a head in `directory` (1 h window), appends a sample at 100 minutes, then
    /// `count` samples each a second older, one batch each, and closes it; returns the errors.
    static func writeNewestThenOlder(_ count: Int, into directory: String) throws -> [TSDBError?] {
        let head = try Head.open(directory: directory, options: hourWindow)
        var samples: [(Int64, Double)] = [(100 * minute, 1)]
        for k in 1...count { samples.append((100 * minute - Int64(k) * 1000, Double(k))) }
        let errors = OutOfOrderTests().append(samples, to: head)
        try head.close()
        return errors
    }

    func timestamps(_ querier: some Querier, mint: Int64 = .min, maxt: Int64 = .max) throws -> [Int64] {
        try readAll(querier, [matcher(.equal, "__name__", "ooo")], mint: mint, maxt: maxt).flatMap { $0.1.map(\.0) }
    }

    @Test func withoutAWindowOutOfOrderAndDuplicatesAreRefusedNamingSeriesAndTimes() throws {
        let head = Head()
        let errors = append([(1000, 1), (500, 2), (1000, 3), (1000, 1)], to: head)
        #expect(errors[0] == nil)
        #expect(errors[1] == .outOfOrderSample(series: labels, timestamp: 500, latest: 1000))
        #expect(errors[2] == .duplicateSampleForTimestamp(series: labels, timestamp: 1000))
        #expect(errors[3] == nil, "the same sample again is accepted and ignored")
        let message = "\(errors[1]!)"
        #expect(message.contains("ooo") && message.contains("500") && message.contains("1000"), "\(message)")
        #expect(head.rejectedSamples.outOfOrder == 1)
        #expect(head.outOfOrderSamplesAppended == 0)
        #expect(try timestamps(head.querier()) == [1000])
    }

    @Test func withinTheWindowSamplesAreAcceptedAndQueriedInOrder() throws {
        var options = Head.Options()
        options.outOfOrderTimeWindow = 10 * Self.minute
        options.outOfOrderCapMax = 4  // several out-of-order chunks
        let head = Head(options: options)
        let newest = 100 * Self.minute
        #expect(append([(newest, 0)], to: head) == [nil])
        // Older samples in shuffled order, all within 10 minutes of the newest.
        var rng = SeededGenerator(seed: 7)
        let older = (1...40).map { newest - Int64($0) * 15_000 }.shuffled(using: &rng)
        #expect(append(older.map { ($0, Double($0)) }, to: head).allSatisfy { $0 == nil })
        #expect(head.outOfOrderSamplesAppended == 40)
        let expected = (older + [newest]).sorted()
        #expect(try timestamps(head.querier()) == expected)
        // A range inside the out-of-order data, and values.
        #expect(try timestamps(head.querier(), mint: newest - 5 * Self.minute, maxt: newest - Self.minute)
            == expected.filter { $0 >= newest - 5 * Self.minute && $0 <= newest - Self.minute })
        let values = try readAll(head.querier(), [matcher(.equal, "__name__", "ooo")])[0].1
        #expect(values.dropLast().allSatisfy { Double(bitPattern: $0.1) == Double($0.0) })
        // In-order appends go on after out-of-order ones.
        #expect(append([(newest + 1000, 1)], to: head) == [nil])
        #expect(try timestamps(head.querier()).last == newest + 1000)
        #expect(head.maxTime == newest + 1000, "out-of-order samples do not move the head's bounds")
        #expect(head.minTime == newest)
    }

    @Test func outsideTheWindowSamplesAreTooOldAndDuplicatesStayRefused() throws {
        var options = Head.Options()
        options.outOfOrderTimeWindow = 10 * Self.minute
        let head = Head(options: options)
        let newest = 100 * Self.minute
        let errors = append([(newest, 0), (newest - 11 * Self.minute, 1), (newest, 5), (newest - Self.minute, 2),
                             (newest - Self.minute, 3)], to: head)
        #expect(errors[0] == nil)
        #expect(errors[1] == .tooOldSample(series: labels, timestamp: newest - 11 * Self.minute, oldest: newest - 10 * Self.minute))
        #expect("\(errors[1]!)".contains("too old sample"))
        #expect(errors[2] == .duplicateSampleForTimestamp(series: labels, timestamp: newest))
        #expect(errors[3] == nil)
        #expect(errors[4] == nil, "a second out-of-order sample at the same time is dropped, not an error (as upstream)")
        #expect(head.rejectedSamples.tooOld == 1 && head.rejectedSamples.outOfOrder == 0)
        let samples = try readAll(head.querier(), [matcher(.equal, "__name__", "ooo")])[0].1
        #expect(samples.map(\.0) == [newest - Self.minute, newest])
        #expect(samples[0].1 == Double(2).bitPattern, "the first sample at a timestamp is kept")
        #expect(head.outOfOrderSamplesAppended == 1)
    }

    @Test func aBatchMixingInOrderAndOutOfOrderSamplesCommitsBoth() throws {
        var options = Head.Options()
        options.outOfOrderTimeWindow = Self.minute * 60
        let head = Head(options: options)
        var app = head.appender()
        let ref = try app.append(labels, timestamp: 10_000, value: 1)
        try app.append(ref, timestamp: 5_000, value: 2)  // older than the batch's own newest
        let other = try app.append(Labels(["__name__": "ooo", "i": "1"]), timestamp: 7_000, value: 3)
        try app.append(other, timestamp: 6_000, value: 4)
        #expect(app.pendingCount == 4)
        #expect(try app.commit() == 4)
        #expect(try readAll(head.querier(), [matcher(.equal, "__name__", "ooo")]).map { $0.1.map(\.0) }
            == [[5_000, 10_000], [6_000, 7_000]])
        // Rolled back out-of-order samples leave nothing, and their series can be collected.
        var again = head.appender()
        try again.append(Labels(["__name__": "gone"]), timestamp: 1_000, value: 1)
        again.rollback()
        #expect(head.collectEmptySeries() == 1)
    }

    @Test func theWindowCanBeSwitchedAtRunTime() throws {
        let head = Head()
        #expect(append([(60_000, 1)], to: head) == [nil])
        #expect(append([(30_000, 1)], to: head)[0] == .outOfOrderSample(series: labels, timestamp: 30_000, latest: 60_000))
        head.setOutOfOrderTimeWindow(Self.minute)
        #expect(append([(30_000, 1)], to: head) == [nil])
        head.setOutOfOrderTimeWindow(0)
        #expect(append([(40_000, 1)], to: head)[0] == .outOfOrderSample(series: labels, timestamp: 40_000, latest: 60_000))
        #expect(try timestamps(head.querier()) == [30_000, 60_000])
    }

    /// Out-of-order samples go to `wbl/` (the WAL keeps in-order ones and the series), and a
    /// reopened head replays both; Prometheus's layout.
    @Test func outOfOrderSamplesSurviveReopeningThroughTheWriteBehindLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let options = Self.hourWindow
        #expect(try Self.writeNewestThenOlder(50, into: directory.path).allSatisfy { $0 == nil })
        let wbl = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/wbl")
        #expect(wbl == ["00000000"])
        // The WBL holds exactly the out-of-order samples, as samples records.
        var recorded = [WALRecord]()
        _ = WALSegmentReader.records(in: try FileIO.readFile(directory.path + "/wbl/00000000"), segment: 0) { record in
            if let decoded = try? WALRecord.decode(record) { recorded.append(decoded) }
        }
        #expect(recorded.count == 50)
        #expect(recorded.allSatisfy { if case .samples(let s) = $0 { s.count == 1 } else { false } })

        let reopened = try Head.open(directory: directory.path, options: options)
        #expect(try timestamps(reopened.querier()) == (0...50).map { 100 * Self.minute - Int64(50 - $0) * 1000 })
        #expect(reopened.outOfOrderSamplesAppended == 50)
        // New out-of-order samples go to a new segment after the replayed ones.
        #expect(append([(100 * Self.minute - 100_000, 7)], to: reopened) == [nil])
        try reopened.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/wbl").sorted() == ["00000000", "00000001"])
        let third = try Head.open(directory: directory.path, options: options)
        #expect(try timestamps(third.querier()).count == 52)
        try third.close()
    }

    /// A torn write-behind log is repaired like the WAL: everything before the damage stays.
    @Test func aTornWriteBehindLogKeepsWhatCameBefore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let options = Self.hourWindow
        _ = try Self.writeNewestThenOlder(10, into: directory.path)
        let path = directory.path + "/wbl/00000000"
        let bytes = try FileIO.readFile(path)
        try FileIO.truncateFile(path, to: bytes.count - 3)
        let reopened = try Head.open(directory: directory.path, options: options)
        #expect(try timestamps(reopened.querier()).count == 10, "the last out-of-order sample was torn")
        #expect(reopened.walRepairs == 1)
        try reopened.close()
    }

    /// Compaction writes out-of-order samples as blocks marked `from-out-of-order`, in
    /// aligned 2 h windows, possibly overlapping blocks cut from the head; the planner then
    /// merges the overlapping blocks. Every sample is served exactly once throughout and after
    /// reopening, the write-behind log's compacted segments are gone, and `promtool` reads the
    /// result.
    @Test func compactionWritesOutOfOrderBlocksAndMergesOverlaps() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let options = Self.fourHourWindow
        let db = try DB.open(directory: directory.path, options: options)
        let data = DBTestData(from: 0, to: 5 * DBTestData.hour)
        // In order: every even minute; then out of order: every odd minute, newest first, so
        // they fall both into time already cut into blocks and into the head's range.
        let even = DBTestData(from: 0, to: 5 * DBTestData.hour, step: 120_000)
        try even.append(to: db)
        try db.compact()
        #expect(db.blocks.count == 1 && db.blocks[0].maxTime == 2 * DBTestData.hour)
        var app = db.appender()
        for t in stride(from: 5 * DBTestData.hour - 60_000, to: DBTestData.hour, by: -120_000) {
            for k in 0..<3 { try app.append(data.labels(k), timestamp: t, value: Double(t) + Double(k)) }
        }
        try app.commit()
        // The first (5 h - 1 min) is newer than the newest even minute: in order.
        #expect(db.stats.headOutOfOrderSamplesAppended == 3 * 119)
        #expect(try data.mismatch(in: db, from: DBTestData.hour) == nil)
        #expect(FileManager.default.fileExists(atPath: directory.path + "/wbl/00000000"))

        // Appending moves the head on so it is cut again, and the out-of-order samples go too.
        let later = DBTestData(from: 5 * DBTestData.hour, to: 6 * DBTestData.hour, step: 60_000)
        try later.append(to: db)
        try db.compact()
        // [0, 2 h) and [2 h, 4 h) merged with the out-of-order blocks of the same ranges;
        // [4 h, 6 h) of out-of-order samples only, beside the head.
        #expect(db.blocks.map { [$0.minTime, $0.maxTime] } == [[0, 2], [2, 4], [4, 6]].map { $0.map { $0 * DBTestData.hour } })
        #expect(db.blocks.map(\.meta.isFromOutOfOrder) == [false, false, true])
        #expect(db.blocks.map(\.meta.compactionLevel) == [2, 2, 1])
        #expect(CompactionPlanner.overlapping(db.blocks.map(\.meta).sorted { $0.minTime < $1.minTime }).isEmpty,
                "overlapping blocks are merged")
        let full = DBTestData(from: 0, to: 6 * DBTestData.hour)
        #expect(try full.mismatch(in: db, from: DBTestData.hour) == nil)
        #expect(try full.mismatch(in: db) != nil, "odd minutes before 1 h were never appended")
        let wblSegments = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/wbl")
        #expect(!wblSegments.contains("00000000"), "the compacted write-behind-log segment is deleted: \(wblSegments)")
        try db.close()

        let reopened = try DB.open(directory: directory.path, options: options)
        #expect(try full.mismatch(in: reopened, from: DBTestData.hour) == nil)
        #expect(reopened.head.minValidTime == 4 * DBTestData.hour)
        try reopened.close()

        // promtool reads the blocks, merged or not, and agrees on every sample in them: all
        // of [0, 4 h) and the out-of-order block's odd minutes after 4 h. (Its read-only open,
        // unlike Prometheus's server, starts the head after the newest block even if that one
        // holds out-of-order samples, so it leaves out the WAL's samples before 6 h.)
        if executableExists("promtool") {
            let theirs = try DumpLine.promtoolDump(directory.path)
            let expected = full.timestamps.filter { ($0 >= DBTestData.hour || $0 % 120_000 == 0) && $0 < 4 * DBTestData.hour }
                + full.timestamps.filter { $0 >= 4 * DBTestData.hour && $0 < 5 * DBTestData.hour - 2 * 60_000 && $0 % 120_000 != 0 }
            #expect(theirs.count == 3)
            for (labels, samples) in theirs {
                #expect(samples.map(\.0) == expected, "\(labels): promtool dumped \(samples.count) samples")
            }
        }
    }

    /// A block written from out-of-order samples does not tell where the head begins: opening
    /// the database must not drop WAL samples after an out-of-order block's end.
    @Test func reopeningDoesNotTakeAnOutOfOrderBlockForTheHeadsStart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let options = Self.fourHourWindow
        let db = try DB.open(directory: directory.path, options: options)
        let data = DBTestData(from: 0, to: 30 * 60_000, step: 60_000)
        try data.append(to: db)
        var app = db.appender()
        for k in 0..<3 { try app.append(data.labels(k), timestamp: -DBTestData.hour, value: Double(-DBTestData.hour) + Double(k)) }
        try app.commit()
        try db.compactOutOfOrderHead()
        #expect(db.blocks.count == 1 && db.blocks[0].meta.isFromOutOfOrder && db.blocks[0].maxTime == 0)
        try db.close()
        let reopened = try DB.open(directory: directory.path, options: options)
        #expect(try data.mismatch(in: reopened, from: 0) == nil)
        #expect(reopened.head.minValidTime == .min)
        try reopened.close()
    }

    @Test func metaJSONCarriesTheOutOfOrderHint() throws {
        var meta = BlockMeta(ulid: ULID.make(milliseconds: 1), minTime: 0, maxTime: 7_200_000, numSamples: 1, numSeries: 1,
                             numChunks: 1)
        meta.hints = [BlockMeta.fromOutOfOrder]
        #expect(meta.json.contains("\"hints\": [\n\t\t\t\"from-out-of-order\"\n\t\t]"))
        let parsed = try BlockMeta(json: meta.json, path: "meta.json")
        #expect(parsed == meta && parsed.isFromOutOfOrder)
        meta.hints = []
        #expect(!meta.json.contains("hints"))
    }
}
