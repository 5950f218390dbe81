import Foundation
import Model
import Testing

@testable import TSDB

@Suite struct DBDeletionTests {
    static let hour = DBTestData.hour

    /// The timestamps of series `i="k"` as `db` returns them.
    static func timestamps(_ db: DB, _ k: Int) throws -> [Int64] {
        try readAll(db.querier(mint: .min, maxt: .max), [matcher(.equal, "i", String(k))]).first?.1.map(\.0) ?? []
    }

    @Test func deletedSamplesVanishFromBlocksAndHeadUntilCleanedAway() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 8 * Self.hour)
        let db = try data.compactedDatabase(in: directory.path)
        try db.delete(matchers: [matcher(.equal, "i", "1")], mint: Self.hour, maxt: 7 * Self.hour)
        let kept = data.timestamps.filter { $0 < Self.hour || $0 > 7 * Self.hour }
        #expect(try Self.timestamps(db, 1) == kept)
        #expect(try Self.timestamps(db, 0) == data.timestamps)
        // Each block holds one interval for the series; the file says so too.
        for block in db.blocks {
            #expect(block.tombstones.intervals.count == 1)
            let file = try TombstonesFile.decode(FileIO.readFile(block.directory + "/tombstones"), path: block.directory)
            #expect(file == block.tombstones)
        }
        try db.close()

        // Block tombstones come back from their files, the head's from the WAL.
        let reopened = try DB.open(directory: directory.path, options: .twoHourBlocksOnly)
        #expect(try Self.timestamps(reopened, 1) == kept)
        let before = reopened.blocks
        try reopened.cleanTombstones()
        let after = reopened.blocks
        #expect(after.count == 3 && after.allSatisfy { $0.tombstones.isEmpty })
        #expect(after.map(\.meta.parents) == before.map { [BlockMeta.Parent(ulid: $0.ulid, minTime: $0.minTime, maxTime: $0.maxTime)] })
        #expect(after.map(\.meta.compactionLevel) == before.map(\.meta.compactionLevel))
        #expect(after.map(\.meta.numSamples) == [360 - 60, 240, 240])
        #expect(try blockDirectories(directory.path) == after.map(\.ulid.description).sorted())
        #expect(try Self.timestamps(reopened, 1) == kept)
        #expect(try Self.timestamps(reopened, 2) == data.timestamps)
        try reopened.close()
    }

    @Test func compactionRewritesBlocksWithManyTombstones() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 8 * Self.hour)
        let db = try data.compactedDatabase(in: directory.path)
        try db.delete(matchers: [matcher(.equal, "i", "1")], mint: 0, maxt: 8 * Self.hour)
        #expect(db.blocks.map(\.meta.numTombstones) == [1, 1, 1])
        let meta = try BlockMeta(json: String(decoding: FileIO.readFile(db.blocks[0].directory + "/meta.json"), as: UTF8.self), path: "")
        #expect(meta == db.blocks[0].meta)
        try db.compact()
        // One series in three lost data: worth a rewrite, except for the newest block.
        #expect(db.blocks.map(\.meta.numTombstones) == [0, 0, 1])
        #expect(db.blocks.map(\.meta.compactionLevel) == [2, 2, 1])
        #expect(db.blocks.map(\.meta.numSeries) == [2, 2, 3])
        #expect(try Self.timestamps(db, 1).isEmpty)
        #expect(try Self.timestamps(db, 0) == data.timestamps)
        try db.close()
    }

    @Test func aBlockLeftWithoutSamplesIsDeletedByCleaning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 8 * Self.hour)
        let db = try data.compactedDatabase(in: directory.path)
        try db.delete(matchers: [matcher(.equal, "__name__", "db_test")], mint: 0, maxt: 2 * Self.hour - 1)
        try db.cleanTombstones()
        #expect(db.blocks.map(\.minTime) == [2 * Self.hour, 4 * Self.hour])
        #expect(try Self.timestamps(db, 0) == data.timestamps.filter { $0 >= 2 * Self.hour })
        try db.close()
    }

    @Test func tombstonesFilesRoundTripAndRejectDamage() throws {
        var tombstones = Tombstones()
        tombstones.add(SeriesRef(rawValue: 16), 10...20)
        tombstones.add(SeriesRef(rawValue: 16), 21...30)  // touching: merged
        tombstones.add(SeriesRef(rawValue: 16), 50...60)
        tombstones.add(SeriesRef(rawValue: 3), -5...5)
        #expect(tombstones.intervals[SeriesRef(rawValue: 16)] == [10...30, 50...60])
        let bytes = TombstonesFile.encode(tombstones)
        #expect(try TombstonesFile.decode(bytes, path: "t") == tombstones)
        #expect(TombstonesFile.empty() == [0x01, 0x30, 0xBA, 0x30, 1, 0, 0, 0, 0])
        var damaged = bytes
        damaged[6] ^= 1
        #expect(throws: TSDBError.self) { try TombstonesFile.decode(damaged, path: "t") }
        #expect(throws: TSDBError.self) { try TombstonesFile.decode(Array(bytes.prefix(6)), path: "t") }
    }

    @Test func aSnapshotIsADatabaseWithTheBlocksLinkedAndTheHeadAsABlock() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 8 * Self.hour)
        let db = try data.compactedDatabase(in: directory.path)
        let target = directory.path + "/snapshots/full"
        try FileManager.default.createDirectory(atPath: directory.path + "/snapshots", withIntermediateDirectories: true)
        try db.snapshot(to: target, withHead: true)
        try db.snapshot(to: directory.path + "/snapshots/blocks", withHead: false)
        let original = db.blocks
        try db.close()

        let copy = try DB.open(directory: target, options: .twoHourBlocksOnly)
        #expect(copy.blocks.count == original.count + 1)
        #expect(try data.mismatch(in: copy) == nil)
        let block = original[0]
        let linked = try FileManager.default.attributesOfItem(atPath: "\(target)/\(block.ulid)/index")
        #expect((linked[.referenceCount] as? Int ?? 0) >= 2, "the index is a hard link")
        try copy.close()
        let blocksOnly = try DB.open(directory: directory.path + "/snapshots/blocks", options: .twoHourBlocksOnly)
        #expect(try Self.timestamps(blocksOnly, 0) == data.timestamps.filter { $0 < 6 * Self.hour })
        try blocksOnly.close()
    }
}
