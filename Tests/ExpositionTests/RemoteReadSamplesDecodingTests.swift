import Model
import Testing

@testable import Exposition
import PharosTestSupport

/// `RemoteReadResponse.decodeSamples`, the `SAMPLES` answer a remote-read client reads.
@Suite struct RemoteReadSamplesDecodingTests {
    /// Random results: per query, series with sorted labels and increasing timestamps.
    static func randomResults(seed: UInt64) -> [RemoteWriteBatch] {
        var rng = SeededGenerator(seed: seed)
        return (0..<Int.random(in: 1...3, using: &rng)).map { query in
            var batch = RemoteWriteBatch()
            for series in 0..<Int.random(in: 0...5, using: &rng) {
                var t = Int64.random(in: 0...1_000_000, using: &rng)
                let samples = (0..<Int.random(in: 1...50, using: &rng)).map { _ in
                    t += Int64.random(in: 1...30_000, using: &rng)
                    return Sample(timestampMs: t, value: Double(Int.random(in: -1_000...1_000, using: &rng)) / 8)
                }
                _ = batch.appendSeries(Labels(["__name__": "m\(query)", "series": "\(series)", "z": "é\(series)"]), samples: samples)
            }
            return batch
        }
    }

    @Test(arguments: 0..<30)
    func readsWhatTheEncoderWrites(seed: UInt64) throws {
        let results = Self.randomResults(seed: seed)
        var body: [UInt8] = []
        RemoteReadResponse.encodeSamples(results, into: &body)
        var decoder = RemoteWriteDecoder(options: .init(sortsUnsortedLabels: true))
        let decoded = try RemoteReadResponse.decodeSamples(body, decoder: &decoder)
        #expect(decoded.count == results.count)
        for (got, sent) in zip(decoded, results) {
            #expect(got.labels == sent.labels)
            #expect(got.timestampsMs == sent.timestampsMs)
            #expect(got.values == sent.values)
            #expect(got.sampleRanges == sent.sampleRanges)
        }
    }

    @Test func emptyResponseHasNoResults() throws {
        var decoder = RemoteWriteDecoder()
        #expect(try RemoteReadResponse.decodeSamples([], decoder: &decoder).isEmpty)
    }

    @Test func survivesTruncatedAndMutatedResponses() throws {
        var body: [UInt8] = []
        RemoteReadResponse.encodeSamples(Self.randomResults(seed: 5), into: &body)
        var decoder = RemoteWriteDecoder(options: .init(sortsUnsortedLabels: true))
        for end in 0..<body.count { _ = try? RemoteReadResponse.decodeSamples(Array(body[..<end]), decoder: &decoder) }
        var rng = SeededGenerator(seed: 17)
        for _ in 0..<2_000 {
            var mutated = body
            mutated[Int(rng.next() % UInt64(mutated.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            _ = try? RemoteReadResponse.decodeSamples(mutated, decoder: &decoder)
        }
        // A QueryResult whose length runs past the end, and a series without labels.
        #expect(throws: ExpositionError.self) { try RemoteReadResponse.decodeSamples([0x0A, 0x7F], decoder: &decoder) }
        #expect(throws: ExpositionError.self) { try RemoteReadResponse.decodeSamples([0x0A, 0x02, 0x0A, 0x00], decoder: &decoder) }
    }
}
