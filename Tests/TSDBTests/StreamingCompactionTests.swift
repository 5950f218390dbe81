import Foundation
import Model
import Testing

@testable import TSDB

/// The compaction probe built next to the test bundle.
func compactionProbePath() -> String? { helperExecutablePath("pharos-tsdb-compaction-probe") }

@Suite struct StreamingCompactionTests {
    /// Three 2 h blocks (2,000 series × 480 samples each) merge into one 6 h block in a
    /// child process, which measures its peak RSS during `compact()` above the RSS it had
    /// with the blocks open. Decoding the 2.88 M samples, as compaction did before it
    /// streamed, needs at least 16 bytes each (46 MB); streaming needs one series' chunks
    /// and the index entries (and the new block, read when it is opened): the peak must stay
    /// under a third of the decoded size (measured: 10.5 MB).
    @Test(.enabled(if: compactionProbePath() != nil, "needs the pharos-tsdb-compaction-probe executable"))
    func mergingBlocksNeedsFarLessMemoryThanTheirSamples() throws {
        let probe = try #require(compactionProbePath())
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (status, output) = try run(probe, [directory.path, "2000", "480"])
        try #require(status == 0, "probe failed: \(output)")
        let fields = probeFields(output)
        let rss = try #require(fields["rss"]), peak = try #require(fields["peak"])
        #expect(fields["samples"] == 3 * 2000 * 480, "\(output)")
        #expect(fields["blocks"] == 2, "\(output)")
        let decoded = 3 * 2000 * 480 * 16
        #expect(peak - rss < decoded / 3, "compaction peaked \((peak - rss) >> 20) MiB above \(rss >> 20) MiB: \(output)")
        // The merged block serves every sample.
        let db = try DB.open(directory: directory.path, options: { var o = DB.Options(); o.retentionDuration = 0; return o }())
        defer { try? db.close() }
        let merged = try #require(db.blocks.first)
        #expect(merged.meta.compactionLevel == 2 && merged.maxTime - merged.minTime == 6 * 3_600_000)
        let series = try merged.querier().select([matcher(.equal, "__name__", "probe")], mint: .min, maxt: .max)
        #expect(series.count == 2000)
        var iterator = SeriesIterator()
        iterator.reset(series[0])
        var count = 0
        while iterator.next() { count += 1 }
        #expect(count == 3 * 480)
    }
}
