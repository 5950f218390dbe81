import Foundation
import PharosTestSupport
import Testing

@testable import Stream


@Suite struct LocalLogCrashTests {
    /// A child process appends from 4 concurrent tasks (group commits, 64 KiB segments that
    /// roll often) and prints every acknowledged record; it is SIGKILLed after a random number
    /// of acknowledgements, 6 times over the same directory. After each kill every
    /// acknowledged record is there, at its offset, with its payload, exactly once.
    @Test(.enabled(if: TestBinaries.built("pharos-stream-crash-helper") != nil, "needs the pharos-stream-crash-helper executable"))
    func killNineLosesNothingAcknowledged() async throws {
        let helper = try #require(TestBinaries.built("pharos-stream-crash-helper"))
        let directory = try makeTemporaryDirectory("pharos-locallog-crash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var rng = SeededGenerator(seed: 77)
        let appenders = 4
        /// Acknowledged records: "round appender n k" → offset, by partition.
        var acknowledged: [Int: [String: Int64]] = [0: [:], 1: [:]]
        for round in 0..<6 {
            let killed = try runAndKill(
                helper, [directory, String(round), String(appenders), "100000"], afterLines: Int.random(in: 1...300, using: &rng)
            ) { line in
                let fields = line.split(separator: " ")
                guard fields.count == 4, let appender = Int(fields[0]), let offset = Int64(fields[3]) else {
                    Issue.record("helper said: \(line)")
                    return false
                }
                acknowledged[appender % 2]!["\(round) \(fields[0]) \(fields[1]) \(fields[2])"] = offset
                return true
            }
            #expect(killed, "round \(round): helper exited by itself")

            var options = LocalLog.Options()
            options.partitionCount = 2
            options.segmentBytes = 64 << 10
            let log = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
            for partition in 0..<2 {
                var found: [String: Int64] = [:]
                for record in try await readAll(log, partition: partition) {
                    // "round appender n k " then padding bytes 0...2 (never a space).
                    let fields = record.payload.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).prefix(4)
                    let key = fields.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
                    #expect(found[key] == nil, "round \(round): \(key) twice")
                    found[key] = record.offset
                }
                for (key, offset) in acknowledged[partition]! {
                    #expect(found[key] == offset, "round \(round) partition \(partition): acknowledged \(key) at \(offset), found \(String(describing: found[key]))")
                }
            }
            await log.close()
        }
        #expect(acknowledged.values.reduce(0) { $0 + $1.count } > 6)
    }
}
