import Foundation
import Model
import Synchronization
import Testing

@testable import TSDB
import PharosTestSupport

/// `CommitDurability`: a `.written` commit hands the WAL records to the operating system and
/// returns without an fsync (scrapes, rule evaluations: as every Prometheus head append); a
/// `.synced` one waits for the fsync. Both are in the WAL when `commit` returns, so a head
/// opened on the same directory while the writer still runs (what a restart after `kill -9`
/// sees) replays every committed sample.
@Suite struct CommitDurabilityTests {
    static func fsyncs(_ head: Head) -> Int {
        head.commitState.withLock { $0.wal?.fsyncCount ?? 0 }
    }

    @Test func writtenCommitsSkipTheFsyncAndStillReplay() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let head = try Head.open(directory: directory.path)
        let series = (0..<20).map { Labels(["__name__": "m", "i": "\($0)"]) }
        let before = Self.fsyncs(head)
        var written = head.appender(durability: .written)
        for step in 0..<10 {
            for labels in series { try written.append(labels, timestamp: Int64(step) * 1000, value: Double(step)) }
            #expect(try written.commit() == series.count)
        }
        #expect(Self.fsyncs(head) == before, "a .written commit waits for no fsync")

        let replayed = try Head.open(directory: directory.path)
        let stored = try readAll(replayed.querier(), [matcher(.equal, "__name__", "m")])
        #expect(stored.count == series.count)
        #expect(stored.allSatisfy { $0.1.count == 10 })

        var synced = head.appender()
        try synced.append(series[0], timestamp: 10_000, value: 10)
        try synced.commit()
        #expect(Self.fsyncs(head) == before + 1, "a .synced commit is fsynced, with everything written before it")
        try head.close()
        try replayed.close()
    }
}
