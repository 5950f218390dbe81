import Exposition
import Foundation
import InMemoryLogging
import Logging
import Model
import Testing

@testable import TSDB
import PharosTestSupport

@Suite struct WALRecordTests {
    /// Bytes laid out by hand from upstream's `record.Encoder.Samples`: type 2, first ref and
    /// first timestamp as BE64, then per sample zig-zag varint deltas and the value bits.
    @Test func samplesRecordMatchesUpstreamLayout() throws {
        let bytes = WALRecord.encodeSamples(
            refs: [SeriesRef(rawValue: 7), SeriesRef(rawValue: 6)], timestamps: [1000, 1001], values: [1.0, -2.0])
        let expected: [UInt8] = [2, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0x03, 0xE8,
                                 0, 0, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0,
                                 1, 2, 0xC0, 0, 0, 0, 0, 0, 0, 0]
        #expect(bytes == expected)
        #expect(try WALRecord.decode(bytes) == .samples([
            .init(ref: SeriesRef(rawValue: 7), timestamp: 1000, value: 1),
            .init(ref: SeriesRef(rawValue: 6), timestamp: 1001, value: -2),
        ]))
    }

    @Test func seriesRecordMatchesUpstreamLayout() throws {
        let bytes = WALRecord.encodeSeries([(SeriesRef(rawValue: 1), Labels(["a": "b", "__name__": "up"]))])
        let expected: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 1, 2,
                                 8] + Array("__name__".utf8) + [2] + Array("up".utf8) + [1, 0x61, 1, 0x62]
        #expect(bytes == expected)
        #expect(try WALRecord.decode(bytes) == .series([.init(ref: SeriesRef(rawValue: 1), labels: Labels(["a": "b", "__name__": "up"]))]))
    }

    @Test func tombstonesRoundTrip() throws {
        let stones = [WALRecord.TombstoneEntry(ref: SeriesRef(rawValue: 3), mint: -5, maxt: 1 << 40)]
        #expect(try WALRecord.decode(WALRecord.encodeTombstones(stones)) == .tombstones(stones))
        #expect(try WALRecord.decode([9, 1, 2]) == nil)  // a type Pharos skips
    }

    @Test func truncatedAndMutatedRecordsThrowOrDecode() {
        let records = [
            WALRecord.encodeSeries([(SeriesRef(rawValue: 1), Labels(["a": "b", "c": "d"]))]),
            WALRecord.encodeSamples(refs: [SeriesRef(rawValue: 1), SeriesRef(rawValue: 2)], timestamps: [5, 6], values: [1, 2]),
            WALRecord.encodeTombstones([.init(ref: SeriesRef(rawValue: 1), mint: 1, maxt: 2)]),
        ]
        var rng = SeededGenerator(seed: 11)
        // Lengths at which a prefix is itself a valid record (whole entries).
        let validPrefixes: [Set<Int>] = [[1], [1, 17, 27], [1]]
        for (record, valid) in zip(records, validPrefixes) {
            for length in 0..<record.count where !valid.contains(length) {
                let prefix = Array(record[..<length])
                #expect(throws: TSDBError.self, "length \(length) of \(record)") { try WALRecord.decode(prefix) }
            }
            for _ in 0..<500 {
                var mutated = record
                mutated[Int.random(in: 0..<record.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                _ = try? WALRecord.decode(mutated)
            }
        }
    }
}

@Suite struct WALSegmentTests {
    /// Records of every size class (empty, within a page, spanning pages) come back in order,
    /// across segment rotations.
    @Test func recordsRoundTripAcrossPagesAndSegments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var rng = SeededGenerator(seed: 3)
        var written = [[UInt8]]()
        let writer = try WALWriter(directory: directory.path, firstSegment: 0, segmentSize: 64 * 1024)
        for _ in 0..<200 {
            let size = [0, 1, 6, 7, 100, 32 * 1024 - 7, 32 * 1024, 50_000].randomElement(using: &rng) ?? 0
            let salt = UInt8.random(in: 0...255, using: &rng)
            let record = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ salt }
            written.append(record)
            try writer.log([record])
        }
        try writer.close()
        let segments = try FileIO.listDirectory(directory.path).compactMap(WALFormat.segmentIndex).sorted()
        #expect(segments.count > 10)
        var read = [[UInt8]]()
        for segment in segments {
            let bytes = try FileIO.readFile(directory.path + "/" + WALFormat.segmentName(segment))
            #expect(bytes.count <= 64 * 1024)
            let corruption = WALSegmentReader.records(in: bytes, segment: segment) { read.append($0) }
            #expect(corruption == nil)
        }
        #expect(read == written)
    }
}

