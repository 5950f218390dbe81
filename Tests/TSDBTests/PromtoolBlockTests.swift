import Foundation
import Model
import PharosTestSupport
import Testing

@testable import TSDB

/// Blocks written by Pharos, read by Prometheus's own `promtool` (Debian's 2.42): every series
/// and sample must come back exactly, and files must match what promtool writes itself.
@Suite struct PromtoolBlockTests {
    /// Random series: label values with quotes, backslashes, newlines and non-ASCII text;
    /// some series long enough for several chunks; values including NaN and infinities.
    static func makeSeries(using rng: inout SeededGenerator) -> [BlockWriter.SeriesSamples] {
        let start: Int64 = 1_700_000_000_000
        let oddValues = ["plain", "with \"quotes\"", "back\\slash", "new\nline", "héllo wörld", "日本", "tab\there"]
        var result = [BlockWriter.SeriesSamples]()
        for index in 0..<60 {
            var labels: [Label] = [
                Label(name: "__name__", value: "metric_\(index % 7)"),
                Label(name: "instance", value: "host-\(index)"),
            ]
            if index % 3 == 0 { labels.append(Label(name: "odd", value: oddValues[index % oddValues.count])) }
            if index % 5 == 0 { labels.append(Label(name: "zone", value: "z\(Int.random(in: 0..<4, using: &rng))")) }
            var t = start + Int64.random(in: 0..<100_000, using: &rng)
            var v = Double(index)
            var samples = [(timestamp: Int64, value: Double)]()
            let count = index % 4 == 0 ? Int.random(in: 121...400, using: &rng) : Int.random(in: 1...60, using: &rng)
            for _ in 0..<count {
                samples.append((t, v))
                t += Int.random(in: 0..<4, using: &rng) == 0 ? Int64.random(in: 1...100_000, using: &rng) : 15_000
                switch Int.random(in: 0..<12, using: &rng) {
                case 0: v = goNaN
                case 1: v = .infinity
                case 2: v = -.infinity
                case 3: v = Double.random(in: -1e300...1e300, using: &rng)
                case 4: v = Double(Int.random(in: -1_000_000...1_000_000, using: &rng))
                case 5: break
                default: v = (v.isFinite ? v : 0) + Double.random(in: -10...10, using: &rng)
                }
            }
            result.append(.init(labels: Labels(labels), samples: samples))
        }
        return result
    }

    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"),
          arguments: [UInt64(1), 2])
    func promtoolReadsEverySampleOfAPharosBlock(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let series = Self.makeSeries(using: &rng)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ulid = ULID.make(milliseconds: 1_700_000_000_000, using: &rng)
        let meta = try BlockWriter.write(series, into: directory.path, ulid: ulid)
        #expect(meta.numSeries == 60)
        #expect(meta.numSamples == UInt64(series.reduce(0) { $0 + $1.samples.count }))
        // promtool opens a whole database, which needs a (here empty) WAL directory.
        try FileManager.default.createDirectory(atPath: directory.path + "/wal", withIntermediateDirectories: true)

        let analyze = try run("/usr/bin/env", ["promtool", "tsdb", "analyze", directory.path])
        try #require(analyze.status == 0, "promtool tsdb analyze failed: \(analyze.output)")
        #expect(analyze.output.contains("Block ID: \(ulid)"))
        #expect(analyze.output.contains("\nSeries: 60\n"), "\(analyze.output)")

        let theirs = try DumpLine.promtoolDump(directory.path)
        #expect(theirs.count == series.count)
        for item in series {
            let got = try #require(theirs[item.labels], "promtool lacks \(item.labels)")
            #expect(got.map(\.0) == item.samples.map(\.timestamp), "timestamps of \(item.labels)")
            let same = zip(got, item.samples).allSatisfy { a, b in a.1.isNaN ? b.value.isNaN : a.1 == b.value }
            #expect(same && got.count == item.samples.count, "values of \(item.labels)")
        }
    }

    /// promtool and Pharos write the same block from the same samples: meta.json, tombstones,
    /// chunks and the index itself must be byte-identical (with promtool's ULID reused).
    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"),
          arguments: [UInt64(3), 4])
    func blockFilesAreByteIdenticalToPromtools(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        // Short series (≤ 30 samples) inside one 2h block: promtool keeps each in one chunk.
        let blockStart: Int64 = 1_699_999_200_000
        var series = [BlockWriter.SeriesSamples]()
        var input = "# TYPE a gauge\n# TYPE b gauge\n"
        for index in 0..<25 {
            let name = index % 2 == 0 ? "a" : "b"
            let labels = Labels([Label(name: "__name__", value: name), Label(name: "k", value: "v\(index)"),
                                 Label(name: "m", value: "w\(index % 3)")])
            var t = blockStart + Int64.random(in: 0..<1000, using: &rng) * 1000
            var samples = [(timestamp: Int64, value: Double)]()
            for _ in 0..<Int.random(in: 1...30, using: &rng) {
                let v = Double(Int.random(in: -1000...1000, using: &rng)) / 4
                samples.append((t, v))
                input += "\(name){k=\"v\(index)\",m=\"w\(index % 3)\"} \(v) \(t / 1000)\n"
                t += 15_000
            }
            series.append(.init(labels: labels, samples: samples))
        }
        input += "# EOF\n"
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let inputPath = directory.path + "/input.om"
        try input.write(toFile: inputPath, atomically: true, encoding: .utf8)
        let promtoolOut = directory.path + "/promtool"
        let result = try run("/usr/bin/env", ["promtool", "tsdb", "create-blocks-from", "openmetrics", inputPath, promtoolOut])
        try #require(result.status == 0, "promtool failed: \(result.output)")
        let blocks = try FileManager.default.contentsOfDirectory(atPath: promtoolOut)
        try #require(blocks.count == 1, "expected one block, got \(blocks)")
        let ulid = try #require(ULID(blocks[0]))
        #expect(ulid.description == blocks[0])

        let ours = directory.path + "/pharos"
        try FileManager.default.createDirectory(atPath: ours, withIntermediateDirectories: true)
        try BlockWriter.write(series, into: ours, ulid: ulid)
        for file in ["meta.json", "tombstones", "chunks/000001", "index"] {
            let a = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(promtoolOut)/\(ulid)/\(file)")))
            let b = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(ours)/\(ulid)/\(file)")))
            #expect(firstDifference(a, b) == nil, "\(file) differs at byte \(firstDifference(a, b) ?? -1) (sizes \(a.count), \(b.count))")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(ours)/\(ulid).tmp-for-creation"))
    }

    @Test func ulidTextFormMatchesTheSpecification() {
        // The timestamp part of the specification's example ULID.
        let example = ULID(milliseconds: 1_469_918_176_385, randomHigh: 0, randomLow: 0)
        #expect(example.description == "01ARYZ6S410000000000000000")
        #expect(ULID("7ZZZZZZZZZZZZZZZZZZZZZZZZZ") != nil)
        #expect(ULID("80000000000000000000000000") == nil)
        #expect(ULID("01ARYZ6S41TSV4RRFFQ69G5FA") == nil)
        #expect(ULID("01ARYZ6S41TSV4RRFFQ69G5FAU") == nil)  // U is not in the alphabet
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<200 {
            let ulid = ULID.make(milliseconds: UInt64.random(in: 0..<(1 << 48), using: &rng), using: &rng)
            #expect(ULID(ulid.description) == ulid)
            #expect(ULID(ulid.description.lowercased()) == ulid)
        }
        let earlier = ULID.make(milliseconds: 1000), later = ULID.make(milliseconds: 1001)
        #expect(earlier < later && earlier.description < later.description)
        #expect(earlier.milliseconds == 1000)
    }

    @Test func writerRefusesBadInput() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ulid = ULID.make(milliseconds: 1)
        let labels = Labels(["__name__": "x"])
        #expect(throws: TSDBError.self) {
            try BlockWriter.write([.init(labels: labels, samples: [(2, 1), (1, 1)])], into: directory.path, ulid: ulid)
        }
        #expect(throws: TSDBError.self) {
            try BlockWriter.write([.init(labels: labels, samples: [(1, 1)]), .init(labels: labels, samples: [(2, 1)])],
                                  into: directory.path, ulid: ulid)
        }
        #expect(throws: TSDBError.self) { try BlockWriter.write([], into: directory.path, ulid: ulid) }
        #expect(throws: TSDBError.self) {
            try BlockWriter.write([.init(labels: Labels(), samples: [(1, 1)])], into: directory.path, ulid: ulid)
        }
    }
}

