import Foundation
import Model
import Testing

@testable import TSDB
import PharosTestSupport

/// Snappy-compressed WAL records (`Head.Options.walCompression`, Prometheus's default
/// `--storage.tsdb.wal-compression`): written with the fragment flag, replayed, and mixed
/// with uncompressed segments written before (or with the option off).
@Suite struct WALCompressionTests {
    /// The type bytes of every fragment of a segment.
    static func fragmentTypes(_ path: String) throws -> [UInt8] {
        var types = [UInt8]()
        let bytes = try FileIO.readFile(path)
        var offset = 0
        while offset + WALFormat.recordHeaderSize <= bytes.count {
            let leftInPage = WALFormat.pageSize - offset % WALFormat.pageSize
            if leftInPage < WALFormat.recordHeaderSize || bytes[offset] == 0 {
                offset += leftInPage
                continue
            }
            types.append(bytes[offset])
            offset += WALFormat.recordHeaderSize + (Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]))
        }
        return types
    }

    @Test func compressedSegmentsAreSmallerAndReplay() throws {
        var sizes = [Bool: Int]()
        for compression in [false, true] {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            var options = Head.Options()
            options.walCompression = compression
            let head = try Head.open(directory: directory.path, options: options)
            _ = try writeCommits(head, commits: 200, series: 50, walPath: directory.path + "/wal/00000000")
            try head.close()
            let types = try Self.fragmentTypes(directory.path + "/wal/00000000")
            #expect(!types.isEmpty)
            #expect(types.allSatisfy { ($0 & WALFormat.snappyFlag != 0) == compression }, "\(types.prefix(10))")
            sizes[compression] = try FileIO.readFile(directory.path + "/wal/00000000").count
            let reopened = try Head.open(directory: directory.path, options: options)
            #expect(try committedPrefix(reopened, series: 50) == 200)
            try reopened.close()
        }
        let plain = try #require(sizes[false]), compressed = try #require(sizes[true])
        #expect(compressed < plain * 3 / 4, "compressed \(compressed) B vs \(plain) B")
    }

    /// Segments written without compression (by an older Pharos, or with the option off) and
    /// with it replay together, whichever way the option is set now; so do checkpoints.
    @Test(arguments: [false, true])
    func uncompressedAndCompressedSegmentsReplayTogether(finallyCompressed: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = Head.Options()
        var expected = [Int64]()
        for (generation, compression) in [false, true, false, true].enumerated() {
            options.walCompression = compression
            let head = try Head.open(directory: directory.path, options: options)
            var app = head.appender()
            for k in 0..<10 {
                let t = Int64(generation * 100 + k)
                for i in 0..<30 { try app.append(Labels(["__name__": "mixed", "i": String(i)]), timestamp: t, value: Double(t)) }
                try app.commit()
                expected.append(t)
            }
            if generation == 1 { _ = try head.checkpointWAL() }  // a compressed checkpoint of both kinds
            try head.close()
        }
        let wal = directory.path + "/wal"
        let checkpoint = try #require(try FileIO.listDirectory(wal).first { WALFormat.checkpointIndex($0) != nil })
        #expect(try Self.fragmentTypes(wal + "/" + checkpoint + "/00000000").allSatisfy { $0 & WALFormat.snappyFlag != 0 })
        let segments = try FileIO.listDirectory(wal).compactMap(WALFormat.segmentIndex).sorted()
        let flagged = try segments.compactMap { segment -> Bool? in
            let types = try Self.fragmentTypes(wal + "/" + WALFormat.segmentName(segment))
            return types.isEmpty ? nil : types.contains { $0 & WALFormat.snappyFlag != 0 }
        }
        #expect(flagged == [false, true])
        options.walCompression = finallyCompressed
        let reopened = try Head.open(directory: directory.path, options: options)
        let series = try readAll(reopened.querier(), [matcher(.equal, "__name__", "mixed")])
        #expect(series.count == 30)
        for (labels, samples) in series { #expect(samples.map(\.0) == expected, "\(labels)") }
        try reopened.close()
    }

    /// A record that does not get smaller is written as it is, without the flag, as upstream.
    @Test func incompressibleRecordsAreWrittenPlain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try WALWriter(directory: directory.path, firstSegment: 0, compresses: true)
        var rng = SeededGenerator(seed: 7)
        let random = (0..<3_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let repetitive = [UInt8](repeating: 42, count: 3_000)
        try writer.log([random, repetitive, []])
        try writer.close()
        let bytes = try FileIO.readFile(directory.path + "/00000000")
        #expect(try Self.fragmentTypes(directory.path + "/00000000") == [1, 1 | WALFormat.snappyFlag, 1])
        var records = [[UInt8]]()
        let corruption = WALSegmentReader.records(in: bytes, segment: 0) { records.append($0) }
        #expect(corruption == nil)
        #expect(records == [random, repetitive, []])
    }

    /// Damage inside a compressed record is caught (by its checksum, or snappy's checks when
    /// the checksum is recomputed) and replay keeps every commit before it.
    @Test func corruptCompressedRecordsAreCut() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let walPath = directory.path + "/wal/00000000"
        let head = try Head.open(directory: directory.path)
        let ends = try writeCommits(head, commits: 30, series: 40, walPath: walPath)
        try head.close()
        let bytes = try FileIO.readFile(walPath)
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<20 {
            var damaged = bytes
            let offset = Int.random(in: 0..<ends[ends.count - 1], using: &rng)
            damaged[offset] ^= UInt8.random(in: 1...255, using: &rng)
            let copy = try TemporaryDirectory()
            defer { copy.remove() }
            try FileIO.makeDirectory(copy.path + "/wal")
            try Data(damaged).write(to: URL(fileURLWithPath: copy.path + "/wal/00000000"))
            let reopened = try Head.open(directory: copy.path)
            let kept = try committedPrefix(reopened, series: 40)
            #expect(kept == ends.filter { $0 <= offset }.count, "damage at \(offset)")
        }
    }
}