@Suite struct WALGroupCommitTests {
    @Test func writeIsDurableOnlyAfterSync() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try WALWriter(directory: directory.path, firstSegment: 0)
        let first = try writer.write([[1, 2, 3]])
        let second = try writer.write([[4, 5]])
        #expect(second > first && writer.syncedPosition < first)
        try writer.sync(through: first)
        // One fsync covers everything written before it, so the second batch needs none.
        #expect(writer.syncedPosition >= second && writer.fsyncCount == 1)
        try writer.sync(through: second)
        #expect(writer.fsyncCount == 1)
        try writer.close()
        #expect(throws: TSDBError.closed) { try writer.sync(through: second + 1) }
    }

    /// Appenders committing concurrently to a WAL-backed head: every acknowledged batch is
    /// replayed after reopening.
    @Test func concurrentCommitsAreAllReplayed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = Head.Options()
        options.walSegmentSize = 64 * 1024
        let head = try Head.open(directory: directory.path, options: options)
        let acknowledged = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    var app = head.appender()
                    var ok = 0
                    for t in Int64(1)...100 {
                        for i in 0..<5 { _ = try? app.append(Labels(["w": String(worker), "i": String(i)]), timestamp: t, value: Double(t)) }
                        if (try? app.commit()) == 5 { ok += 1 }
                    }
                    return ok
                }
            }
            return await group.reduce(0, +)
        }
        #expect(acknowledged == 600)
        try head.close()
        let reopened = try Head.open(directory: directory.path, options: options)
        let result = try readAll(reopened.querier(), [matcher(.regexMatch, "w", ".+")])
        #expect(result.count == 30)
        #expect(result.allSatisfy { $0.1.map(\.0) == (1...100).map { Int64($0) } })
    }
}

