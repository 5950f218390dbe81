import Foundation
import Model
import Testing

@testable import TSDB

/// Prometheus reads Pharos's WAL: `promtool tsdb dump` replays it into its own head and must
/// print exactly the samples Pharos's querier returns.
@Suite struct PromtoolWALTests {
    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"))
    func promtoolReplaysPharosWAL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = Head.Options()
        options.walSegmentSize = 64 * 1024  // several segments
        let head = try Head.open(directory: directory.path, options: options)
        var rng = SeededGenerator(seed: 99)
        var app = head.appender()
        var expected = [String]()
        for batch in 0..<300 {
            for i in 0..<8 where Bool.random(using: &rng) {
                let labels = Labels(["__name__": "wal_test", "i": String(i), "quote": "a\"b"])
                let t = Int64(1_700_000_000_000 + batch * 15_000 + i)
                let v = Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 8
                try app.append(labels, timestamp: t, value: v)
            }
            try app.commit()
        }
        try head.close()
        let reopened = try Head.open(directory: directory.path, options: options)
        for (labels, samples) in try readAll(reopened.querier(), [matcher(.equal, "__name__", "wal_test")]) {
            for (t, bits) in samples { expected.append("\(labels) \(Double(bitPattern: bits)) \(t)") }
        }
        try reopened.close()

        let result = try run("/usr/bin/env", ["promtool", "tsdb", "dump", directory.path])
        try #require(result.status == 0, "promtool failed: \(result.output)")
        // promtool prints `{labels} %g timestamp`; normalise the value through Double.
        let dumped = result.output.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            guard parts.count >= 3, let v = Double(parts[parts.count - 2]) else { return nil }
            return "\(parts[..<(parts.count - 2)].joined(separator: " ")) \(v) \(parts[parts.count - 1])"
        }
        #expect(expected.count > 1000)
        #expect(dumped == expected)
    }
}
