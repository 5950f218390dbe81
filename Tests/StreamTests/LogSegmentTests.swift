import PharosTestSupport
import Testing

@testable import Stream

@Suite struct LogSegmentTests {
    /// A segment's bytes with records of the given payload sizes, and where each record ends.
    private func segment(payloadSizes: [Int], baseOffset: Int64 = 0) -> (bytes: [UInt8], ends: [Int]) {
        var bytes = LogSegment.header
        var ends: [Int] = []
        for (i, size) in payloadSizes.enumerated() {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            LogSegment.appendRecord(offset: baseOffset + Int64(i), timestampMs: 1_700_000_000_000 + Int64(i), payload: payload, to: &bytes)
            ends.append(bytes.count)
        }
        return (bytes, ends)
    }

    private func scan(_ bytes: [UInt8], baseOffset: Int64 = 0, max: Int = 1 << 20) -> LogSegment.Scan {
        bytes.withUnsafeBytes { LogSegment.scan($0, baseOffset: baseOffset, maxPayloadBytes: max) }
    }

    @Test func recordsRoundTrip() {
        let (bytes, ends) = segment(payloadSizes: [0, 1, 100, 5000], baseOffset: 40)
        let result = scan(bytes, baseOffset: 40)
        #expect(result.problem == nil)
        #expect(result.validBytes == bytes.count)
        #expect(result.records.map(\.offset) == [40, 41, 42, 43])
        #expect(result.records.map(\.timestampMs) == (0..<4).map { 1_700_000_000_000 + $0 })
        #expect(result.records.map { $0.position + $0.byteCount } == ends)
        #expect(result.records.map(\.payload.count) == [0, 1, 100, 5000])
        #expect(Array(bytes[result.records[2].payload]) == (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 2) })
    }

    @Test func fileNamesCarryTheBaseOffset() {
        #expect(LogSegment.fileName(baseOffset: 0) == "00000000000000000000.log")
        #expect(LogSegment.fileName(baseOffset: 1234) == "00000000000000001234.log")
        #expect(LogSegment.baseOffset(fileName: "00000000000000001234.log") == 1234)
        for name in ["1234.log", "0000000000000000123x.log", "00000000000000001234.tmp", "+0000000000000001234.log", ""] {
            #expect(LogSegment.baseOffset(fileName: name) == nil, "\(name)")
        }
    }

    /// Hostile segments, as a table: each keeps exactly the valid prefix and says why it stopped.
    @Test(arguments: [
        ("empty file", [UInt8](), 0, 0),
        ("short header", [0x50, 0x48, 0x4C], 0, 0),
        ("wrong magic", [0x50, 0x48, 0x4C, 0x48, 1, 0, 0, 0], 0, 0),
        ("unknown version", [0x50, 0x48, 0x4C, 0x47, 2, 0, 0, 0], 0, 0),
        ("header only, then garbage byte", LogSegment.header + [0xFF], 0, 8),
        ("length beyond the limit", LogSegment.header + [0xFF, 0xFF, 0xFF, 0x7F] + [UInt8](repeating: 0, count: 20), 0, 8),
        ("length beyond the file", LogSegment.header + [100, 0, 0, 0] + [UInt8](repeating: 0, count: 20), 0, 8),
        ("zero checksum", LogSegment.header + [UInt8](repeating: 0, count: 24), 0, 8),
    ] as [(String, [UInt8], Int, Int)])
    func malformedSegmentsKeepTheValidPrefix(name: String, bytes: [UInt8], records: Int, validBytes: Int) {
        let result = scan(bytes, max: 1 << 20)
        #expect(result.records.count == records, "\(name)")
        #expect(result.validBytes == validBytes, "\(name)")
        #expect(result.problem != nil, "\(name)")
    }

    @Test func wrongOffsetIsRefused() {
        let (bytes, _) = segment(payloadSizes: [10, 10], baseOffset: 5)
        let result = scan(bytes, baseOffset: 4)
        #expect(result.records.isEmpty)
        #expect(result.problem == "offset 5 where 4 belongs")
    }

    /// Every truncation point keeps exactly the records that end before it.
    @Test func truncationAtEveryByteKeepsTheCompleteRecords() {
        let (bytes, ends) = segment(payloadSizes: [3, 0, 50, 7, 200])
        for cut in 0...bytes.count {
            let result = scan(Array(bytes[..<cut]))
            let expected = ends.filter { $0 <= cut }
            #expect(result.records.count == expected.count, "cut at \(cut)")
            #expect(result.validBytes == (cut < 8 ? 0 : expected.last ?? 8), "cut at \(cut)")
        }
    }

    /// Random mutations (flips, overwrites, insertions, deletions) of a valid segment never trap;
    /// whatever the scan keeps is a prefix of the original records, byte for byte.
    @Test func mutatedSegmentsNeverTrapAndKeepOnlyOriginalRecords() {
        let (original, ends) = segment(payloadSizes: [12, 0, 300, 45, 1, 90, 8])
        var rng = SeededGenerator(seed: 7)
        for iteration in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<max(1, bytes.count), using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where !bytes.isEmpty: bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
                case 1 where !bytes.isEmpty: bytes[at] = [0, 0xFF, 0x7F, 0x80].randomElement(using: &rng)!
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: min(at, bytes.count))
                default: if !bytes.isEmpty { bytes.remove(at: at) }
                }
            }
            let result = scan(bytes, max: 4096)
            #expect(result.validBytes <= bytes.count)
            for record in result.records {
                let end = record.position + record.byteCount
                #expect(ends.contains(end) && Array(bytes[record.position..<end]) == Array(original[record.position..<end]),
                        "iteration \(iteration): a record the mutation damaged was kept")
            }
        }
    }

    /// Random bytes after a valid header never trap and are never taken for records.
    @Test func randomBytesAreNotRecords() {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<2000 {
            let bytes = LogSegment.header + (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(scan(bytes, max: 1 << 30).records.isEmpty)
        }
    }
}

@Suite struct ConsumerOffsetsFileTests {
    @Test func roundTrips() throws {
        let offsets: [Int: Int64] = [0: 17, 3: 0, 11: 1 << 40]
        #expect(try ConsumerOffsetsFile.decode(ConsumerOffsetsFile.encode(offsets), path: "f") == offsets)
        #expect(try ConsumerOffsetsFile.decode(ConsumerOffsetsFile.encode([:]), path: "f") == [:])
    }

    /// Every truncation and every single-byte change is refused with a corruption error.
    @Test func damagedFilesAreRefused() {
        let bytes = ConsumerOffsetsFile.encode([0: 5, 1: 9])
        for cut in 0..<bytes.count {
            #expect(throws: StreamError.self) { try ConsumerOffsetsFile.decode(Array(bytes[..<cut]), path: "f") }
        }
        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= 0x01
            #expect(throws: StreamError.self, "byte \(position)") { try ConsumerOffsetsFile.decode(damaged, path: "f") }
        }
        #expect(throws: StreamError.corruptRecord(path: "f", position: 0, reason: "size does not match its 4294967295 entries")) {
            try ConsumerOffsetsFile.decode(ConsumerOffsetsFile.header + [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0], path: "f")
        }
    }
}
