import Foundation
import Model
import Synchronization
import Testing

@testable import TSDB

@Suite struct DBTests {
    @Test func aSecondOpenOfTheSameDirectoryFailsNamingIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try DB.open(directory: directory.path)
        #expect(throws: TSDBError.locked(directory: directory.path)) { try DB.open(directory: directory.path) }
        #expect(TSDBError.locked(directory: directory.path).description.contains(directory.path))
        try db.close()
        let again = try DB.open(directory: directory.path)
        try again.close()
    }

    @Test func reopeningKeepsEverySample() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 90 * 60_000)
        let db = try DB.open(directory: directory.path)
        try data.append(to: db)
        try db.close()
        let reopened = try DB.open(directory: directory.path)
        #expect(try data.mismatch(in: reopened) == nil)
        #expect(reopened.stats.headSeries == 3)
        try reopened.close()
    }

    @Test func samplesAppendedThroughSampleAppendableAreQueryable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try DB.open(directory: directory.path)
        let sink: any SampleAppendable = db
        var app = sink.makeAppender()
        let ref = try app.append(ref: 0, labels: Labels(["__name__": "up"]), timestamp: 10, value: 1)
        #expect(try app.append(ref: ref, labels: Labels(["__name__": "up"]), timestamp: 20, value: 2) == ref)
        #expect(try app.commitBatch() == 2)
        #expect(try readAll(db.querier(mint: 0, maxt: 15), [matcher(.equal, "__name__", "up")]).first?.1.map(\.0) == [10])
        try db.close()
    }

    @Test func compactionCutsTheHeadIntoBlocksAndQueriesSeeEverySampleOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 8 * DBTestData.hour)
        let db = try data.compactedDatabase(in: directory.path)
        // 8 h of head: [0,2h), [2h,4h), [4h,6h) are cut; 6h..8h stays (not over 3 h).
        let blocks = db.blocks
        #expect(blocks.map(\.minTime) == [0, 2, 4].map { $0 * DBTestData.hour })
        #expect(blocks.map(\.maxTime) == [2, 4, 6].map { $0 * DBTestData.hour })
        #expect(blocks.allSatisfy { $0.meta.compactionLevel == 1 && $0.meta.numSeries == 3 && $0.meta.numSamples == 360 })
        #expect(db.head.minTime == 6 * DBTestData.hour)
        #expect(try data.mismatch(in: db) == nil)
        let stats = db.stats
        #expect(stats.blocksLoaded == 3 && stats.compactions == 3 && stats.headTruncations == 3 && stats.checkpoints == 1)
        #expect(stats.headSeries == 3 && stats.compactionsFailed == 0)
        // Time before the head's new minimum is in blocks: appends there are out of bounds.
        var app = db.appender()
        #expect(throws: TSDBError.outOfBounds(series: data.labels(0), timestamp: 6 * DBTestData.hour - 1,
                                              minValidTime: 7 * DBTestData.hour + 59 * 60_000 - DBTestData.hour)) {
            try app.append(data.labels(0), timestamp: 6 * DBTestData.hour - 1, value: 0)
        }
        // Nothing more is due.
        try db.compact()
        #expect(db.blocks.count == 3)
        try db.close()
    }

    @Test func runCompactsUntilCancelled() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try DB.open(directory: directory.path, options: .twoHourBlocksOnly)
        try DBTestData(to: 8 * DBTestData.hour).append(to: db)
        let loop = Task { await db.run(interval: .milliseconds(5)) }
        // Wait for the loop to compact; generous, since parallel tests may hold every thread
        // of the pool for a while.
        for _ in 0..<30000 where db.blocks.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
        loop.cancel()
        await loop.value
        #expect(db.blocks.count == 3)
        try db.close()
    }

    @Test func theWALAfterACheckpointReplaysToTheSameData() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(seriesCount: 30, to: 8 * DBTestData.hour)
        var options = DB.Options.twoHourBlocksOnly
        options.head.walSegmentSize = 64 * 1024  // several segments to checkpoint
        options.head.walCompression = false  // sized for plain records
        let db = try DB.open(directory: directory.path, options: options)
        try data.append(to: db)
        let segmentsBefore = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/wal").compactMap(WALFormat.segmentIndex)
        #expect(segmentsBefore.count > 2)
        try db.compact()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/wal")
        let checkpoint = try #require(names.compactMap(WALFormat.checkpointIndex).max())
        #expect(names.compactMap(WALFormat.checkpointIndex).count == 1)
        #expect(names.compactMap(WALFormat.segmentIndex).allSatisfy { $0 > checkpoint }, "\(names)")
        #expect(!names.contains { $0.hasSuffix(".tmp") })
        let headMin = db.head.minTime
        try db.close()

        let reopened = try DB.open(directory: directory.path, options: options)
        #expect(try data.mismatch(in: reopened) == nil)
        #expect(reopened.head.minTime == headMin)
        #expect(reopened.head.minValidTime == 6 * DBTestData.hour)
        // More data, a second compaction: the second checkpoint replaces the first.
        try DBTestData(seriesCount: 30, from: 8 * DBTestData.hour, to: 10 * DBTestData.hour).append(to: reopened)
        try reopened.compact()
        let later = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/wal").compactMap(WALFormat.checkpointIndex)
        #expect(later.count == 1 && later[0] > checkpoint)
        try reopened.close()
        let third = try DB.open(directory: directory.path, options: options)
        #expect(try DBTestData(seriesCount: 30, to: 10 * DBTestData.hour).mismatch(in: third) == nil)
        try third.close()
    }

    @Test func levelCompactionMergesBlocksAndRemovesTheirParents() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 24 * DBTestData.hour, step: 5 * 60_000)
        let db = try DB.open(directory: directory.path)  // ranges 2h, 6h, 18h (max 1.5 d)
        try data.append(to: db)
        try db.compact()
        // Cut: eleven 2 h blocks [0,22h). Merged: [0,18h) from three 6 h blocks; [18h,20h) and
        // the newest [20h,22h) stay.
        let blocks = db.blocks
        #expect(blocks.map(\.minTime) == [0, 18, 20].map { $0 * DBTestData.hour })
        #expect(blocks.map(\.maxTime) == [18, 20, 22].map { $0 * DBTestData.hour })
        let merged = blocks[0].meta
        #expect(merged.compactionLevel == 3 && merged.sources.count == 9 && merged.parents.count == 3)
        #expect(merged.parents.map(\.minTime) == [0, 6, 12].map { $0 * DBTestData.hour })
        #expect(merged.numSamples == 3 * 18 * 12)
        #expect(try blockDirectories(directory.path) == blocks.map(\.ulid.description).sorted())
        #expect(try data.mismatch(in: db) == nil)
        #expect(db.stats.compactions == 11 + 3 + 1)
        try db.close()
        // The lineage survives in meta.json.
        let reopened = try DB.open(directory: directory.path)
        #expect(reopened.blocks.map(\.meta) == blocks.map(\.meta))
        #expect(try data.mismatch(in: reopened) == nil)
        try reopened.close()
    }

    @Test func parentsLeftByACrashedCompactionAreDeletedOnOpen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let labels = Labels(["__name__": "db_test", "i": "0"])
        let a = try BlockWriter.write([.init(labels: labels, samples: [(0, 0), (10, 10)])], into: directory.path,
                                      ulid: ULID.make(milliseconds: 1))
        let b = try BlockWriter.write([.init(labels: labels, samples: [(20, 20)])], into: directory.path,
                                      ulid: ULID.make(milliseconds: 2))
        // The merged block was renamed in; the crash came before its parents were deleted.
        try BlockWriter.write([.init(labels: labels, samples: [(0, 0), (10, 10), (20, 20)])], into: directory.path,
                              ulid: ULID.make(milliseconds: 3), timeRange: 0..<21, parents: [a, b])
        try FileManager.default.createDirectory(atPath: directory.path + "/\(ULID.make(milliseconds: 4)).tmp-for-creation",
                                                withIntermediateDirectories: true)
        let db = try DB.open(directory: directory.path)
        #expect(db.blocks.count == 1 && db.blocks[0].meta.compactionLevel == 2)
        #expect(try blockDirectories(directory.path) == [db.blocks[0].ulid.description])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.contains(".tmp-for-") })
        let result = try readAll(db.querier(mint: .min, maxt: .max), [matcher(.equal, "i", "0")])
        #expect(result.first?.1.map(\.0) == [0, 10, 20])
        try db.close()
    }

    @Test func overlappingBlocksAreMergedInQueriesAndByCompaction() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let x = Labels(["__name__": "x"]), y = Labels(["__name__": "y"])
        // x in both blocks, overlapping at 50...100; y only in the second.
        try BlockWriter.write([.init(labels: x, samples: stride(from: 0, through: 100, by: 10).map { ($0, Double($0)) })],
                              into: directory.path, ulid: ULID.make(milliseconds: 1))
        try BlockWriter.write([.init(labels: x, samples: stride(from: 50, through: 300, by: 10).map { ($0, Double($0)) }),
                               .init(labels: y, samples: [(60, 1)])],
                              into: directory.path, ulid: ULID.make(milliseconds: 2))
        let db = try DB.open(directory: directory.path)
        let expected = Array(stride(from: Int64(0), through: 300, by: 10))
        func check(_ when: String) throws {
            let result = try readAll(db.querier(mint: .min, maxt: .max), [matcher(.regexMatch, "__name__", "x|y")])
            #expect(result.map(\.0) == [x, y], "\(when)")
            #expect(result.first?.1.map(\.0) == expected, "\(when)")
            #expect(result.first?.1.allSatisfy { Double(bitPattern: $0.1) == Double($0.0) } == true, "\(when)")
            let window = try readAll(db.querier(mint: 95, maxt: 125), [matcher(.equal, "__name__", "x")])
            #expect(window.first?.1.map(\.0) == [100, 110, 120], "\(when)")
            #expect(try db.querier(mint: .min, maxt: .max).labelValues("__name__", []) == ["x", "y"], "\(when)")
        }
        try check("before compaction")
        try db.compact()
        #expect(db.blocks.count == 1)
        #expect(db.blocks.first?.meta.compactionLevel == 2)
        #expect(db.blocks.first.map { ($0.minTime, $0.maxTime) } ?? (0, 0) == (0, 301))
        try check("after compaction")
        try db.close()
    }

    @Test func aCorruptBlockIsSkippedAndTheOthersServe() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 8 * DBTestData.hour)
        let db = try data.compactedDatabase(in: directory.path)
        let victim = db.blocks[1]
        try db.close()
        // Flip the index's magic number.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: victim.directory + "/index"))
        try handle.write(contentsOf: [0, 0, 0, 0])
        try handle.close()

        let reopened = try DB.open(directory: directory.path, options: .twoHourBlocksOnly)
        #expect(reopened.skippedBlocks.map(\.directory) == [victim.directory])
        #expect(reopened.blocks.map(\.minTime) == [0, 4 * DBTestData.hour])
        let result = try readAll(reopened.querier(mint: .min, maxt: .max), [matcher(.equal, "i", "0")])
        let times = result.first?.1.map(\.0) ?? []
        #expect(times == data.timestamps.filter { $0 < 2 * DBTestData.hour || $0 >= 4 * DBTestData.hour })
        #expect(FileManager.default.fileExists(atPath: victim.directory))
        try reopened.close()
    }

    @Test func retentionByTimeDeletesTheOldestBlocks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = DB.Options.twoHourBlocksOnly
        options.retentionDuration = 6 * DBTestData.hour
        let data = DBTestData(to: 24 * DBTestData.hour, step: 5 * 60_000)
        let db = try DB.open(directory: directory.path, options: options)
        try data.append(to: db)
        try db.compact()
        // Blocks end at 2h ... 22h; those ending 6 h or more before 22h go.
        #expect(db.blocks.map(\.minTime) == [16, 18, 20].map { $0 * DBTestData.hour })
        #expect(try blockDirectories(directory.path).count == 3)
        #expect(db.stats.timeRetentions == 1)
        #expect(try data.mismatch(in: db, from: 16 * DBTestData.hour) == nil)
        try db.close()
    }

    @Test func retentionBySizeDeletesTheOldestBlocksUntilTheRestFits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 12 * DBTestData.hour, step: 60_000)
        let db = try DB.open(directory: directory.path, options: .twoHourBlocksOnly)
        try data.append(to: db)
        try db.compact()
        let newestFirst = db.blocks.reversed().map(\.sizeBytes)
        #expect(newestFirst.count == 5)
        try db.close()
        var options = DB.Options.twoHourBlocksOnly
        // Room for the WAL and the two newest blocks, not for the third.
        let walBytes = FileIO.treeSize(directory.path + "/wal")
        options.maxBytes = Int64(walBytes + newestFirst[0] + newestFirst[1] + newestFirst[2] / 2)
        let reopened = try DB.open(directory: directory.path, options: options)
        #expect(reopened.blocks.map(\.minTime) == [6, 8].map { $0 * DBTestData.hour })
        #expect(reopened.stats.sizeRetentions == 1)
        #expect(reopened.stats.blocksBytes == newestFirst[0] + newestFirst[1])
        #expect(try data.mismatch(in: reopened, from: 6 * DBTestData.hour) == nil)
        try reopened.close()
    }

    @Test func statisticsReportTheHeadsCardinality() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try DB.open(directory: directory.path)
        var app = db.appender()
        for k in 0..<5 { try app.append(Labels(["__name__": "a", "k": "v\(k)"]), timestamp: 10, value: 1) }
        for k in 0..<2 { try app.append(Labels(["__name__": "bb", "k": "v\(k)"]), timestamp: 20, value: 1) }
        try app.commit()
        let statistics = db.statistics(limit: 2)
        #expect(statistics.numSeries == 7 && statistics.chunkCount == 7)
        #expect(statistics.minTime == 10 && statistics.maxTime == 20)
        #expect(statistics.numLabelPairs == 2 + 5)
        #expect(statistics.seriesCountByMetricName == [.init(name: "a", value: 5), .init(name: "bb", value: 2)])
        #expect(statistics.labelValueCountByLabelName == [.init(name: "k", value: 5), .init(name: "__name__", value: 2)])
        #expect(statistics.memoryInBytesByLabelName == [.init(name: "k", value: 14), .init(name: "__name__", value: 9)])
        #expect(statistics.seriesCountByLabelValuePair == [.init(name: "__name__=a", value: 5), .init(name: "__name__=bb", value: 2)])
        try db.close()
    }
}

