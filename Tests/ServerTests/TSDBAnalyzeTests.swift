import Foundation
import PharosTestSupport
import Testing

/// `pharos tsdb analyze` against Debian's `promtool tsdb analyze` 2.42: blocks made from the same
/// churning input by `promtool tsdb create-blocks-from openmetrics` and by
/// `pharos tsdb create-blocks-from openmetrics`, each analysed by both tools, give the same
/// report (promtool orders equal figures at random, so lines are compared per section as sets,
/// and with the default limit by their figures).
@Suite(.enabled(if: PharosInstance.binary != nil && TestBinaries.onPath("promtool") != nil, "needs pharos and promtool"))
struct TSDBAnalyzeTests {
    /// Three hours at 1 min: request counters of instances that come and go, a build label that
    /// changes every 40 min, and CPU counters of two hosts, one of which stops after 100 min.
    static func input() -> String {
        var lines: [String] = []
        let start = 1_700_000_000 - 1_700_000_000 % 7200
        func series(_ name: String, _ labels: String, from: Int, to: Int, value: (Int) -> Int) {
            for minute in stride(from: from, to: to, by: 1) {
                lines.append("\(name){\(labels)} \(value(minute)) \(start + minute * 60)")
            }
        }
        lines.append("# TYPE http_requests_total counter")
        for instance in 0..<5 {
            for path in ["/", "/api/v1/query", "/metrics", "/-/healthy"] {
                series("http_requests_total", "instance=\"10.0.0.\(instance):8080\",job=\"api\",path=\"\(path)\"",
                       from: instance * 25, to: instance * 25 + 70) { $0 * (instance + 1) }
            }
        }
        lines.append("# TYPE build_info gauge")
        for version in 0..<5 {
            series("build_info", "job=\"api\",version=\"1.2.\(version)\"", from: version * 40, to: min(version * 40 + 40, 180)) { _ in 1 }
        }
        lines.append("# TYPE node_cpu_seconds_total counter")
        for host in ["db-1", "web-1"] {
            for cpu in 0..<2 {
                for mode in ["idle", "system", "user"] {
                    series("node_cpu_seconds_total", "cpu=\"\(cpu)\",instance=\"\(host)\",mode=\"\(mode)\"",
                           from: 0, to: host == "db-1" ? 100 : 180) { $0 * 3 }
                }
            }
        }
        return (lines + ["# EOF"]).joined(separator: "\n") + "\n"
    }

    /// A report split into its header and its sections (title and lines).
    struct Report: Equatable {
        var header: [String]
        var sections: [String: [String]]

        init(_ text: String) {
            header = []
            sections = [:]
            var current: String?
            for line in text.split(separator: "\n") {
                if line.hasSuffix(":") {
                    current = String(line)
                    sections[String(line)] = []
                } else if let current {
                    sections[current]?.append(String(line))
                } else if !line.hasPrefix("Block ID: ") {
                    header.append(String(line))
                }
            }
        }

        /// The lines of each section in a fixed order (ties in promtool's order are random).
        var sorted: [String: [String]] { sections.mapValues { $0.sorted() } }
        /// The figures of each section, in order.
        var figures: [String: [String]] { sections.mapValues { $0.map { String($0.prefix { $0 != " " }) } } }
    }

    @Test func sameReportAsPromtoolOnBothToolsBlocks() async throws {
        let pharos = try #require(PharosInstance.binary), promtool = try #require(TestBinaries.onPath("promtool"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-analyze-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.input().write(toFile: directory + "/in.om", atomically: true, encoding: .utf8)
        var runs = 0
        func run(_ binary: String, _ arguments: [String]) async throws -> String {
            runs += 1
            let process = try Daemon(binary, arguments, output: .file("\(directory)/run-\(runs).log"))
            #expect(await process.waitForExit(timeout: .seconds(120)) == 0, "\(arguments): \(process.log)")
            return process.log
        }
        _ = try await run(pharos, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", directory + "/in.om", directory + "/ours"])
        _ = try await run(promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", directory + "/in.om", directory + "/theirs"])
        for name in ["ours", "theirs"] {
            // promtool opens a data directory only with a WAL beside the blocks.
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)/wal", withIntermediateDirectories: true)
        }
        func blocks(_ name: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: "\(directory)/\(name)").filter { $0.count == 26 }.sorted()
        }
        let ourBlocks = try blocks("ours"), theirBlocks = try blocks("theirs")
        #expect(ourBlocks.count == 2 && theirBlocks.count == 2)
        for (ours, theirs) in zip(ourBlocks, theirBlocks) {
            var reports: [Report] = []
            for binary in [pharos, promtool] {
                for (name, block) in [("ours", ours), ("theirs", theirs)] {
                    reports.append(Report(try await run(binary, ["tsdb", "analyze", "--limit=1000", "\(directory)/\(name)", block])))
                }
            }
            let reference = reports[3]  // promtool on promtool's block
            #expect(reference.sections.count == 6 && reference.sections.values.allSatisfy { !$0.isEmpty })
            for report in reports {
                #expect(report.header == reference.header)
                #expect(report.sorted == reference.sorted)
            }
        }
        // The default: the last block, 20 lines per list.
        let ours = Report(try await run(pharos, ["tsdb", "analyze", "\(directory)/theirs"]))
        let theirs = Report(try await run(promtool, ["tsdb", "analyze", "\(directory)/theirs"]))
        #expect(ours.header == theirs.header)
        #expect(ours.figures == theirs.figures)
        #expect(ours.sections.values.allSatisfy { $0.count <= 20 })
        // With no list lines, the whole report is deterministic, `--extended`'s chunk fullness
        // histogram included (on promtool's chunks and on ours).
        for name in ["theirs", "ours"] {
            let arguments = ["tsdb", "analyze", "--extended", "--limit=0", "\(directory)/\(name)"]
            let extended = try await run(pharos, arguments)
            #expect(extended.contains("Compaction analysis:\n") && extended.contains("%: #"))
            #expect(extended == (try await run(promtool, arguments)))
        }
    }

    @Test func unknownBlockIsAnError() async throws {
        let pharos = try #require(PharosInstance.binary)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-analyze-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = try Daemon(pharos, ["tsdb", "analyze", directory, "01ARZ3NDEKTSV4RRFFQ69G5FAV"], output: .file(directory + "/log"))
        #expect(await process.waitForExit(timeout: .seconds(60)) == 1)
        #expect(process.log.contains("block 01ARZ3NDEKTSV4RRFFQ69G5FAV not found"))
    }
}
