import Foundation
import InMemoryLogging
import Logging
import PharosTestSupport
import Testing

@testable import Stream

@Suite struct LocalLogTests {
    private func payload(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func appendsAreReadBackInOrderWithTheirOffsets() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalLog.Options()
        options.partitionCount = 3
        let log = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        #expect(try await log.append([payload("a"), payload("b")], to: 1) == [0, 1])
        #expect(try await log.append([payload("c")], to: 1) == [2])
        #expect(try await log.append([payload("x")], to: 2) == [0])
        #expect(try await log.partitions() == [
            StreamPartitionInfo(id: 0, startOffset: 0, endOffset: 0),
            StreamPartitionInfo(id: 1, startOffset: 0, endOffset: 3),
            StreamPartitionInfo(id: 2, startOffset: 0, endOffset: 1),
        ])
        let records = try await readAll(log, partition: 1)
        #expect(records == [StreamRecord(offset: 0, payload: payload("a")), StreamRecord(offset: 1, payload: payload("b")),
                            StreamRecord(offset: 2, payload: payload("c"))])
        #expect(try await readAll(log, partition: 1, from: 2).map(\.offset) == [2])
        await #expect(throws: StreamError.noSuchPartition(3, count: 3)) { try await log.append([payload("z")], to: 3) }
        await #expect(throws: StreamError.offsetOutOfRange(4, partition: 1, valid: 0...3)) {
            try await log.consumer(partition: 1, from: 4)
        }
        await log.close()
        await #expect(throws: StreamError.closed) { try await log.append([payload("late")], to: 0) }

        // Everything is there after reopening, and appends continue the offsets.
        let reopened = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        #expect(try await readAll(reopened, partition: 1).map(\.payload) == ["a", "b", "c"].map(payload))
        #expect(try await reopened.append([payload("d")], to: 1) == [3])
        await reopened.close()
    }

    @Test func concurrentAppendersShareFsyncs() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try LocalLog.open(directory: directory, logger: quietLogger)
        let appends = 400
        let offsets = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for i in 0..<appends { group.addTask { try await log.append([Array("r\(i)".utf8)], to: 0) } }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(offsets.sorted() == (0..<Int64(appends)).map { $0 })
        let syncs = log.syncCount
        #expect(syncs >= 1 && syncs < appends, "\(syncs) fsyncs for \(appends) concurrent appends: no group commit")
        let payloads = try await readAll(log, partition: 0).map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(Set(payloads) == Set((0..<appends).map { "r\($0)" }))
        await log.close()
    }

    @Test func pollWaitsForTheNextAppend() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try LocalLog.open(directory: directory, logger: quietLogger)
        let consumer = try await log.consumer(partition: 0, from: 0)
        #expect(try await consumer.poll(maxRecords: 10, maxWait: .zero).isEmpty)
        async let polled = consumer.poll(maxRecords: 10, maxWait: .seconds(30))
        _ = try await log.append([payload("late")], to: 0)
        #expect(try await polled == [StreamRecord(offset: 0, payload: payload("late"))])
        #expect(try await consumer.poll(maxRecords: 10, maxWait: .milliseconds(20)).isEmpty)
        await consumer.close()
        await log.close()
    }

    @Test func segmentsRollAndRetentionDeletesTheOldestBySizeAndTime() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let now = ManualMilliseconds(1_700_000_000_000)
        var options = LocalLog.Options()
        options.segmentBytes = 4096
        options.retentionTime = .seconds(3600)
        options.clock = { now.value }
        let log = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        let record = [UInt8](repeating: 7, count: 1000)
        for _ in 0..<12 { _ = try await log.append([record], to: 0) }  // 3 records per segment
        let segmentDirectory = directory + "/partition-0000"
        #expect(try FileManager.default.contentsOfDirectory(atPath: segmentDirectory).sorted() == [
            "00000000000000000000.log", "00000000000000000003.log", "00000000000000000006.log",
            "00000000000000000009.log",
        ])
        // Two hours later the old segments are past retention_time; the active one stays.
        now.value += 2 * 3600 * 1000
        try await log.enforceRetention(nowMs: now.value)
        #expect(try await log.partitions()[0] == StreamPartitionInfo(id: 0, startOffset: 9, endOffset: 12))
        #expect(try FileManager.default.contentsOfDirectory(atPath: segmentDirectory).sorted() == ["00000000000000000009.log"])
        await #expect(throws: StreamError.offsetOutOfRange(0, partition: 0, valid: 9...12)) {
            try await log.consumer(partition: 0, from: 0)
        }
        await log.close()

        // By size: at most 5000 bytes per partition. Sealing a segment enforces it (segments
        // 9 and 12 go as 15 and 18 begin); so does an explicit call (15 goes: 15 + 18 > 5000).
        options.retentionTime = nil
        options.retentionBytes = 5000
        let sized = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        for _ in 0..<9 { _ = try await sized.append([record], to: 0) }
        #expect(try await sized.partitions()[0] == StreamPartitionInfo(id: 0, startOffset: 15, endOffset: 21))
        try await sized.enforceRetention(nowMs: now.value)
        #expect(try await sized.partitions()[0] == StreamPartitionInfo(id: 0, startOffset: 18, endOffset: 21))
        #expect(try await readAll(sized, partition: 0, from: 18).count == 3)
        await sized.close()
    }

    @Test func committedOffsetsSurviveReopening() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalLog.Options()
        options.partitionCount = 2
        let log = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        #expect(try await log.committedOffset(partition: 0, group: "ingester-1") == nil)
        try await log.commit(5, partition: 0, group: "ingester-1")
        try await log.commit(7, partition: 1, group: "ingester-1")
        try await log.commit(9, partition: 1, group: "ingester-1")
        try await log.commit(2, partition: 1, group: "ingester-2")
        await #expect(throws: StreamError.invalidConsumerGroup("../etc")) { try await log.commit(1, partition: 0, group: "../etc") }
        await log.close()
        let reopened = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        #expect(try await reopened.committedOffset(partition: 0, group: "ingester-1") == 5)
        #expect(try await reopened.committedOffset(partition: 1, group: "ingester-1") == 9)
        #expect(try await reopened.committedOffset(partition: 1, group: "ingester-2") == 2)
        #expect(try await reopened.committedOffset(partition: 0, group: "ingester-2") == nil)
        await reopened.close()
    }

    @Test func refusesFewerPartitionsThanOnDisk() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalLog.Options()
        options.partitionCount = 3
        try await LocalLog.open(directory: directory, options: options, logger: quietLogger).close()
        options.partitionCount = 2
        #expect(throws: StreamError.partitionCountMismatch(found: 3, configured: 2, path: directory)) {
            try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        }
    }

    /// The newest segment cut at every byte (what a crash in the middle of a write leaves):
    /// reopening keeps exactly the records that ended before the cut, warns, and appends go on
    /// from there.
    @Test func tornTailIsTruncatedWithAWarning() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try LocalLog.open(directory: directory, logger: quietLogger)
        for i in 0..<6 { _ = try await log.append([Array(repeating: UInt8(i), count: 10 + i)], to: 0) }
        await log.close()
        let segment = directory + "/partition-0000/00000000000000000000.log"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        var ends: [Int] = []
        var position = LogSegment.header.count
        for i in 0..<6 {
            position += LogSegment.recordHeaderBytes + 10 + i
            ends.append(position)
        }
        #expect(ends.last == bytes.count)
        for cut in 0...bytes.count {
            try Data(bytes[..<cut]).write(to: URL(fileURLWithPath: segment))
            let handler = InMemoryLogHandler()
            let reopened = try LocalLog.open(directory: directory, logger: Logger(label: "test") { _ in handler })
            let kept = ends.filter { $0 <= cut }.count
            #expect(try await reopened.partitions()[0].endOffset == Int64(kept), "cut at \(cut)")
            let clean = cut == LogSegment.header.count || ends.contains(cut)
            #expect(handler.entries.contains { $0.level == .warning } == !clean, "cut at \(cut)")
            #expect(try await reopened.append([[42]], to: 0) == [Int64(kept)], "cut at \(cut)")
            #expect(try await readAll(reopened, partition: 0).count == kept + 1, "cut at \(cut)")
            await reopened.close()
        }
    }

    /// A flipped byte anywhere in the newest segment: the records before it survive, the rest
    /// is cut off, nothing traps.
    @Test func corruptByteCutsTheTailAtTheDamagedRecord() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try LocalLog.open(directory: directory, logger: quietLogger)
        for i in 0..<4 { _ = try await log.append([Array(repeating: UInt8(i), count: 30)], to: 0) }
        await log.close()
        let segment = directory + "/partition-0000/00000000000000000000.log"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        let recordBytes = LogSegment.recordHeaderBytes + 30
        for position in stride(from: 0, to: bytes.count, by: 3) {
            var damaged = bytes
            damaged[position] ^= 0x5A
            try Data(damaged).write(to: URL(fileURLWithPath: segment))
            let reopened = try LocalLog.open(directory: directory, logger: quietLogger)
            let intact = position < LogSegment.header.count ? 0 : (position - LogSegment.header.count) / recordBytes
            #expect(try await reopened.partitions()[0].endOffset == Int64(intact), "byte \(position)")
            await reopened.close()
        }
    }
}