@Suite struct WALSegmentFuzzTests {
    /// Random bytes, and random bytes behind valid fragment headers, never trap the reader.
    @Test func randomSegmentsNeverTrap() {
        var rng = SeededGenerator(seed: 31)
        for round in 0..<300 {
            var bytes = (0..<Int.random(in: 0..<3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if round % 2 == 0, bytes.count > 20 {
                // A plausible header: full record, in-range length, correct checksum.
                let length = min(bytes.count - 7, Int.random(in: 0...50, using: &rng))
                let crc = CRC32C.checksum(bytes[7..<(7 + length)])
                bytes[0] = [1, 2, 3, 4, 9].randomElement(using: &rng) ?? 1
                bytes[1] = UInt8(length >> 8)
                bytes[2] = UInt8(length & 0xFF)
                for k in 0..<4 { bytes[3 + k] = UInt8(truncatingIfNeeded: crc >> UInt32(24 - 8 * k)) }
            }
            var records = 0
            let corruption = WALSegmentReader.records(in: bytes, segment: 0) { record throws(WALSegmentReader.Corruption) in
                records += 1
                _ = try? WALRecord.decode(record)
            }
            #expect(corruption != nil || bytes.allSatisfy { $0 == 0 } || records > 0)
            #expect((corruption?.goodLength ?? 0) <= bytes.count)
        }
    }
}

/// Reading a segment file in blocks (`records(inFile:)`, replay and checkpoints) finds what
/// reading it whole finds: the same records, and damage at the same offset, also where
/// records and damage lie across a block boundary.
@Suite struct WALSegmentFileReadTests {
    @Test func blockReadsAgreeWithWholeReads() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let wal = try WALWriter(directory: directory.path, firstSegment: 0)
        var rng = SeededGenerator(seed: 5)
        // Records of 1 byte to 3 pages, about 3 read blocks in all.
        var written = [[UInt8]]()
        while written.reduce(0, { $0 + $1.count }) < 3 * WALSegmentReader.readSize {
            written.append((0..<Int.random(in: 1...(3 * WALFormat.pageSize), using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        _ = try wal.write(written)
        try wal.close()
        let path = directory.path + "/" + WALFormat.segmentName(0)
        func readBoth() throws -> (whole: ([[UInt8]], WALSegmentReader.Corruption?), blocks: ([[UInt8]], WALSegmentReader.Corruption?)) {
            var whole = [[UInt8]](), blocks = [[UInt8]]()
            let wholeCorruption = WALSegmentReader.records(in: try FileIO.readFile(path), segment: 0) { whole.append($0) }
            let blockCorruption = try WALSegmentReader.records(inFile: path, segment: 0) { blocks.append($0) }
            return ((whole, wholeCorruption), (blocks, blockCorruption))
        }
        let intact = try readBoth()
        #expect(intact.blocks.0 == written && intact.blocks.1 == nil)
        #expect(intact.whole.0 == written && intact.whole.1 == nil)
        let original = try FileIO.readFile(path)
        // A flipped byte, and a cut, at boundaries and at random places.
        var offsets = [WALSegmentReader.readSize - 1, WALSegmentReader.readSize, WALSegmentReader.readSize + 9, 2 * WALSegmentReader.readSize + 3]
        offsets += (0..<20).map { _ in Int.random(in: 0..<original.count, using: &rng) }
        for offset in offsets where offset < original.count {
            var flipped = original
            flipped[offset] ^= 0x5A
            try Data(flipped).write(to: URL(fileURLWithPath: path))
            var both = try readBoth()
            #expect(both.blocks.0 == both.whole.0 && both.blocks.1 == both.whole.1, "flip at \(offset)")
            try Data(original[..<offset]).write(to: URL(fileURLWithPath: path))
            both = try readBoth()
            #expect(both.blocks.0 == both.whole.0 && both.blocks.1 == both.whole.1, "cut at \(offset)")
        }
    }
}

/// Appends `commits` batches (one sample per series per batch) and returns, after each
/// commit, the WAL's size on disk: the offset up to which that commit is durable.
func writeCommits(_ head: Head, commits: Int, series: Int, walPath: String) throws -> [Int] {
    var app = head.appender()
    var ends = [Int]()
    for c in 1...commits {
        for i in 0..<series {
            try app.append(Labels(["__name__": "m", "i": String(i)]), timestamp: Int64(c), value: Double(c * 1000 + i))
        }
        try app.commit()
        let size = try FileManager.default.attributesOfItem(atPath: walPath)[.size] as? Int
        ends.append(size ?? -1)
    }
    return ends
}

/// The number of leading commits a head holds, checking they are complete and exact and
/// that nothing else is there.
func committedPrefix(_ head: Head, series: Int) throws -> Int {
    let result = try readAll(head.querier(), [matcher(.equal, "__name__", "m")])
    let counts = Set(result.map { $0.1.count })
    #expect(counts.count <= 1, "commits applied partially: \(counts)")
    for (labels, samples) in result {
        let i = Int(labels["i"] ?? "") ?? -1
        #expect(samples.map(\.0) == (0..<samples.count).map { Int64($0 + 1) })
        #expect(samples.map(\.1) == (0..<samples.count).map { Double(($0 + 1) * 1000 + i).bitPattern })
    }
    let prefix = counts.first ?? 0
    #expect(prefix == 0 || result.count == series)
    return prefix
}

@Suite struct HeadWALTests {
    @Test func reopeningReplaysEverything() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let head = try Head.open(directory: directory.path)
            _ = try writeCommits(head, commits: 300, series: 7, walPath: directory.path + "/wal/00000000")
            try head.close()
        }
        let log = InMemoryLogHandler()
        let reopened = try Head.open(directory: directory.path, logger: Logger(label: "test") { _ in log })
        #expect(try committedPrefix(reopened, series: 7) == 300)
        #expect(log.entries.isEmpty)
        // A second generation appends to a new segment and replays both.
        var app = reopened.appender()
        try app.append(Labels(["__name__": "m", "i": "0"]), timestamp: 301, value: 301_000)
        try app.commit()
        try reopened.close()
        let third = try Head.open(directory: directory.path)
        let series = try readAll(third.querier(), [matcher(.equal, "i", "0")])
        #expect(series.first?.1.count == 301)
        #expect(try FileIO.listDirectory(directory.path + "/wal").sorted() == ["00000000", "00000001", "00000002"])
    }

    /// A WAL cut at any offset reopens with exactly the commits that ended before the cut.
    @Test func tornTailKeepsEveryCommitBeforeTheCut() throws {
        let source = try TemporaryDirectory()
        defer { source.remove() }
        let walPath = source.path + "/wal/00000000"
        let head = try Head.open(directory: source.path)
        let ends = try writeCommits(head, commits: 40, series: 5, walPath: walPath)
        try head.close()
        let bytes = try FileIO.readFile(walPath)
        for cut in stride(from: 0, through: bytes.count, by: 13) {
            let copy = try TemporaryDirectory()
            defer { copy.remove() }
            try FileIO.makeDirectory(copy.path + "/wal")
            try Data(bytes[..<cut]).write(to: URL(fileURLWithPath: copy.path + "/wal/00000000"))
            let reopened = try Head.open(directory: copy.path)
            let expected = ends.filter { $0 <= cut }.count
            #expect(try committedPrefix(reopened, series: 5) == expected, "cut at \(cut)")
            #expect(try FileIO.readFile(copy.path + "/wal/00000000").count <= cut)
        }
    }

    /// Flipped bytes lose the damaged commit and what follows, never what precedes it.
    @Test func corruptBytesKeepEveryCommitBeforeTheDamage() throws {
        let source = try TemporaryDirectory()
        defer { source.remove() }
        let walPath = source.path + "/wal/00000000"
        let head = try Head.open(directory: source.path)
        let ends = try writeCommits(head, commits: 40, series: 5, walPath: walPath)
        try head.close()
        let bytes = try FileIO.readFile(walPath)
        var rng = SeededGenerator(seed: 17)
        for _ in 0..<150 {
            var mutated = bytes
            let offset = Int.random(in: 0..<bytes.count, using: &rng)
            mutated[offset] ^= UInt8.random(in: 1...255, using: &rng)
            let copy = try TemporaryDirectory()
            defer { copy.remove() }
            try FileIO.makeDirectory(copy.path + "/wal")
            try Data(mutated).write(to: URL(fileURLWithPath: copy.path + "/wal/00000000"))
            let reopened = try Head.open(directory: copy.path)
            let kept = try committedPrefix(reopened, series: 5)
            #expect(kept >= ends.filter { $0 <= offset }.count, "flip at \(offset)")
            #expect(kept <= ends.filter { $0 <= offset }.count + 1, "flip at \(offset)")
        }
    }

    /// Damage in an early segment removes the later ones (as upstream's repair).
    @Test func damageInAnEarlierSegmentDropsLaterSegments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = Head.Options()
        options.walSegmentSize = 64 * 1024
        let head = try Head.open(directory: directory.path, options: options)
        _ = try writeCommits(head, commits: 1500, series: 10, walPath: directory.path + "/wal/00000000")
        try head.close()
        let names = try FileIO.listDirectory(directory.path + "/wal").sorted()
        #expect(names.count >= 3)
        let firstPath = directory.path + "/wal/" + names[0]
        var first = try FileIO.readFile(firstPath)
        first[first.count / 2] ^= 0xFF
        try Data(first).write(to: URL(fileURLWithPath: firstPath))
        let log = InMemoryLogHandler()
        let reopened = try Head.open(directory: directory.path, options: options, logger: Logger(label: "test") { _ in log })
        let kept = try committedPrefix(reopened, series: 10)
        #expect(kept > 0 && kept < 1500)
        // One warning for the operator, naming the segment, where it was cut and what went.
        #expect(log.entries.map(\.level) == [.warning])
        #expect(log.entries.first?.metadata["segment"] == "0")
        #expect(log.entries.first?.metadata["removed_segments"] == "\(names.count - 1)")
        #expect(try FileIO.listDirectory(directory.path + "/wal").sorted() == [names[0], WALFormat.segmentName(1)])
    }
}

@Suite struct WALFailureTests {
    /// A failed WAL write fails the commit, applies nothing, and latches: later commits are
    /// refused too, since the WAL may now end in a partial record. The next segment is made a
    /// link to /dev/full, so the write at rotation fails with ENOSPC.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func failedWALWriteRefusesThisAndLaterCommits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = Head.Options()
        options.walSegmentSize = 64 * 1024
        let head = try Head.open(directory: directory.path, options: options)
        let next = directory.path + "/wal/00000001"
        try FileManager.default.createSymbolicLink(atPath: next, withDestinationPath: "/dev/full")
        var app = head.appender()
        let labels = Labels(["__name__": "m", "i": "0"])
        var failedAt: Int64?
        for t in Int64(1)...20_000 {
            try app.append(labels, timestamp: t, value: 1)
            // Filler series make each record large, so rotation comes soon.
            for i in 1...100 { try app.append(Labels(["__name__": "filler", "i": String(i)]), timestamp: t, value: 1) }
            do throws(TSDBError) {
                try app.commit()
            } catch {
                guard case .io(_, "write", _) = error else { throw error }
                failedAt = t
                break
            }
        }
        let failure = try #require(failedAt)
        #expect(throws: TSDBError.self) {
            var later = head.appender()
            try later.append(labels, timestamp: failure + 1, value: 1)
            try later.commit()
        }
        let stored = try readAll(head.querier(), [matcher(.equal, "i", "0")])
        #expect(stored.first?.1.last?.0 == failure - 1)
        try FileManager.default.removeItem(atPath: next)
        let reopened = try Head.open(directory: directory.path, options: options)
        #expect(try readAll(reopened.querier(), [matcher(.equal, "i", "0")]).first?.1.count == Int(failure - 1))
    }
}

