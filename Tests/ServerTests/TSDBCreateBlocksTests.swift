import Foundation
import PharosTestSupport
import Testing

/// `pharos tsdb create-blocks-from openmetrics` and `pharos tsdb dump` against Debian's
/// promtool on the same input: the same blocks (time ranges, sample and series counts) and
/// the same samples, as either dump reads them.
@Suite(.enabled(if: PharosInstance.binary != nil && TestBinaries.onPath("promtool") != nil, "needs pharos and promtool"))
struct TSDBCreateBlocksTests {
    /// Five hours of two 15 s counters with millisecond jitter and a 1 min gauge.
    static func input() -> String {
        var generator = SeededGenerator(seed: 7)
        var lines = ["# HELP http_requests_total Requests.", "# TYPE http_requests_total counter"]
        let start = 1_700_000_000
        for code in ["200", "500"] {
            var value = 0
            for offset in stride(from: 0, to: 5 * 3600, by: 15) {
                value += Int.random(in: 0...10, using: &generator)
                let jitter = Double(Int.random(in: 0...3, using: &generator)) / 1000
                lines.append("http_requests_total{code=\"\(code)\",job=\"api\"} \(value) \(Double(start + offset) + jitter)")
            }
        }
        lines.append("# TYPE temp gauge")
        for offset in stride(from: 0, to: 5 * 3600, by: 60) {
            lines.append("temp{room=\"lab\"} \(Double(Int.random(in: 0...30_000, using: &generator)) / 1000) \(start + offset)")
        }
        return (lines + ["# EOF"]).joined(separator: "\n") + "\n"
    }

    @Test func sameBlocksAndSamplesAsPromtool() async throws {
        let pharos = try #require(PharosInstance.binary), promtool = try #require(TestBinaries.onPath("promtool"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-backfill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.input().write(toFile: directory + "/in.om", atomically: true, encoding: .utf8)
        for (binary, arguments, output) in [
            (pharos, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", directory + "/in.om", directory + "/ours"], "ours.log"),
            (promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", directory + "/in.om", directory + "/theirs"], "theirs.log"),
        ] {
            let run = try Daemon(binary, arguments, output: .file(directory + "/" + output))
            #expect(await run.waitForExit(timeout: .seconds(120)) == 0, "\(run.log)")
        }
        func blocks(_ name: String) throws -> [String] {
            let root = directory + "/" + name
            return try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.count == 26 }.map { ulid in
                let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(root)/\(ulid)/meta.json"))) as? [String: Any]
                let stats = meta?["stats"] as? [String: Int]
                return "\(meta?["minTime"] ?? "") \(meta?["maxTime"] ?? "") \(stats?["numSamples"] ?? -1) \(stats?["numSeries"] ?? -1)"
            }.sorted()
        }
        let ours = try blocks("ours")
        #expect(ours.count == 3)
        #expect(ours == (try blocks("theirs")))
        func dump(_ name: String) async throws -> [String] {
            // promtool opens a data directory only with a WAL beside the blocks.
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)/wal", withIntermediateDirectories: true)
            let run = try Daemon(promtool, ["tsdb", "dump", "\(directory)/\(name)"], output: .file("\(directory)/\(name).dump"))
            #expect(await run.waitForExit(timeout: .seconds(120)) == 0)
            return run.log.split(separator: "\n").map(String.init).sorted()
        }
        let ourSamples = try await dump("ours")
        #expect(ourSamples.count == 2 * 1200 + 300)
        #expect(ourSamples == (try await dump("theirs")))

        // `pharos tsdb dump` reads promtool's blocks as promtool does, with and without --match.
        for extra in [[], ["--match={code=\"500\"}"]] {
            let ours = try Daemon(pharos, ["tsdb", "dump", "\(directory)/theirs"] + extra, output: .file("\(directory)/ours-\(extra.count).txt"))
            let theirs = try Daemon(promtool, ["tsdb", "dump", "\(directory)/theirs"] + extra, output: .file("\(directory)/theirs-\(extra.count).txt"))
            #expect(await ours.waitForExit(timeout: .seconds(120)) == 0, "\(ours.log)")
            #expect(await theirs.waitForExit(timeout: .seconds(120)) == 0)
            let lines = ours.log.split(separator: "\n").sorted()
            #expect(!lines.isEmpty && lines == theirs.log.split(separator: "\n").sorted(), "\(extra)")
        }
    }

    @Test func refusesSamplesWithoutTimestamps() async throws {
        let pharos = try #require(PharosInstance.binary)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-backfill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "up{job=\"x\"} 1\n# EOF\n".write(toFile: directory + "/in.om", atomically: true, encoding: .utf8)
        let run = try Daemon(pharos, ["tsdb", "create-blocks-from", "openmetrics", directory + "/in.om", directory + "/out"],
                             output: .file(directory + "/log"))
        #expect(await run.waitForExit(timeout: .seconds(60)) != 0)
        #expect(run.log.contains("expected timestamp for series"), "\(run.log)")
    }
}
