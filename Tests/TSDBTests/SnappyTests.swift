import Exposition
import Foundation
import Model
import Testing

@testable import TSDB
import PharosTestSupport

@Suite struct SnappyTests {
    /// Blocks written by hand from the format description, one per element kind, through the
    /// snappy decoder the WAL reader uses (Exposition's).
    @Test(arguments: [
        // "hello": length 5, literal of 5 (tag (5-1)<<2).
        ([5, 16] + Array("hello".utf8), Array("hello".utf8)),
        // "abababab": literal "ab", then a 1-byte-offset copy of 6 from offset 2 (overlapping).
        ([8, 4, 0x61, 0x62, 0x09, 2], Array("abababab".utf8)),
        // "abcabc": literal "abc", then a 2-byte-offset copy of 3 from offset 3.
        ([6, 8, 0x61, 0x62, 0x63, 0x0A, 3, 0], Array("abcabc".utf8)),
        // Same with a 4-byte offset.
        ([6, 8, 0x61, 0x62, 0x63, 0x0B, 3, 0, 0, 0], Array("abcabc".utf8)),
        // A 70-byte literal: tag 60<<2 with one extra length byte (69).
        ([70, 0xF0, 69] + [UInt8](repeating: 0x7A, count: 70), [UInt8](repeating: 0x7A, count: 70)),
        ([0], []),
    ] as [([UInt8], [UInt8])])
    func decodesEveryElementKind(block: [UInt8], expected: [UInt8]) throws {
        #expect(try Snappy.decompress(block) == expected)
    }

    @Test func malformedBlocksThrow() {
        let bad: [[UInt8]] = [
            [], [5, 16, 0x68], [3, 0x09, 2], [6, 8, 0x61, 0x62, 0x63, 0x0A, 9, 0], [2, 4, 0x61, 0x62, 0x09, 2],
            [0xFF, 0xFF, 0xFF, 0xFF, 0x7F], [1, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF],
        ]
        for block in bad {
            #expect(throws: ExpositionError.self, "\(block)") { try Snappy.decompress(block) }
        }
        var rng = SeededGenerator(seed: 8)
        let good: [UInt8] = [70, 0xF0, 69] + [UInt8](repeating: 0x7A, count: 70)
        for _ in 0..<2000 {
            var mutated = good
            mutated[Int.random(in: 0..<good.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            let cut = Int.random(in: 0...mutated.count, using: &rng)
            _ = try? Snappy.decompress(Array(mutated[..<cut]))
        }
    }
}

/// A WAL written by real Prometheus 2.42 (8 self-scrapes, snappy-compressed records, the
/// default) replays in Pharos to exactly what `promtool tsdb dump` prints for it.
@Suite struct PrometheusWALFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/prometheus-2.42-wal")

    /// Exact bits, except that promtool prints every NaN as `NaN`.
    static func text(_ v: Double) -> String { v.isNaN ? "NaN" : String(v.bitPattern) }

    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"))
    func replaysAPrometheusWALLikePromtool() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.url.appendingPathComponent("data")
        try FileManager.default.copyItem(at: Self.fixture, to: data)

        let result = try run("/usr/bin/env", ["promtool", "tsdb", "dump", data.path])
        try #require(result.status == 0, "promtool failed: \(result.output)")
        let dumped = result.output.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            guard parts.count >= 3, let v = Double(parts[parts.count - 2]) else { return nil }
            return "\(parts[..<(parts.count - 2)].joined(separator: " ")) \(Self.text(v)) \(parts[parts.count - 1])"
        }

        let head = try Head.open(directory: data.path)
        var replayed = [String]()
        for (labels, samples) in try readAll(head.querier(), [matcher(.regexMatch, "__name__", ".+")]) {
            for (t, bits) in samples { replayed.append("\(labels) \(Self.text(Double(bitPattern: bits))) \(t)") }
        }
        try head.close()
        #expect(dumped.count > 2000)
        #expect(replayed.count == dumped.count)
        #expect(replayed == dumped)
    }
}
