import Foundation
import Model
import Testing

@testable import TSDB

#if canImport(Glibc)
import Glibc
import PharosTestSupport
#endif

/// The crash helper built next to the test bundle (`swift build --build-tests` builds it).
func crashHelperPath() -> String? {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug"),
    ]
    return candidates.map { $0.appendingPathComponent("pharos-tsdb-crash-helper").path }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite struct CrashRecoveryTests {
    /// A child process appends and commits in a loop, printing each acknowledged batch; it is
    /// SIGKILLed after a random number of acknowledgements, several times over the same
    /// directory. After each kill every acknowledged batch must be there, complete, exactly
    /// once. `compacting`: the child is a `DB` compacting all the time (batches a minute
    /// apart), so kills also land in block writes, head truncations and WAL checkpoints.
    @Test(.enabled(if: crashHelperPath() != nil, "needs the pharos-tsdb-crash-helper executable"),
          arguments: [false, true])
    func killNineLosesNothingAcknowledged(compacting: Bool) throws {
        let helper = try #require(crashHelperPath())
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let seriesCount = 20
        var rng = SeededGenerator(seed: 2024)
        var acknowledged: Int64 = 0
        for round in 0..<6 {
            // Wait for a random number of acknowledgements (the helper's own output is the
            // signal), then kill it without warning.
            let killed = try runAndKill(
                helper, [directory.path, String(seriesCount), "100000"] + (compacting ? ["compact"] : []),
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

            let step: Int64 = compacting ? 60_000 : 1
            let db = try DB.open(directory: directory.path)
            let result = try readAll(db.querier(mint: .min, maxt: .max), [matcher(.equal, "__name__", "crash_test")])
            #expect(result.count == seriesCount, "round \(round)")
            for (labels, samples) in result {
                // Everything acknowledged is there; at most the batch in flight beyond it.
                #expect(samples.count >= Int(acknowledged), "round \(round) \(labels): \(samples.count) < \(acknowledged)")
                #expect(samples.map(\.0) == (0..<samples.count).map { Int64($0 + 1) * step }, "round \(round) \(labels)")
                #expect(samples.allSatisfy { Double(bitPattern: $0.1) * Double(step) == Double($0.0) })
            }
            // A batch written but not acknowledged may survive; the next round continues after it.
            acknowledged = result.first.map { Int64($0.1.count) } ?? acknowledged
            if compacting, round == 5 { #expect(!db.blocks.isEmpty, "no compaction happened") }
            try db.close()
        }
    }
}