/// Queries racing appends and compaction: data moves from the head into blocks while they
/// read, and every committed sample must still be seen, exactly once.
@Suite struct DBConcurrencyTests {
    final class Newest: Sendable {
        let committed = Atomic<Int64>(-1)
        let done = Atomic<Bool>(false)
    }

    @Test func queriesDuringCompactionSeeEveryCommittedSampleOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try DB.open(directory: directory.path)
        let data = DBTestData(seriesCount: 2, to: 12 * DBTestData.hour, step: 60_000)
        let newest = Newest()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { newest.done.store(true, ordering: .releasing) }
                var app = db.appender()
                for t in data.timestamps {
                    for k in 0..<data.seriesCount { try app.append(data.labels(k), timestamp: t, value: Double(t) + Double(k)) }
                    try app.commit()
                    newest.committed.store(t, ordering: .releasing)
                    if t % (30 * 60_000) == 0 { await Task.yield() }
                }
            }
            group.addTask {
                while !newest.done.load(ordering: .acquiring) {
                    try db.compact()
                    await Task.yield()
                }
            }
            group.addTask {
                var checks = 0
                while !newest.done.load(ordering: .acquiring) || checks < 3 {
                    let upto = newest.committed.load(ordering: .acquiring)
                    let expected = data.timestamps.filter { $0 <= upto }
                    for (labels, samples) in try readAll(db.querier(mint: .min, maxt: .max), [matcher(.equal, "__name__", "db_test")]) {
                        let seen = samples.map(\.0)
                        #expect(Array(seen.prefix(expected.count)) == expected, "\(labels) up to \(upto)")
                        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 < $1 }, "\(labels): duplicates")
                    }
                    checks += 1
                    await Task.yield()
                }
            }
            try await group.waitForAll()
        }
        try db.compact()
        #expect(db.blocks.last?.maxTime == 10 * DBTestData.hour)
        #expect(try data.mismatch(in: db) == nil)
        try db.close()
    }
}
