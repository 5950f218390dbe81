import Exposition
import Foundation
import Model
import PharosTestSupport
import Testing

@testable import Stream

/// A batch with every kind of content: samples (a stale marker among them), a native
/// histogram with buckets, exemplars and per-series metadata.
func sampleBatch(series: Int = 3, samplesPerSeries: Int = 4) -> RemoteWriteBatch {
    var batch = RemoteWriteBatch()
    for s in 0..<series {
        let samples = (0..<samplesPerSeries).map { i in
            Sample(timestampMs: 1_700_000_000_000 + Int64(i) * 15_000, value: i == 2 && s == 1 ? .staleMarker : Double(s * 100 + i))
        }
        batch.appendSeries(
            Labels(["__name__": "http_requests_total", "job": "api", "instance": "host-\(s):9100"]), samples: samples,
            metadata: MetricMetadata(type: .counter, help: "Requests served.", unit: ""))
        if s == 0 { batch.appendExemplar(Labels(["trace_id": "abc123"]), value: 1, timestampMs: 1_700_000_000_001) }
    }
    var histogram = HistogramSample()
    histogram.timestampMs = 1_700_000_000_000
    histogram.count = .int(5)
    histogram.sum = 12.5
    histogram.schema = 3
    histogram.zeroCount = .int(1)
    histogram.positiveSpans = batch.histogramSpans.count..<(batch.histogramSpans.count + 1)
    batch.histogramSpans.append(HistogramSpan(offset: 2, length: 2))
    histogram.positiveDeltas = batch.histogramDeltas.count..<(batch.histogramDeltas.count + 2)
    batch.histogramDeltas += [3, -2]
    batch.appendSeries(Labels(["__name__": "latency_seconds", "job": "api"]), samples: [],
                       metadata: MetricMetadata(type: .histogram, help: "Latency.", unit: "seconds"))
    batch.histograms.append(histogram)
    batch.histogramRanges[batch.seriesCount - 1] = (batch.histograms.count - 1)..<batch.histograms.count
    return batch
}

@Suite struct StreamRecordCodecTests {
    @Test func batchesRoundTripThroughAPayload() throws {
        let batch = sampleBatch()
        var codec = StreamRecordCodec()
        let payload = codec.encode(batch)
        #expect(payload.first == 1)
        var decoded = RemoteWriteBatch()
        try codec.decode(payload, offset: 0, into: &decoded)
        #expect(decoded == batch)
    }

    @Test func repeatedLabelsCompressWell() throws {
        var batch = RemoteWriteBatch()
        for s in 0..<500 {
            let samples = (0..<10).map { Sample(timestampMs: 1_700_000_000_000 + Int64($0) * 15_000, value: Double(s)) }
            batch.appendSeries(Labels(["__name__": "node_cpu_seconds_total", "cpu": String(s % 16), "mode": "idle", "instance": "node-\(s / 16)"]), samples: samples)
        }
        var codec = StreamRecordCodec()
        let payload = codec.encode(batch)
        // 5000 samples: 16 bytes of timestamp and value each before compression.
        #expect(Double(payload.count) / 5000 < 4, "\(payload.count) bytes for 5000 samples")
    }

    /// Hostile payloads, as a table: each is refused with a clear error, none traps.
    @Test(arguments: [
        ([UInt8](), StreamError.malformedPayload("empty payload")),
        ([3, 0, 0], .malformedPayload("unknown payload format 3; this version reads formats 1 and 2")),
        ([1], .malformedPayload("empty zstd frame")),
        ([1, 0, 1, 2, 3], .malformedPayload("not a zstd frame")),
    ])
    func malformedPayloadsAreRefused(payload: [UInt8], expected: StreamError) {
        var codec = StreamRecordCodec()
        var batch = RemoteWriteBatch()
        #expect(throws: expected) { try codec.decode(payload, offset: 0, into: &batch) }
    }

