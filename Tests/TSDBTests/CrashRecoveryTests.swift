import Foundation
import Model
import Testing

@testable import TSDB

#if canImport(Glibc)
import Glibc
import PharosTestSupport
#endif

/// The crash helper built next to the test bundle.
func crashHelperPath() -> String? { helperExecutablePath("pharos-tsdb-crash-helper") }

@Suite struct CrashRecoveryTests {
    /// A child process appends and commits in a loop, printing each acknowledged batch; it is
    /// SIGKILLed after a random number of acknowledgements, several times over the same
    /// directory. After each kill every acknowledged batch must be there, complete, exactly
    /// once. `compacting`: the child is a `DB` compacting all the time (batches a minute
    /// apart), so kills also land in block writes, head truncations and WAL checkpoints.
    /// `outOfOrder`: the child also appends an out-of-order sample half a batch back in each
    /// batch (1 h window), so kills land in write-behind-log writes and in compactions of
    /// out-of-order samples into overlapping blocks.
    @Test(.enabled(if: crashHelperPath() != nil, "needs the pharos-tsdb-crash-helper executable"),
          arguments: [(false, false), (true, false), (true, true)])
    func killNineLosesNothingAcknowledged(compacting: Bool, outOfOrder: Bool) throws {
        let helper = try #require(crashHelperPath())
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let seriesCount = 20
        var rng = SeededGenerator(seed: 2024)
        var acknowledged: Int64 = 0
        var excused = Set<Int64>()
        for round in 0..<6 {
            // Wait for a random number of acknowledgements (the helper's own output is the
            // signal), then kill it without warning.
            let killed = try runAndKill(
                helper, [directory.path, String(seriesCount), "100000"]
                    + (outOfOrder ? ["out-of-order"] : compacting ? ["compact"] : []),
                afterLines: Int.random(in: 1...400, using: &rng)
            ) { text in
                guard let t = Int64(text) else {
                    Issue.record("helper said: \(text)")
                    return false
                }
                #expect(t == acknowledged + 1, "round \(round): acknowledgements must continue")
                acknowledged = t
                return true
            }
            #expect(killed, "round \(round): helper exited by itself")

            // Batch n is at n * step ms with value n; with out-of-order samples it also
            // has n * step - step / 2 with value n - 0.5.
            let step: Int64 = compacting ? 60_000 : 1
            func grid(_ n: Int64) -> [Int64] { outOfOrder ? [n * step - step / 2, n * step] : [n * step] }
            let db = try DB.open(directory: directory.path)
            let result = try readAll(db.querier(mint: .min, maxt: .max), [matcher(.equal, "__name__", "crash_test")])
            #expect(result.count == seriesCount, "round \(round)")
            var newest: Int64 = acknowledged
            for (labels, samples) in result {
                let times = samples.map(\.0)
                #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "round \(round) \(labels): not sorted")
                #expect(samples.allSatisfy { Double(bitPattern: $0.1) * Double(step) == Double($0.0) }, "round \(round) \(labels)")
                // Everything acknowledged is there (but what never was acknowledged before).
                let present = Set(times)
                let missing = (0..<acknowledged).flatMap { grid($0 + 1) }.filter { !present.contains($0) && !excused.contains($0) }
                #expect(missing.isEmpty, "round \(round) \(labels): acknowledged samples lost: \(missing.prefix(5))")
                let batch = (times.last ?? 0) / step
                #expect(batch <= acknowledged + 1, "round \(round) \(labels): batch \(batch) beyond the one in flight")
                newest = max(newest, batch)
            }
            // A batch written but not acknowledged may survive, in part with out-of-order
            // samples (WAL written, write-behind log not); the next round continues after it.
            for (_, samples) in result {
                let present = Set(samples.map(\.0))
                for n in (acknowledged + 1)...max(acknowledged + 1, newest) {
                    for t in grid(n) where !present.contains(t) { excused.insert(t) }
                }
            }
            acknowledged = newest
            if compacting, round == 5 { #expect(!db.blocks.isEmpty, "no compaction happened") }
            if outOfOrder, round == 5 {
                #expect(db.blocks.contains { $0.meta.isFromOutOfOrder }, "no compaction of out-of-order samples happened")
            }
            try db.close()
        }
    }
}
