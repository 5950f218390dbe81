import Foundation
import Model
import PharosTestSupport
import Testing

@testable import TSDB

/// `WALTailReader` follows a WAL while it is written, as remote write reads it.
@Suite struct WALTailReaderTests {
    /// A samples record of `count` samples (sizes from a few bytes to several pages).
    private func samplesRecord(_ count: Int, base: Int64) -> [UInt8] {
        WALRecord.encodeSamples(refs: (0..<count).map { SeriesRef(rawValue: UInt64($0 % 7 + 1)) },
                                timestamps: (0..<count).map { base + Int64($0) },
                                values: (0..<count).map { Double($0) * 0.5 })
    }

    /// Records written in bursts, of every size class, across pages and segment rotations,
    /// come back exactly once and in order when the reader is called between bursts (reads
    /// of 8 KiB, so large records take several).
    @Test func followsRecordsAcrossPagesAndSegments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var rng = SeededGenerator(seed: 11)
        let writer = try WALWriter(directory: directory.path, firstSegment: 3, segmentSize: 64 * 1024)
        var reader = WALTailReader(walDirectory: directory.path, position: WALPosition(segment: 3, offset: 0),
                                   readSizeBytes: 8 * 1024)
        var written = [WALRecord]()
        var read = [WALRecord]()
        for burst in 0..<60 {
            var records = [[UInt8]]()
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let size = [0, 1, 20, 500, 2_500, 4_000].randomElement(using: &rng) ?? 1
                records.append(samplesRecord(size, base: Int64(burst) * 10_000))
            }
            _ = try writer.write(records)
            written += try records.compactMap { try WALRecord.decode($0) }
            // Each call returns at most about a read's worth: call until nothing is new.
            for _ in 0..<100 {
                let batch = try reader.next()
                if batch.isEmpty { break }
                for (record, end) in batch {
                    read.append(try #require(record))
                    #expect(end <= reader.position)
                }
            }
            guard read == written else {
                Issue.record("after burst \(burst): read \(read.count) records, written \(written.count); first difference at \(read.indices.first { $0 >= written.count || read[$0] != written[$0] } ?? read.count), position \(reader.position)")
                return
            }
        }
        try writer.close()
        #expect(try FileIO.listDirectory(directory.path).compactMap(WALFormat.segmentIndex).count > 5)
        #expect(try reader.next().isEmpty)
        #expect(reader.corruptions == 0 && reader.lostSegments == 0)
        #expect(try WALTailReader.end(ofWAL: directory.path) == reader.position)
    }

    /// A record whose fragments are not all on disk yet (the writer's page is half flushed)
    /// is waited for, not skipped, wherever the file ends.
    @Test func aPartlyWrittenRecordIsWaitedFor() throws {
        let source = try TemporaryDirectory()
        let tail = try TemporaryDirectory()
        defer { source.remove(); tail.remove() }
        let first = samplesRecord(3, base: 0)
        let big = samplesRecord(4_000, base: 100)  // about 56 KiB: two pages
        let writer = try WALWriter(directory: source.path, firstSegment: 0)
        try writer.log([first, big])
        try writer.close()
        let full = try FileIO.readFile(source.path + "/00000000")
        let firstEnd = WALFormat.recordHeaderSize + first.count
        for cut in stride(from: firstEnd, to: full.count, by: 4_093) {
            try Data(full[..<cut]).write(to: URL(fileURLWithPath: tail.path + "/00000000"))
            var reader = WALTailReader(walDirectory: tail.path, position: WALPosition(segment: 0, offset: 0))
            let before = try reader.next()
            #expect(before.map(\.record) == [try WALRecord.decode(first)], "cut at \(cut)")
            #expect(reader.position == WALPosition(segment: 0, offset: firstEnd))
            #expect(try reader.next().isEmpty)
            try Data(full).write(to: URL(fileURLWithPath: tail.path + "/00000000"))
            #expect(try reader.next().map(\.record) == [try WALRecord.decode(big)], "cut at \(cut)")
            #expect(reader.corruptions == 0)
        }
    }

    /// Damage in a finished segment (a newer one exists) is counted and skipped; reading goes
    /// on in the next segment. Random bytes never trap.
    @Test func damageInAFinishedSegmentIsSkipped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let records = (0..<4).map { samplesRecord(10, base: Int64($0) * 100) }
        let writer = try WALWriter(directory: directory.path, firstSegment: 0)
        try writer.log([records[0], records[1]])
        _ = try writer.startNextSegment()
        try writer.log([records[2], records[3]])
        try writer.close()
        var bytes = try FileIO.readFile(directory.path + "/00000000")
        bytes[WALFormat.recordHeaderSize * 2 + records[0].count + 5] ^= 0xFF  // inside the second record
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/00000000"))
        var reader = WALTailReader(walDirectory: directory.path, position: WALPosition(segment: 0, offset: 0))
        var read = [WALRecord?]()
        for _ in 0..<5 { read += try reader.next().map(\.record) }
        #expect(read == [try WALRecord.decode(records[0]), try WALRecord.decode(records[2]), try WALRecord.decode(records[3])])
        #expect(reader.corruptions == 1)
        #expect(reader.lastCorruption?.contains("checksum") == true)

        var rng = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            var noise = try FileIO.readFile(directory.path + "/00000001")
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                noise[Int.random(in: 0..<noise.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            let scratch = try TemporaryDirectory()
            defer { scratch.remove() }
            try Data(noise).write(to: URL(fileURLWithPath: scratch.path + "/00000000"))
            try Data().write(to: URL(fileURLWithPath: scratch.path + "/00000001"))
            var hostile = WALTailReader(walDirectory: scratch.path, position: WALPosition(segment: 0, offset: 0))
            for _ in 0..<4 { _ = try hostile.next() }
            #expect(hostile.position == WALPosition(segment: 1, offset: 0))
        }
    }

    /// Segments deleted before the reader got to them are counted as lost.
    @Test func deletedSegmentsAreCountedAsLost() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try WALWriter(directory: directory.path, firstSegment: 4)
        try writer.log([samplesRecord(2, base: 0)])
        try writer.close()
        var reader = WALTailReader(walDirectory: directory.path, position: WALPosition(segment: 1, offset: 100))
        #expect(try reader.next().count == 1)
        #expect(reader.lostSegments == 3)
    }

    /// A reader's hold keeps segments through checkpoints; the head replays the same samples
    /// with the held segments present; released, the next checkpoint deletes them.
    @Test func heldSegmentsSurviveCheckpoints() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = Head.Options()
        options.walSegmentSize = 64 * 1024
        options.walCompression = false  // sized for plain records (compression: WALCompressionTests)
        let head = try Head.open(directory: directory.path, options: options)
        for t in 0..<600 {  // about 280 KiB of samples records: five segments
            var appender = head.appender()
            for i in 0..<40 {
                _ = try appender.append(Labels(["__name__": "held", "i": String(i)]), timestamp: Int64(t) * 1000, value: Double(t))
            }
            try appender.commit()
        }
        let wal = directory.path + "/wal"
        let before = try FileIO.listDirectory(wal).compactMap(WALFormat.segmentIndex).sorted()
        #expect(before.count > 3)
        let held = before[1]
        head.holdWAL(from: held, for: "queue")
        let covered = try #require(try head.checkpointWAL())
        let kept = try FileIO.listDirectory(wal).compactMap(WALFormat.segmentIndex).sorted()
        #expect(kept.first == held, "segments before the hold go, the held ones stay")
        #expect(kept.contains(covered))
        try head.close()

        let reopened = try Head.open(directory: directory.path, options: options)
        let series = try readAll(reopened.querier(), [matcher(.equal, "__name__", "held")])
        #expect(series.count == 40)
        #expect(series.allSatisfy { $0.1.count == 600 }, "held segments are not replayed twice")
        reopened.releaseWAL(for: "queue")
        reopened.holdWAL(from: .max, for: "other")
        let next = try #require(try reopened.checkpointWAL())
        #expect(try FileIO.listDirectory(wal).compactMap(WALFormat.segmentIndex).allSatisfy { $0 > next })
        try reopened.close()
    }
}
