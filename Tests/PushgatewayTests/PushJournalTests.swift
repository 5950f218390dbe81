import Foundation
import Logging
import Pushgateway
import Testing

/// The journal replays what was acknowledged, whatever is cut off or corrupted after it.
@Suite struct PushJournalTests {
    private let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-journal-\(UUID().uuidString)").path
    private let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The state after each change of a short history, and the journal size then.
    private func writeHistory() throws -> [(sizeBytes: Int, groups: [MetricGroup])] {
        let gateway = try Pushgateway(directory: directory, defaultTTLMs: 0, logger: logger)
        var history: [(Int, [MetricGroup])] = [(0, [])]
        func record() throws {
            let size = try FileManager.default.attributesOfItem(atPath: directory + "/journal")[.size] as? Int ?? 0
            history.append((size, gateway.groups))
        }
        for i in 0..<6 {
            try gateway.push(Array("m{n=\"\(i)\"} \(i)\n".utf8), contentType: "", to: try GroupingKey(path: "job/j\(i % 3)"),
                             replace: i % 2 == 0, ttlMs: nil, nowMs: Int64(i) * 1000)
            try record()
        }
        try gateway.delete(try GroupingKey(path: "job/j1"))
        try record()
        return history
    }

    @Test func replaysEveryPrefixOfTheJournal() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let history = try writeHistory()
        let full = try Data(contentsOf: URL(fileURLWithPath: directory + "/journal"))
        for cut in 0...full.count {
            try full.prefix(cut).write(to: URL(fileURLWithPath: directory + "/journal"))
            let replayed = try Pushgateway(directory: directory, defaultTTLMs: 0, logger: logger).groups
            let expected = history.last { $0.sizeBytes <= cut }!.groups
            #expect(replayed == expected, "cut at \(cut)")
        }
    }

    @Test func corruptRecordEndsTheReplay() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let history = try writeHistory()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/journal")))
        let third = history[3].sizeBytes
        bytes[third + 10] ^= 0xFF  // inside the fourth record's payload: its CRC no longer matches
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/journal"))
        #expect(try Pushgateway(directory: directory, defaultTTLMs: 0, logger: logger).groups == history[3].groups)
        let size = try FileManager.default.attributesOfItem(atPath: directory + "/journal")[.size] as? Int
        #expect(size == third, "the corrupt tail was truncated")
    }

    @Test func compactedJournalKeepsTheState() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let gateway = try Pushgateway(directory: directory, defaultTTLMs: 0, logger: logger)
        let body = Array(("big " + String(repeating: "1", count: 10) + "\n" + (0..<2000).map { "series{n=\"\($0)\"} \($0)\n" }.joined()).utf8)
        let key = try GroupingKey(path: "job/big")
        for i in 0..<200 {
            try gateway.push(body, contentType: "", to: key, replace: true, ttlMs: nil, nowMs: Int64(i))
        }
        let size = try FileManager.default.attributesOfItem(atPath: directory + "/journal")[.size] as? Int ?? 0
        #expect(size < 8 << 20, "compaction keeps the journal near one copy of the state")
        #expect(try Pushgateway(directory: directory, defaultTTLMs: 0, logger: logger).groups == gateway.groups)
    }
}
