import Foundation
import Model
import Testing

@testable import TSDB

/// Chunk bytes compared with the ones real Prometheus writes: promtool builds a block from an
/// OpenMetrics file, and every chunk in its `chunks/000001` must equal Pharos's encoding of the
/// same samples, and the whole segment file must equal `ChunkSegmentFile.encode`'s.
@Suite struct PromtoolChunkGoldenTests {
    /// OpenMetrics spelling of a value that Go parses back to the same bits.
    static func text(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v == .infinity { return "+Inf" }
        if v == -.infinity { return "-Inf" }
        return "\(v)"
    }

    /// Series whose samples promtool keeps in one chunk each: at most 30 samples (below the
    /// point where the head starts predicting chunk ends) inside one aligned 2h block.
    static func makeSeries(using rng: inout SeededGenerator) -> [[(Int64, Double)]] {
        let blockStart: Int64 = 1_699_999_200_000  // a multiple of 2h
        var all = [[(Int64, Double)]]()
        for index in 0..<10 {
            var t = blockStart + Int64.random(in: 0..<60, using: &rng) * 250
            var v = Double(index)
            var samples = [(Int64, Double)]()
            for _ in 0..<Int.random(in: 1...30, using: &rng) {
                samples.append((t, v))
                // Multiples of 250ms are exact in decimal seconds and in binary floating point.
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: t += 15_000
                case 1: t += 250 * Int64.random(in: 1...4, using: &rng)
                case 2: t += 250 * Int64.random(in: 100...1000, using: &rng)
                default: t += 15_000 + 250 * Int64.random(in: -4...4, using: &rng)
                }
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: v = goNaN
                case 1: v = .infinity
                case 2: v = -.infinity
                case 3: break
                case 4: v = Double(Int.random(in: -1_000_000...1_000_000, using: &rng))
                case 5: v = Double.random(in: -1e300...1e300, using: &rng)
                default: v = (v.isFinite ? v : 0) + Double.random(in: -100...100, using: &rng)
                }
            }
            precondition(t < blockStart + 7_200_000, "BUG: series leaves the block")
            all.append(samples)
        }
        return all
    }

    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"),
          arguments: [UInt64(1), 2, 3])
    func chunksAreByteIdenticalToPrometheus(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let series = Self.makeSeries(using: &rng)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        var input = "# TYPE s gauge\n"
        for (index, samples) in series.enumerated() {
            for (t, v) in samples {
                input += "s{i=\"\(index)\"} \(Self.text(v)) \(t / 1000).\(String(format: "%03d", t % 1000))\n"
            }
        }
        input += "# EOF\n"
        let inputPath = directory.path + "/input.om"
        try input.write(toFile: inputPath, atomically: true, encoding: .utf8)
        let outputPath = directory.path + "/blocks"
        let result = try run("/usr/bin/env", ["promtool", "tsdb", "create-blocks-from", "openmetrics", inputPath, outputPath])
        try #require(result.status == 0, "promtool failed: \(result.output)")

        let blocks = try FileManager.default.contentsOfDirectory(atPath: outputPath)
        try #require(blocks.count == 1, "expected one block, got \(blocks)")
        let segmentPath = "\(outputPath)/\(blocks[0])/chunks/000001"
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segmentPath)))
        let entries = try ChunkSegmentFile.entries(in: file, path: segmentPath)
        try #require(entries.count == series.count)

        // Series are written in label order: i="0" < i="1" < ... < i="9".
        var ours = [XORChunk]()
        for (index, samples) in series.enumerated() {
            var chunk = XORChunk()
            for (t, v) in samples { chunk.append(timestamp: t, value: v) }
            #expect(entries[index].encoding == .xor)
            let theirs = Array(file[entries[index].data])
            #expect(firstDifference(theirs, chunk.bytes) == nil, "series \(index): \(samples)")
            ours.append(chunk)

            var iterator = XORIterator()
            iterator.reset(bytes: file, range: entries[index].data)
            var decoded = [(Int64, UInt64)]()
            while iterator.next() { decoded.append((iterator.timestamp, iterator.value.bitPattern)) }
            #expect(iterator.error == nil)
            #expect(decoded.map(\.0) == samples.map(\.0))
            #expect(decoded.map(\.1) == samples.map(\.1.bitPattern))
        }
        #expect(firstDifference(ChunkSegmentFile.encode(ours.map { (.xor, $0.bytes) }), file) == nil)
    }

    /// Long series cut into several chunks by the head: chunk boundaries (the head's end-time
    /// prediction) and bytes must both be Prometheus's, so the whole segment file matches.
    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"),
          arguments: [UInt64(11), 12])
    func headChunkBoundariesMatchPrometheus(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let blockStart: Int64 = 1_699_999_200_000
        let head = Head()
        var app = head.appender()
        var input = "# TYPE s gauge\n"
        for index in 0..<6 {
            let interval = [10_000, 15_000, 30_000, 60_000].randomElement(using: &rng) ?? 15_000
            var t = blockStart + 250 * Int64.random(in: 0..<400, using: &rng)
            var v = 0.0
            let labels = Labels(["__name__": "s", "i": String(index)])
            while t < blockStart + 7_200_000 {
                try app.append(labels, timestamp: t, value: v)
                input += "s{i=\"\(index)\"} \(Self.text(v)) \(t / 1000).\(String(format: "%03d", t % 1000))\n"
                t += Int64(interval) + 250 * Int64.random(in: -2...2, using: &rng)
                v += Double(Int.random(in: -50...100, using: &rng)) / 4
            }
        }
        input += "# EOF\n"
        try app.commit()

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let inputPath = directory.path + "/input.om"
        try input.write(toFile: inputPath, atomically: true, encoding: .utf8)
        let outputPath = directory.path + "/blocks"
        let result = try run("/usr/bin/env", ["promtool", "tsdb", "create-blocks-from", "openmetrics", inputPath, outputPath])
        try #require(result.status == 0, "promtool failed: \(result.output)")
        let blocks = try FileManager.default.contentsOfDirectory(atPath: outputPath)
        try #require(blocks.count == 1, "expected one block, got \(blocks)")
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(outputPath)/\(blocks[0])/chunks/000001")))

        let series = try head.querier().select([], mint: .min, maxt: .max)
        let chunks = series.flatMap(\.chunks).map { (ChunkEncoding.xor, Array($0.bytes[$0.range])) }
        #expect(chunks.count > 12)  // several chunks per series
        #expect(firstDifference(ChunkSegmentFile.encode(chunks), file) == nil)
    }

    @Test func segmentReaderRejectsDamage() throws {
        var chunk = XORChunk()
        for t in 0..<50 { chunk.append(timestamp: Int64(t) * 1000, value: Double(t)) }
        let file = ChunkSegmentFile.encode([(.xor, chunk.bytes), (.xor, chunk.bytes)])
        let entries = try ChunkSegmentFile.entries(in: file, path: "x")
        #expect(entries.count == 2)
        #expect(entries[0].offset == 8)
        for length in 0..<file.count where length != 8 && length != entries[1].offset {
            #expect(throws: TSDBError.self) { try ChunkSegmentFile.entries(in: Array(file[..<length]), path: "x") }
        }
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<1000 {
            var mutated = file
            // Every byte but the header's padding, which upstream ignores too.
            let index = [0, 1, 2, 3, 4].randomElement(using: &rng) ?? 0
            mutated[Bool.random(using: &rng) ? index : Int.random(in: 8..<file.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            #expect(throws: TSDBError.self) { try ChunkSegmentFile.entries(in: mutated, path: "x") }
        }
    }
}
