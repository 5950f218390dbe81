import Exposition
import Model
import Testing
import PharosTestSupport

/// Hostile input into both parsers: every prefix of every conformance input, seeded mutations
/// and random bytes. Each run must end in a result or an `ExpositionError` with a position
/// inside the input — never a trap or a hang.
@Suite struct ParserFuzzTests {
    enum Outcome { case parsed(Int), refused(ExpositionError) }

    /// Runs a parser over `input` to the end, bounded by one entry per byte (plus one).
    static func run(_ input: [UInt8], openMetrics: Bool) -> Outcome {
        var builder = LabelsBuilder()
        func drain(_ parser: inout some MetricsParser) -> Outcome {
            var entries = 0
            do {
                while let entry = try parser.next() {
                    entries += 1
                    if entry == .series {
                        parser.labels(into: &builder)
                        _ = parser.exemplar(into: &builder)
                    }
                    // Every entry consumes at least one line, so more entries than bytes is a loop.
                    if entries > input.count + 1 { Issue.record("parser does not advance"); break }
                }
                return .parsed(entries)
            } catch {
                return .refused(error)
            }
        }
        if openMetrics {
            var parser = OpenMetricsParser(input)
            return drain(&parser)
        }
        var parser = PrometheusTextParser(input)
        return drain(&parser)
    }

    /// An error must point inside the input: a line that exists, a column on it.
    static func expectPositionInside(_ error: ExpositionError, _ input: [UInt8]) {
        let lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let line = error.line, let column = error.column else {
            Issue.record("text error without position: \(error)")
            return
        }
        #expect(line >= 1 && line <= lines.count, "\(error)")
        if line >= 1 && line <= lines.count {
            #expect(column >= 1 && column <= lines[line - 1].count + 1, "\(error)")
        }
    }

    static let corpus: [[UInt8]] = TestData.openMetricsCases.compactMap { try? TestData.openMetricsCase($0).input }

    @Test func everyPrefixOfEveryInputEndsInAResultOrAnError() {
        #expect(Self.corpus.count == 211)
        for input in Self.corpus {
            for length in 0...input.count {
                let prefix = Array(input[..<length])
                for openMetrics in [true, false] {
                    if case .refused(let error) = Self.run(prefix, openMetrics: openMetrics) {
                        Self.expectPositionInside(error, prefix)
                    }
                }
            }
        }
    }

    @Test(arguments: TestData.openMetricsCases.filter { !$0.hasPrefix("bad_") })
    func openMetricsRefusesEveryPrefixThatCutsOffEOF(caseName: String) throws {
        let input = try TestData.openMetricsCase(caseName).input
        let eofStart = try #require(Self.lastEOF(in: input))
        for length in 0..<(eofStart + 5) {
            guard case .refused = Self.run(Array(input[..<length]), openMetrics: true) else {
                Issue.record("\(caseName) cut at \(length) bytes was accepted")
                continue
            }
        }
        guard case .parsed = Self.run(Array(input[..<(eofStart + 5)]), openMetrics: true) else {
            Issue.record("\(caseName) up to # EOF without newline was refused")
            return
        }
    }

    private static func lastEOF(in input: [UInt8]) -> Int? {
        let marker = Array("# EOF".utf8)
        guard input.count >= marker.count else { return nil }
        return (0...(input.count - marker.count)).last { Array(input[$0..<($0 + marker.count)]) == marker }
    }

    @Test func seededMutationsEndInAResultOrAnError() throws {
        try #require(!Self.corpus.isEmpty, "the OpenMetrics conformance suite (../shared/conformance) was not found")
        var generator = SeededGenerator(seed: 0x5eed_0001)
        let alphabet = Array("{}=\",# \n\\abc_:0123456789.eE+-InfNaN\t\u{0}".utf8) + [0xC3, 0xA9, 0xFF, 0xE2, 0x82]
        var refused = 0, parsed = 0
        for round in 0..<4_000 {
            var input = Self.corpus[round % Self.corpus.count]
            let edits = Int.random(in: 1...4, using: &generator)
            for _ in 0..<edits {
                let position = input.isEmpty ? 0 : Int.random(in: 0..<input.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0 where !input.isEmpty: input[position] = alphabet.randomElement(using: &generator) ?? 0
                case 1: input.insert(alphabet.randomElement(using: &generator) ?? 0, at: position)
                case 2 where !input.isEmpty: input.remove(at: position)
                default:
                    let end = min(input.count, position + Int.random(in: 1...16, using: &generator))
                    input.insert(contentsOf: input[position..<end], at: position)
                }
            }
            for openMetrics in [true, false] {
                switch Self.run(input, openMetrics: openMetrics) {
                case .refused(let error):
                    refused += 1
                    Self.expectPositionInside(error, input)
                case .parsed:
                    parsed += 1
                }
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the parsers.
        #expect(refused > 1_000)
        #expect(parsed > 100)
    }

    /// Absurd sizes stay linear: 100,000 labels on one line, a 4 MiB label value, 200,000 lines.
    @Test(.timeLimit(.minutes(1)))
    func absurdSizesAreParsedInLinearTime() throws {
        var wide = Array("a{".utf8)
        for index in 0..<100_000 { wide += Array("l\(index)=\"v\",".utf8) }
        wide += Array("l0=\"dup\"} 1\n# EOF\n".utf8)
        for openMetrics in [true, false] {
            guard case .refused(let error) = Self.run(wide, openMetrics: openMetrics) else {
                Issue.record("duplicate label among 100,000 accepted")
                continue
            }
            #expect(error.message == "duplicate label name \"l0\"")
        }

        let longValue = Array("a{b=\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: 4 << 20) + Array("\"} 1\n# EOF\n".utf8)
        guard case .parsed(1) = Self.run(longValue, openMetrics: true) else {
            Issue.record("4 MiB label value refused")
            return
        }

        var manyLines: [UInt8] = []
        for index in 0..<200_000 { manyLines += Array("m{i=\"\(index)\"} \(index)\n".utf8) }
        guard case .parsed(200_000) = Self.run(manyLines, openMetrics: false) else {
            Issue.record("200,000 lines not parsed")
            return
        }
    }

    @Test func randomBytesEndInAResultOrAnError() {
        var generator = SeededGenerator(seed: 0x5eed_0002)
        for _ in 0..<3_000 {
            let count = Int.random(in: 0...200, using: &generator)
            let input = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for openMetrics in [true, false] {
                if case .refused(let error) = Self.run(input, openMetrics: openMetrics) {
                    Self.expectPositionInside(error, input)
                }
            }
        }
    }
}