extension DumpLine {
    /// Every sample `promtool tsdb dump` prints for the database in `directory`, by series.
    static func promtoolDump(_ directory: String) throws -> [Labels: [(Int64, Double)]] {
        let dump = try run("/usr/bin/env", ["promtool", "tsdb", "dump", directory])
        try #require(dump.status == 0, "promtool tsdb dump failed: \(dump.output)")
        var samples = [Labels: [(Int64, Double)]]()
        for line in dump.output.split(separator: "\n", omittingEmptySubsequences: true) {
            let parsed = try #require(DumpLine(line), "unparsable dump line: \(line)")
            samples[parsed.labels, default: []].append((parsed.timestamp, parsed.value))
        }
        return samples
    }
}

/// One line of `promtool tsdb dump`: `{name="value", ...} <value %g> <timestamp ms>`, label
/// values quoted as Go's `strconv.Quote`.
struct DumpLine {
    var labels: Labels
    var value: Double
    var timestamp: Int64

    init?(_ line: Substring) {
        guard let lastSpace = line.lastIndex(of: " ") else { return nil }
        let head = line[..<lastSpace]
        guard let valueSpace = head.lastIndex(of: " "),
              let timestamp = Int64(line[line.index(after: lastSpace)...]),
              let value = Double(head[head.index(after: valueSpace)...])
        else { return nil }
        var text = Array(head[..<valueSpace].unicodeScalars)
        guard text.first == "{", text.last == "}" else { return nil }
        text = Array(text.dropFirst().dropLast())
        var labels = [Label]()
        var i = 0
        while i < text.count {
            var name = ""
            while i < text.count, text[i] != "=" { name.unicodeScalars.append(text[i]); i += 1 }
            guard i + 1 < text.count, text[i + 1] == "\"" else { return nil }
            i += 2
            var value = ""
            while i < text.count, text[i] != "\"" {
                if text[i] == "\\", i + 1 < text.count {
                    switch text[i + 1] {
                    case "n": value += "\n"
                    case "t": value += "\t"
                    case "\\": value += "\\"
                    case "\"": value += "\""
                    default: return nil
                    }
                    i += 2
                } else {
                    value.unicodeScalars.append(text[i])
                    i += 1
                }
            }
            guard i < text.count else { return nil }
            i += 1
            labels.append(Label(name: name, value: value))
            if i < text.count {
                guard i + 1 < text.count, text[i] == ",", text[i + 1] == " " else { return nil }
                i += 2
            }
        }
        self.labels = Labels(labels)
        self.value = value
        self.timestamp = timestamp
    }
}
