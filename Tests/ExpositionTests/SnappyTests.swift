import Testing

@testable import Exposition
import PharosTestSupport

@Suite struct SnappyTests {
    @Test func roundTripsBlocks() throws {
        let inputs: [[UInt8]] = [[], Array("hello hello hello hello".utf8), (0..<100_000).map { UInt8($0 % 251) }]
        for input in inputs {
            #expect(try Snappy.decompress(Snappy.compress(input)) == input)
        }
    }

    @Test func refusesOutputOverTheLimitBeforeDecompressing() throws {
        let block = Snappy.compress([UInt8](repeating: 7, count: 10_000))
        #expect(throws: ExpositionError.decompressedTooLarge(bytes: 10_000, limitBytes: 1_000)) {
            try Snappy.decompress(block, limitBytes: 1_000)
        }
    }

    /// Every truncation and a fixed-seed series of byte flips of a valid block: an error or
    /// bytes, never a crash.
    @Test func survivesTruncatedAndMutatedBlocks() throws {
        let block = Snappy.compress(Array(String(repeating: "metric_name{job=\"x\"} 1\n", count: 50).utf8))
        for end in 0..<block.count {
            _ = try? Snappy.decompress(Array(block[..<end]))
        }
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<2_000 {
            var mutated = block
            let index = Int(rng.next() % UInt64(mutated.count))
            mutated[index] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            _ = try? Snappy.decompress(mutated)
        }
        #expect(throws: ExpositionError.corruptSnappy(compressedBytes: 3)) { try Snappy.decompress([0xFF, 0xFF, 0xFF]) }
    }
}