@Suite struct WALCheckpointTests {
    /// A checkpoint is replayed first, segments it covers are skipped, later ones follow, and
    /// new writes go after both.
    @Test func replaysTheNewestCheckpointThenLaterSegments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let wal = directory.path + "/wal"
        let up = Labels(["__name__": "up"])
        // checkpoint.00000001: the series and two samples; an older checkpoint and a covered
        // segment hold data that must not be read; segment 2 continues.
        try FileIO.makeDirectory(wal)
        let older = try WALWriter(directory: wal + "/checkpoint.00000000", firstSegment: 0)
        try older.log([WALRecord.encodeSeries([(SeriesRef(rawValue: 9), Labels(["__name__": "stale"]))])])
        try older.close()
        let checkpoint = try WALWriter(directory: wal + "/checkpoint.00000001", firstSegment: 0)
        try checkpoint.log([
            WALRecord.encodeSeries([(SeriesRef(rawValue: 5), up)]),
            WALRecord.encodeSamples(refs: [SeriesRef(rawValue: 5), SeriesRef(rawValue: 5)], timestamps: [10, 20], values: [1, 2]),
        ])
        try checkpoint.close()
        let covered = try WALWriter(directory: wal, firstSegment: 1)
        try covered.log([WALRecord.encodeSamples(refs: [SeriesRef(rawValue: 5)], timestamps: [25], values: [99])])
        try covered.close()
        let later = try WALWriter(directory: wal, firstSegment: 2)
        try later.log([WALRecord.encodeSamples(refs: [SeriesRef(rawValue: 5)], timestamps: [30], values: [3])])
        try later.close()
        try FileManager.default.createDirectory(atPath: wal + "/checkpoint.00000003.tmp", withIntermediateDirectories: true)

