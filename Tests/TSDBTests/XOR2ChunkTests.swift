import Foundation
import Testing

import Model
@testable import TSDB
import PharosTestSupport

/// XOR2 chunks (start timestamps): byte for byte what Prometheus's own appender writes, and
/// decoded back exactly; malformed bytes end in an error, never a trap.
@Suite struct XOR2ChunkTests {
    struct Golden: Decodable {
        struct Sample: Decodable {
            var st: Int64
            var t: Int64
            var bits: String
        }
        var name: String
        var samples: [Sample]
        var hex: String
    }

    /// Reference chunks from Prometheus's XOR2 appender (see the fixture's `source`).
    static func goldens() throws -> [Golden] {
        struct File: Decodable { var cases: [Golden] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/xor2-golden.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func decodeAll(_ bytes: [UInt8]) -> (samples: [(st: Int64, t: Int64, bits: UInt64)], error: TSDBError?) {
        var iterator = XOR2Iterator()
        iterator.reset(bytes: bytes, range: bytes.indices)
        var out: [(st: Int64, t: Int64, bits: UInt64)] = []
        while iterator.next() { out.append((iterator.startTimestamp, iterator.timestamp, iterator.value.bitPattern)) }
        return (out, iterator.error)
    }

    @Test func encodesAsPrometheusDoes() throws {
        let goldens = try Self.goldens()
        #expect(goldens.count == 7)
        for golden in goldens {
            var chunk = XOR2Chunk()
            for sample in golden.samples {
                chunk.append(startTimestamp: sample.st, timestamp: sample.t, value: Double(bitPattern: UInt64(sample.bits, radix: 16)!))
            }
            #expect(Self.hex(chunk.bytes) == golden.hex, "\(golden.name)")
            chunk.compact()
            #expect(Self.hex(chunk.bytes) == golden.hex, "\(golden.name) after compact()")
        }
    }

    @Test func decodesPrometheusChunks() throws {
        for golden in try Self.goldens() {
            var bytes = [UInt8]()
            var text = Substring(golden.hex)
            while !text.isEmpty {
                bytes.append(UInt8(text.prefix(2), radix: 16)!)
                text = text.dropFirst(2)
            }
            let (samples, error) = Self.decodeAll(bytes)
            #expect(error == nil, "\(golden.name)")
            #expect(samples.count == golden.samples.count, "\(golden.name)")
            for (got, want) in zip(samples, golden.samples) {
                #expect(got.st == want.st && got.t == want.t && got.bits == UInt64(want.bits, radix: 16)!, "\(golden.name)")
            }
        }
    }

    /// Random series with every kind of timestamp jump and value, and start timestamps that
    /// are absent, constant, change now and then or every sample, round-trip exactly.
    @Test func roundTripsRandomSeries() {
        var rng = SeededGenerator(seed: 0x5354)
        for round in 0..<200 {
            let series = randomSeries(count: Int.random(in: 1...300, using: &rng), using: &rng)
            var st: Int64 = round % 4 == 0 ? 0 : Int64.random(in: -1_000_000...1_000_000, using: &rng)
            var chunk = XOR2Chunk()
            var expected: [(st: Int64, t: Int64, bits: UInt64)] = []
            for (t, v) in series {
                switch (round % 4, Int.random(in: 0..<10, using: &rng)) {
                case (0, _): st = 0
                case (1, _): break
                case (2, 0): st = Int.random(in: 0..<3, using: &rng) == 0 ? 0 : t &- Int64.random(in: 0...1 << 33, using: &rng)
                case (3, _): st = Int64.random(in: Int64.min / 4...Int64.max / 4, using: &rng)
                default: break
                }
                chunk.append(startTimestamp: st, timestamp: t, value: v)
                expected.append((st, t, v.bitPattern))
            }
            let (samples, error) = Self.decodeAll(chunk.bytes)
            #expect(error == nil)
            #expect(samples.count == expected.count, "round \(round)")
            let equal = zip(samples, expected).allSatisfy { $0.st == $1.st && $0.t == $1.t && $0.bits == $1.bits }
            #expect(equal, "round \(round)")
        }
    }

    @Test func varbitIntegersRoundTripAtEveryBucketEdge() {
        var edges: [Int64] = [0, Int64.min, Int64.max, Int64.min + 1]
        for width in VarbitInt.widths {
            let half = Int64(1) << Int64(width - 1)
            edges += [half, half + 1, -(half - 1), -half, half - 1]
        }
        var writer = BitWriter(bytes: [], freeBits: 0)
        for value in edges { writer.writeVarbitInt(value) }
        let bytes = writer.bytes
        var reader = BitReader(bytes: bytes, range: bytes.indices)
        for value in edges { #expect(reader.readVarbitInt() == value) }
    }

    /// Truncated and mutated chunks never trap: iteration ends, with an error where the bytes
    /// run out or make no sense.
    @Test func malformedChunksEndInAnErrorNotATrap() throws {
        var rng = SeededGenerator(seed: 77)
        let goldens = try Self.goldens()
        var errors = 0
        for golden in goldens {
            var chunk = XOR2Chunk()
            for sample in golden.samples {
                chunk.append(startTimestamp: sample.st, timestamp: sample.t, value: Double(bitPattern: UInt64(sample.bits, radix: 16)!))
            }
            let bytes = chunk.bytes
            for cut in 0..<bytes.count {
                let (samples, error) = Self.decodeAll(Array(bytes[..<cut]))
                if error != nil { errors += 1 }
                #expect(samples.count < golden.samples.count || cut == bytes.count)
            }
            for _ in 0..<300 {
                var mutated = bytes
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    mutated[Int.random(in: 0..<mutated.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
                _ = Self.decodeAll(mutated)
            }
        }
        #expect(errors > 0)
        #expect(Self.decodeAll([0, 5]).error != nil)
    }
}