    /// A tiny frame claiming a huge content size is refused before anything is allocated.
    @Test func decompressionBombIsRefused() throws {
        var codec = StreamRecordCodec(maxDecodedBytes: 1024)
        let big = sampleBatch(series: 200, samplesPerSeries: 50)
        var encoder = StreamRecordCodec()
        let payload = encoder.encode(big)
        var batch = RemoteWriteBatch()
        #expect(throws: StreamError.self) { try codec.decode(payload, offset: 0, into: &batch) }
        do {
            try codec.decode(payload, offset: 0, into: &batch)
        } catch {
            guard case .recordTooLarge(_, 1024, _) = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    /// Truncations and random mutations of a valid payload: an error or a batch, never a trap.
    @Test func mutatedPayloadsNeverTrap() {
        var codec = StreamRecordCodec()
        let payload = codec.encode(sampleBatch())
        var batch = RemoteWriteBatch()
        for cut in 0..<payload.count {
            #expect(throws: StreamError.self) { try codec.decode(Array(payload[..<cut]), offset: 0, into: &batch) }
        }
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<2000 {
            var bytes = payload
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 1..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            _ = try? codec.decode(bytes, offset: 0, into: &batch)
        }
    }
}

@Suite struct StreamPartitionerTests {
    /// The partition of a series depends only on its labels and the partition count: these
    /// values are pinned, so a change that would move series between releases fails here.
    @Test func partitionsArePinnedAcrossReleases() {
        let partitioner = StreamPartitioner(partitionCount: 16)
        let series = (0..<8).map { Labels(["__name__": "up", "job": "node", "instance": "host-\($0)"]) }
        let partitions = series.map(partitioner.partition(of:))
        #expect(partitions == series.map { StreamPartitioner.jumpHash($0.hash, buckets: 16) })
        #expect(StreamPartitioner.jumpHash(0, buckets: 1) == 0)
        // Reference values from an independent transcription of the paper's code (Python).
        #expect((0..<6).map { StreamPartitioner.jumpHash(UInt64($0) &* 0x9E37_79B9_7F4A_7C15, buckets: 10) } == [0, 3, 5, 3, 2, 6])
        #expect([1, 42, 1 << 63, .max].map { StreamPartitioner.jumpHash($0, buckets: 1000) } == [549, 571, 453, 313])
    }

    /// Growing from n to n + 1 partitions moves only series that go to the new partition,
    /// about 1/(n + 1) of them; every partition gets a fair share.
    @Test func growingMovesFewSeriesAndOnlyToTheNewPartition() {
        var rng = SeededGenerator(seed: 3)
        let keys = (0..<20_000).map { _ in rng.next() }
        for n in [1, 4, 11] {
            let before = keys.map { StreamPartitioner.jumpHash($0, buckets: n) }
            let after = keys.map { StreamPartitioner.jumpHash($0, buckets: n + 1) }
            var moved = 0
            for i in keys.indices where before[i] != after[i] {
                #expect(after[i] == n)
                moved += 1
            }
            let share = Double(moved) / Double(keys.count)
            #expect(abs(share - 1 / Double(n + 1)) < 0.02, "n=\(n): \(share)")
            let counts = Dictionary(grouping: after, by: { $0 }).mapValues(\.count)
            #expect(counts.count == n + 1)
            #expect(counts.values.allSatisfy { abs(Double($0) / Double(keys.count) - 1 / Double(n + 1)) < 0.02 })
        }
    }

    /// Splitting keeps every series whole (samples, histograms with buckets, exemplars,
    /// metadata) in its own partition, and nothing else.
    @Test func splitKeepsEverySeriesWhole() throws {
        let batch = sampleBatch(series: 40)
        let partitioner = StreamPartitioner(partitionCount: 4)
        let parts = partitioner.split(batch)
        #expect(parts.map(\.partition) == parts.map(\.partition).sorted())
        #expect(parts.reduce(0) { $0 + $1.batch.seriesCount } == batch.seriesCount)
        for (partition, part) in parts {
            for s in part.labels.indices {
                let labels = part.labels[s]
                #expect(partitioner.partition(of: labels) == partition)
                let original = try #require(batch.labels.firstIndex(of: labels))
                var expected = RemoteWriteBatch()
                expected.appendSeries(copying: original, of: batch, metadata: batch.seriesMetadata[original])
                var actual = RemoteWriteBatch()
                actual.appendSeries(copying: s, of: part, metadata: part.seriesMetadata[s])
                #expect(actual == expected)
                #expect(actual.timestampsMs.count == batch.sampleRanges[original].count)
            }
        }
        // A 1.0 batch's family metadata is attached to the series of the family.
        var v1 = RemoteWriteBatch()
        v1.appendSeries(Labels(["__name__": "req_total", "a": "1"]), samples: [Sample(timestampMs: 1, value: 1)])
        v1.appendSeries(Labels(["__name__": "other", "a": "1"]), samples: [Sample(timestampMs: 1, value: 1)])
        v1.familyMetadata = [RemoteWriteFamilyMetadata(familyName: "req", metadata: MetricMetadata(type: .counter, help: "h"))]
        let merged = StreamPartitioner(partitionCount: 1).split(v1)[0].batch
        #expect(merged.seriesMetadata == [MetricMetadata(type: .counter, help: "h"), MetricMetadata()])
    }
}

/// Record size on real data: the remote-write 1.0 requests a Prometheus 2.42 sent (recorded in
/// ExpositionTests' fixtures), re-encoded as stream records. Not a timing: the sizes are exact.
@Suite struct StreamRecordSizeTests {
    static let fixtures = (1...3).map {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ExpositionTests/Fixtures/prometheus_2.42_remote_write_\($0).snappy").path
    }

    /// Prometheus 2.42's own requests (about 350 samples each, one per series) take about 30 %
    /// fewer bytes as stream records than as remote write 1.0 with snappy.
    @Test func recordsAreSmallerThanRemoteWriteOne() throws {
        var ours = 0, theirs = 0, samples = 0
        var decoder = RemoteWriteDecoder()
        var codec = StreamRecordCodec()
        for path in Self.fixtures {
            let body = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            var batch = RemoteWriteBatch()
            try decoder.decode(try Snappy.decompress(body), version: .v1, into: &batch)
            guard batch.seriesCount > 0 else { continue }  // a metadata-only request
            ours += codec.encode(StreamPartitioner(partitionCount: 1).split(batch)[0].batch).count
            theirs += body.count
            samples += batch.timestampsMs.count
        }
        try #require(samples > 500)
        // Measured 13.7 vs 19.9 bytes per sample (docs/benchmarks.md, "Stream record size").
        #expect(Double(ours) < Double(theirs) * 0.75, "\(ours) B vs \(theirs) B for \(samples) samples")
    }
}
