import Foundation
import Model
import PharosTestSupport
import Testing

@testable import TSDB

@Suite struct WALReplayMemoryTests {
    /// A WAL of 2,000 node-like series × 1,000 samples (about 13 MB, snappy-compressed as
    /// Prometheus writes it) rebuilds a head of about 4 MB. A child process replays it and
    /// samples its heap in use every 2 ms: the most seen must stay within 1.3× the heap the
    /// head holds once replayed, plus 3 MiB (the 1 MiB read buffer, a record's decoding and
    /// the head's arrays growing). Replay that read a whole segment at once, as it did
    /// before, peaked above 5× (measured: 51 MB for a head of 9.5 MB and a 26 MB WAL).
    @Test(.enabled(if: compactionProbePath() != nil, "needs the pharos-tsdb-compaction-probe executable"))
    func replayNeedsNoMoreHeapThanTheHeadItRebuilds() throws {
        let probe = try #require(compactionProbePath())
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (seriesCount, samples) = (2000, 1000)
        let wal = try WALWriter(directory: directory.path + "/wal", firstSegment: 0, compresses: true)
        let refs = (0..<seriesCount).map { SeriesRef(rawValue: UInt64($0 + 1)) }
        _ = try wal.write([WALRecord.encodeSeries(refs.indices.map { i in
            (refs[i], Labels(NodeLikeSeries.labels(i).map { Label(name: $0.name, value: $0.value) }))
        })])
        var values = (0..<seriesCount).map { Double($0 % 1000) }
        var generator = SeededGenerator(seed: 7)
        for step in 0..<samples {
            for i in values.indices { values[i] += Double(Int.random(in: -3...3, using: &generator)) * 0.25 }
            let t = Int64(step) * 15_000
            _ = try wal.write([WALRecord.encodeSamples(refs: refs, timestamps: Array(repeating: t, count: seriesCount),
                                                       values: values)])
        }
        try wal.close()

        let (status, output) = try run(probe, ["replay", directory.path])
        try #require(status == 0, "probe failed: \(output)")
        let fields = probeFields(output)
        #expect(fields["series"] == seriesCount && fields["samples"] == seriesCount * samples, "\(output)")
        let heap = try #require(fields["heap"]), peak = try #require(fields["peakheap"])
        #expect(heap > 0 && peak <= heap * 13 / 10 + 3 << 20,
                "replay peaked at \(peak >> 10) KiB of heap for a head of \(heap >> 10) KiB: \(output)")
    }
}