        let head = try Head.open(directory: directory.path)
        let result = try readAll(head.querier(), [matcher(.regexMatch, "__name__", ".+")])
        #expect(result.map(\.0) == [up])
        #expect(result.first?.1.map(\.0) == [10, 20, 30])
        var app = head.appender()
        try app.append(up, timestamp: 40, value: 4)
        try app.commit()
        try head.close()
        #expect(FileManager.default.fileExists(atPath: wal + "/00000003"))
        let reopened = try Head.open(directory: directory.path)
        #expect(try readAll(reopened.querier(), [matcher(.equal, "__name__", "up")]).first?.1.map(\.0) == [10, 20, 30, 40])
    }

    /// A WAL that reuses a ref for other labels (possible only if damaged) keeps both series
    /// apart; samples go to the series the latest record named.
    @Test func aReusedRefDoesNotOverwriteAnotherSeries() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try WALWriter(directory: directory.path + "/wal", firstSegment: 0)
        try writer.log([
            WALRecord.encodeSeries([(SeriesRef(rawValue: 1), Labels(["a": "1"]))]),
            WALRecord.encodeSamples(refs: [SeriesRef(rawValue: 1)], timestamps: [10], values: [1]),
            WALRecord.encodeSeries([(SeriesRef(rawValue: 1), Labels(["a": "2"]))]),
            WALRecord.encodeSamples(refs: [SeriesRef(rawValue: 1)], timestamps: [20], values: [2]),
        ])
        try writer.close()
        let head = try Head.open(directory: directory.path)
        let result = try readAll(head.querier(), [matcher(.regexMatch, "a", ".+")])
        #expect(result.map(\.0) == [Labels(["a": "1"]), Labels(["a": "2"])])
        #expect(result.map { $0.1.map(\.0) } == [[10], [20]])
    }

    @Test func aDamagedCheckpointIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let checkpointPath = directory.path + "/wal/checkpoint.00000000"
        try FileIO.makeDirectory(directory.path + "/wal")
        let writer = try WALWriter(directory: checkpointPath, firstSegment: 0)
        try writer.log([WALRecord.encodeSeries([(SeriesRef(rawValue: 1), Labels(["a": "b"]))])])
        try writer.close()
        var bytes = try FileIO.readFile(checkpointPath + "/00000000")
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: checkpointPath + "/00000000"))
        #expect(throws: TSDBError.self) { try Head.open(directory: directory.path) }
    }
}
