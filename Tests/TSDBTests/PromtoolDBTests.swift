import Foundation
import Model
import Testing

@testable import TSDB

/// A data directory Pharos's `DB` compacted — blocks, a checkpointed WAL — read by
/// Prometheus's own `promtool` (Debian's 2.42).
@Suite struct PromtoolDBTests {
    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"))
    func promtoolReadsEverySampleOfACompactedDatabase() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(seriesCount: 4, to: 24 * DBTestData.hour, step: 5 * 60_000)
        let db = try DB.open(directory: directory.path)
        try data.append(to: db)
        try db.compact()
        let blocks = db.blocks
        #expect(blocks.contains { $0.meta.compactionLevel > 1 })
        try db.close()

        let analyze = try run("/usr/bin/env", ["promtool", "tsdb", "analyze", directory.path, blocks[0].ulid.description])
        try #require(analyze.status == 0, "promtool tsdb analyze failed: \(analyze.output)")
        #expect(analyze.output.contains("Block ID: \(blocks[0].ulid)"))
        #expect(analyze.output.contains("\nSeries: 4\n"), "\(analyze.output)")

        // promtool replays the checkpoint and WAL into its head and dumps it with the blocks.
        let theirs = try DumpLine.promtoolDump(directory.path)
        #expect(theirs.count == data.seriesCount)
        for k in 0..<data.seriesCount {
            let samples = (theirs[data.labels(k)] ?? []).sorted { $0.0 < $1.0 }
            #expect(samples.map(\.0) == data.timestamps, "timestamps of \(data.labels(k))")
            #expect(samples.allSatisfy { $0.1 == Double($0.0) + Double(k) }, "values of \(data.labels(k))")
        }
    }
}

extension PromtoolDBTests {
    /// Deletions Pharos records — block `tombstones` files and WAL tombstone records — are
    /// honoured by promtool.
    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"))
    func promtoolHonoursPharosTombstones() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(to: 8 * DBTestData.hour)
        let db = try data.compactedDatabase(in: directory.path)
        try db.delete(matchers: [matcher(.equal, "i", "1")], mint: DBTestData.hour, maxt: 7 * DBTestData.hour)
        try db.close()
        let theirs = try DumpLine.promtoolDump(directory.path)
        #expect(theirs[data.labels(0)]?.map(\.0).sorted() == data.timestamps)
        let kept = data.timestamps.filter { $0 < DBTestData.hour || $0 > 7 * DBTestData.hour }
        #expect(theirs[data.labels(1)]?.map(\.0).sorted() == kept)
    }
}
