import Exposition
import Foundation
import Model
import PharosTestSupport
import Testing

@testable import Stream

/// Chained records (payload format 2): what a writer's encoder produces, a reader's decoder
/// gives back bit for bit, in chain order only; broken chains and malformed bodies are refused
/// with their reason; the resume offset covers every chain that may still grow.
@Suite struct ChainedRecordTests {
    /// Scrape-like batches: `series` series, one sample each at `timestampMs`, values that grow
    /// (counters), stay (gauges), or are special (stale marker, NaN, -0, infinities).
    private func scrape(_ round: Int, series: Range<Int> = 0..<50, timestampMs: Int64? = nil) -> RemoteWriteBatch {
        var batch = RemoteWriteBatch()
        let specials: [Double] = [.staleMarker, .nan, -0.0, .infinity, -.infinity, 0x1p-1074]
        for s in series {
            let value: Double = switch s % 4 {
            case 0: Double(round * 17 + s)  // counter
            case 1: 42.5  // constant gauge
            case 2: Double(round).squareRoot() * Double(s)  // noisy
            default: specials[(round + s) % specials.count]
            }
            let t = timestampMs ?? (1_700_000_000_000 + Int64(round) * 15_000 + Int64(s % 3))
            batch.appendSeries(Labels(["__name__": "metric_\(s % 7)", "instance": "host-\(s):9100", "job": "node"]),
                               samples: [Sample(timestampMs: t, value: value)])
        }
        return batch
    }

    private func decoded(_ payload: [UInt8], offset: Int64, _ codec: inout StreamRecordCodec) throws -> RemoteWriteBatch {
        var batch = RemoteWriteBatch()
        try codec.decode(payload, offset: offset, into: &batch)
        return batch
    }

    /// Samples as comparable rows: labels, timestamp and the value's bits.
    private func rows(_ batch: RemoteWriteBatch) -> [String] {
        batch.labels.indices.flatMap { s in
            batch.sampleRanges[s].map { "\(batch.labels[s]) \(batch.timestampsMs[$0]) \(batch.values[$0].bitPattern)" }
        }
    }

    @Test func recordsRoundTripBitForBitInChainOrder() throws {
        var encoder = ChainedRecordEncoder()
        var codec = StreamRecordCodec()
        for round in 0..<30 {
            // Series come and go; some rounds carry several samples of one series.
            var batch = scrape(round, series: (round % 5)..<(40 + round))
            if round % 3 == 0 {
                batch.appendSeries(Labels(["__name__": "burst", "k": "v"]),
                                   samples: (0..<5).map { Sample(timestampMs: -5_000 + Int64(round * 100 + $0), value: Double($0)) })
            }
            let payload = encoder.encode(batch, nowMs: 1_000 + Int64(round))
            #expect(payload.first == ChainedRecordFormat.formatByte)
            #expect(rows(try decoded(payload, offset: Int64(round), &codec)) == rows(batch), "round \(round)")
        }
        #expect(encoder.nextSequence == 30)
    }

    /// A record decodes only after its predecessors: a reader that starts mid-chain or misses a
    /// record gets `chainBroken`, and after a missing record the rest of the chain is refused
    /// until the writer's next key record.
    @Test func brokenChainsAreRefusedUntilTheNextKeyRecord() throws {
        var encoder = ChainedRecordEncoder()
        let payloads = (0..<4).map { encoder.encode(scrape($0), nowMs: 1_000) }
        let chain = encoder.chainID

        var lateReader = StreamRecordCodec()
        #expect(throws: StreamError.chainBroken(chain: chain, sequence: 2, expected: nil)) {
            try decoded(payloads[2], offset: 2, &lateReader)
        }

