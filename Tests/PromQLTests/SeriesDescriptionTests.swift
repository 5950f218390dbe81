import Foundation
import Model
import Testing
@testable import PromQL

/// `SeriesDescription`: upstream's `testSeries` table (`parse_test.go`), re-expressed, and every
/// `load` line of the conformance scripts.
@Suite struct SeriesDescriptionTests {
    private static let none = SeriesValue.omitted

    private static func floats(_ values: [Double?]) -> [SeriesValue] {
        values.map { $0.map(SeriesValue.float) ?? .omitted }
    }

    @Test(arguments: [
        ("{} 1 2 3", Labels(), [1, 2, 3]),
        (#"{a="b"} -1 2 3"#, Labels(["a": "b"]), [-1, 2, 3]),
        ("my_metric 1 2 3", Labels(["__name__": "my_metric"]), [1, 2, 3]),
        ("my_metric{} 1 2 3", Labels(["__name__": "my_metric"]), [1, 2, 3]),
        (#"my_metric{a="b"} 1 2 3-10x4"#, Labels(["__name__": "my_metric", "a": "b"]), [1, 2, 3, -7, -17, -27, -37]),
        (#"my_metric{a="b"} 1 2 3-0x4"#, Labels(["__name__": "my_metric", "a": "b"]), [1, 2, 3, 3, 3, 3, 3]),
        ("{} 1x0", Labels(), [1]),
        ("{} 1+1x0", Labels(), [1]),
        (#"my_metric{a="b"} 1 3 _ 5 _x4"#, Labels(["__name__": "my_metric", "a": "b"]), [1, 3, nil, 5, nil, nil, nil, nil]),
        (#"my_metric{a="b"} 1 -1 -3-10x4 7 9 +5"#, Labels(["__name__": "my_metric", "a": "b"]),
         [1, -1, -3, -13, -23, -33, -43, 7, 9, 5]),
        (#"my_metric{a="b"} 1 +1 +4 -6 -2 8"#, Labels(["__name__": "my_metric", "a": "b"]), [1, 1, 4, -6, -2, 8]),
        (#"my_metric{a="b"} 1 2 3    "#, Labels(["__name__": "my_metric", "a": "b"]), [1, 2, 3]),
        (#"my_metric{a="\u70ac = torch"} 1 2 3"#, Labels(["__name__": "my_metric", "a": "炬 = torch"]), [1, 2, 3]),
    ] as [(String, Labels, [Double?])])
    func parsesUpstreamSeries(line: String, labels: Labels, values: [Double?]) throws {
        let series = try SeriesDescription(parsing: line)
        #expect(series.labels == labels)
        #expect(series.values == Self.floats(values))
    }

    @Test(arguments: [
        "{} 1+1", #"my_metric{a="b"} 1 3 _ 5 _a4"#, #"my_metric{a="b"} -3-3 -3"#, #"my_metric{a="b"} -3 -3-3"#,
        #"my_metric{a="b"} -3 _-2"#, #"my_metric{a="b"} -3 3+3x4-4"#, "{} 1m", "{} 0x1f",
    ])
    func refusesUpstreamFailures(line: String) {
        #expect(throws: PromQLError.self) { try SeriesDescription(parsing: line) }
    }

    @Test func parsesStaleAndHistograms() throws {
        let series = try SeriesDescription(parsing:
            "h 1 stale {{schema:1 sum:-0.3 count:3 z_bucket:7 z_bucket_w:0.05 buckets:[5 10 7] offset:-3 n_buckets:[4 5] n_offset:5 counter_reset_hint:gauge}}x1 {{}}+{{count:1}}x2")
        #expect(series.values.count == 5)
        guard case .float(let stale) = series.values[1], case .histogram(let h) = series.values[2],
              case .histogramSequence(let start, let delta, let subtract, let times) = series.values[4] else {
            Issue.record("unexpected values \(series.values)")
            return
        }
        #expect(stale.bitPattern == SeriesDescription.staleNaN.bitPattern)
        #expect(h.schema == 1 && h.sum == -0.3 && h.count == 3 && h.zeroCount == 7 && h.zeroThreshold == 0.05)
        #expect(h.positiveBuckets == [5, 10, 7] && h.positiveOffset == -3)
        #expect(h.negativeBuckets == [4, 5] && h.negativeOffset == 5 && h.counterResetHint == .gauge)
        #expect(series.values[3] == series.values[2])
        #expect(start == HistogramLiteral() && delta.count == 1 && !subtract && times == 2)
    }

    /// Every line of every `load` block in the upstream scripts (FORMAT.md section 3).
    static let loadLines: [(String, String)] = {
        let directory = ConformanceExpressions.directory
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".test") }.sorted()
        var lines: [(String, String)] = []
        for file in files {
            guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else { continue }
            var inLoad = false
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("eval") || line.hasPrefix("clear") {
                    inLoad = false
                } else if line.hasPrefix("load") {
                    inLoad = true
                } else if inLoad, !(line.split(separator: " ").first?.hasSuffix("@st") ?? false) {
                    // `@st` lines carry start timestamps (FORMAT.md 3.2): the runner's syntax.
                    lines.append(("\(file):\(number + 1)", line))
                }
            }
        }
        return lines
    }()

    @Test func parsesEveryConformanceLoadLine() {
        #expect(Self.loadLines.count > 1000)
        for (place, line) in Self.loadLines {
            do {
                _ = try SeriesDescription(parsing: line)
            } catch {
                Issue.record("\(place): \(error)")
            }
        }
    }

    /// Truncated and mutated load lines never trap.
    @Test func hostileLinesNeverTrap() {
        var state: UInt64 = 7
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407   // LCG, wraps by design
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        let alphabet = Array("{}[]:x+-_ 0123456789.eE\"'`staleInfNaN")
        let lines = Self.loadLines.map(\.1)
        for line in lines.prefix(300) {
            let characters = Array(line)
            for length in 0..<characters.count { _ = try? SeriesDescription(parsing: String(characters[..<length])) }
        }
        for _ in 0..<20_000 {
            var characters = Array(lines[random(lines.count)])
            for _ in 0...random(4) {
                let position = random(characters.count + 1)
                if random(2) == 0 {
                    characters.insert(alphabet[random(alphabet.count)], at: position)
                } else if position < characters.count {
                    characters.remove(at: position)
                }
            }
            _ = try? SeriesDescription(parsing: String(characters))
        }
        #expect(!lines.isEmpty)
    }
}