extension LocalLogTests {
    /// Damage in a sealed segment (synced before the next one began, so not a torn write) is
    /// not cut off: the records before it and the later segments stay readable, and reading the
    /// damaged record fails with an error naming the file and position.
    @Test func corruptSealedSegmentFailsReadsOfTheDamagedRecordOnly() async throws {
        let directory = try makeTemporaryDirectory("pharos-locallog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalLog.Options()
        options.segmentBytes = 4096
        let log = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        for i in 0..<6 { _ = try await log.append([[UInt8](repeating: UInt8(i), count: 1000)], to: 0) }  // segments 0 and 3
        await log.close()
        let sealed = directory + "/partition-0000/00000000000000000000.log"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: sealed)))
        let second = LogSegment.header.count + LogSegment.recordHeaderBytes + 1000
        bytes[second + LogSegment.recordHeaderBytes + 10] ^= 0xFF  // the payload of record 1
        try Data(bytes).write(to: URL(fileURLWithPath: sealed))

        let handler = InMemoryLogHandler()
        let reopened = try LocalLog.open(directory: directory, options: options, logger: Logger(label: "test") { _ in handler })
        #expect(handler.entries.contains { $0.level == .warning && "\($0.message)".contains("sealed") })
        #expect(try await reopened.partitions()[0] == StreamPartitionInfo(id: 0, startOffset: 0, endOffset: 6))
        #expect(try await reopened.consumer(partition: 0, from: 0).poll(maxRecords: 10, maxWait: .zero).map(\.offset) == [0])
        let damagedAt = Int64(second)
        await #expect(throws: StreamError.corruptRecord(path: sealed, position: damagedAt, reason: "offset 1 lies at or after a damaged record")) {
            try await reopened.consumer(partition: 0, from: 1).poll(maxRecords: 10, maxWait: .zero)
        }
        #expect(try await readAll(reopened, partition: 0, from: 3).map(\.offset) == [3, 4, 5])
        #expect(try await reopened.append([[9]], to: 0) == [6])
        await reopened.close()
    }
}

/// A settable clock in milliseconds for retention tests.
final class ManualMilliseconds: @unchecked Sendable {
    // @unchecked: tests set it only between appends, which the log reads it during.
    var value: Int64
    init(_ value: Int64) { self.value = value }
}