        var gapReader = StreamRecordCodec()
        _ = try decoded(payloads[0], offset: 0, &gapReader)
        #expect(throws: StreamError.chainBroken(chain: chain, sequence: 2, expected: 1)) {
            try decoded(payloads[2], offset: 2, &gapReader)
        }
        #expect(throws: StreamError.chainBroken(chain: chain, sequence: 3, expected: nil)) {
            try decoded(payloads[3], offset: 3, &gapReader)
        }
        encoder.startNewChain()
        let key = encoder.encode(scrape(4), nowMs: 1_000)
        #expect(rows(try decoded(key, offset: 4, &gapReader)) == rows(scrape(4)))
    }

    /// The encoder starts a new chain when the old one reaches its age (or the clock goes back)
    /// or its series limit; the new key record names the old chain, which readers then forget.
    @Test func chainsEndByAgeClockAndSeriesCount() throws {
        var encoder = ChainedRecordEncoder(maxAgeMs: 60_000, maxSeries: 120)
        var codec = StreamRecordCodec()
        _ = try decoded(encoder.encode(scrape(0), nowMs: 10_000), offset: 0, &codec)
        let first = encoder.chainID
        _ = try decoded(encoder.encode(scrape(1), nowMs: 69_999), offset: 1, &codec)
        #expect(encoder.chainID == first)
        _ = try decoded(encoder.encode(scrape(2), nowMs: 70_000), offset: 2, &codec)
        #expect(encoder.chainID != first && encoder.nextSequence == 1, "a chain 60 s old ends")
        #expect(codec.resumeOffset(next: 3) == 2, "the old chain is finished: only the new key record is needed")

        let second = encoder.chainID
        _ = encoder.encode(scrape(3), nowMs: 69_000)
        #expect(encoder.chainID != second, "a clock that went back ends the chain")

        let third = encoder.chainID
        _ = encoder.encode(scrape(4, series: 0..<100), nowMs: 69_000)
        _ = encoder.encode(scrape(5, series: 100..<130), nowMs: 69_000)
        #expect(encoder.chainID == third)
        _ = encoder.encode(scrape(6), nowMs: 69_000)
        #expect(encoder.chainID != third, "a chain naming 130 of at most 120 series ends")
    }

    /// The resume offset is the oldest key record of the chains that may still grow: chains of
    /// two writers interleave; a chain whose writer started the next one, or whose age plus the
    /// clock margin has passed by the newest writer clock read, no longer holds it back.
    @Test func resumeOffsetCoversEveryChainThatMayGrow() throws {
        var a = ChainedRecordEncoder(maxAgeMs: 60_000), b = ChainedRecordEncoder(maxAgeMs: 60_000)
        var codec = StreamRecordCodec()
        #expect(codec.resumeOffset(next: 0) == 0)
        _ = try decoded(a.encode(scrape(0), nowMs: 0), offset: 10, &codec)
        #expect(codec.resumeOffset(next: 11) == 10)
        _ = try decoded(b.encode(scrape(0, series: 60..<70), nowMs: 1_000), offset: 11, &codec)
        _ = try decoded(a.encode(scrape(1), nowMs: 2_000), offset: 12, &codec)
        #expect(codec.resumeOffset(next: 13) == 10)
        _ = try decoded(a.encode(scrape(2), nowMs: 60_000), offset: 13, &codec)  // a's next chain
        #expect(codec.resumeOffset(next: 14) == 11, "b's chain is the oldest that may still grow")
        // a writes on: its clock passes b's chain start + age + margin, so b (silent) is done.
        let late = 1_000 + 60_000 + ChainedRecordFormat.clockMarginMs + 1
        _ = try decoded(a.encode(scrape(3), nowMs: late - 1), offset: 14, &codec)
        #expect(codec.resumeOffset(next: 15) == 11, "b's chain may still grow by the clock margin")
        _ = try decoded(a.encode(scrape(4), nowMs: late), offset: 15, &codec)
        #expect(codec.resumeOffset(next: 16) == 14)
        #expect(throws: StreamError.chainBroken(chain: b.chainID, sequence: 1, expected: nil)) {
            try decoded(b.encode(scrape(1, series: 60..<70), nowMs: 2_000), offset: 16, &codec)
        }
    }

    /// Truncations and random mutations of chained records: an error or a batch, never a trap;
    /// a record that fails to decode is not half applied (its chain is dropped, so nothing later
    /// decodes to wrong values).
    @Test func mutatedRecordsNeverTrapNorHalfApply() throws {
        var encoder = ChainedRecordEncoder()
        let key = encoder.encode(scrape(0), nowMs: 0)
        let next = encoder.encode(scrape(1), nowMs: 1)
        let body = try next.withUnsafeBytes { try Zstd.decompress(UnsafeRawBufferPointer(rebasing: $0.dropFirst()), limitBytes: 1 << 20) }
        var rng = SeededGenerator(seed: 7)
        for trial in 0..<1500 {
            var codec = StreamRecordCodec()
            _ = try decoded(key, offset: 0, &codec)
            var mutated = body
            if trial < body.count {
                mutated = Array(body[..<trial])
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    mutated[Int.random(in: 9..<mutated.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            }
            var payload: [UInt8] = [ChainedRecordFormat.formatByte]
            mutated.withUnsafeBytes { Zstd.compress($0, into: &payload) }
            var batch = RemoteWriteBatch()
            do {
                try codec.decode(payload, offset: 1, into: &batch)
            } catch {
                #expect(batch.seriesCount == 0, "a failed decode leaves no samples")
                // The chain is gone: its next record is refused rather than decoded against a
                // state the writer never had.
                var writer = encoder
                let third = writer.encode(scrape(2), nowMs: 2)
                #expect(throws: StreamError.self) { try codec.decode(third, offset: 2, into: &batch) }
            }
        }
    }

    /// On the Prometheus 2.42 requests recorded in ExpositionTests' fixtures, sent one after the
    /// other, a chain takes a small fraction of the bytes of self-contained records. Sizes are
    /// exact, not timings.
    @Test func chainsAreSmallerThanSelfContainedRecordsOnRealRequests() throws {
        var decoder = RemoteWriteDecoder()
        var chained = ChainedRecordEncoder(), selfContained = StreamRecordCodec()
        var chainBytes = 0, recordBytes = 0, samples = 0
        var reader = StreamRecordCodec()
        for (index, path) in StreamRecordSizeTests.fixtures.enumerated() {
            var batch = RemoteWriteBatch()
            try decoder.decode(try Snappy.decompress(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))), version: .v1, into: &batch)
            guard batch.seriesCount > 0 else { continue }
            let payload = chained.encode(batch, nowMs: Int64(index))
            #expect(rows(try decoded(payload, offset: Int64(index), &reader)) == rows(batch))
            chainBytes += payload.count
            recordBytes += selfContained.encode(StreamPartitioner(partitionCount: 1).split(batch)[0].batch).count
            samples += batch.timestampsMs.count
        }
        try #require(samples > 500)
        #expect(chainBytes < recordBytes, "\(chainBytes) B chained vs \(recordBytes) B self-contained for \(samples) samples")
    }

    /// Node-exporter-like load, 1,000 series scraped every 15 s for 20 rounds, each round one
    /// record as a distributor writes it: at most 2 bytes per sample (issue 7's goal), where
    /// self-contained records need several times that.
    @Test func scrapeLikeChainsStayUnderTwoBytesPerSample() throws {
        var chained = ChainedRecordEncoder(), selfContained = StreamRecordCodec()
        var chainBytes = 0, recordBytes = 0, samples = 0
        for round in 0..<20 {
            var batch = RemoteWriteBatch()
            for s in 0..<1000 {
                let cpu = ["0", "1", "2", "3"][s % 4], mode = ["idle", "user", "system", "iowait", "irq"][s % 5]
                let value = s % 10 == 0 ? Double(s) : Double(round * (s % 13 + 1)) * 0.01 + Double(s)
                batch.appendSeries(Labels(["__name__": "node_cpu_seconds_total", "cpu": cpu, "mode": mode, "instance": "host-\(s / 20):9100",
                                           "job": "node", "series": "\(s)"]),
                                   samples: [Sample(timestampMs: 1_700_000_000_000 + Int64(round) * 15_000 + Int64(s / 20), value: value)])
            }
            chainBytes += chained.encode(batch, nowMs: Int64(round) * 15_000).count
            recordBytes += selfContained.encode(batch).count
            samples += 1000
        }
        let perSample = Double(chainBytes) / Double(samples)
        #expect(perSample <= 2, "\(perSample) B/sample chained vs \(Double(recordBytes) / Double(samples)) self-contained")
        #expect(recordBytes > 3 * chainBytes)
    }
}
