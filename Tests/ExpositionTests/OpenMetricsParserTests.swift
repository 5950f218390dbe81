import Exposition
import Model
import Testing
import PharosTestSupport

@Suite struct OpenMetricsParserTests {
    @Test func readsMetadataSamplesAndExemplars() throws {
        let text = """
            # TYPE rpc_seconds histogram
            # UNIT rpc_seconds seconds
            # HELP rpc_seconds RPC \\"latency\\"\\nin seconds.
            rpc_seconds_bucket{le="0.5",svc="a"} 2 1700000000.25 # {trace_id="abc"} 0.125 1700000000.001
            rpc_seconds_bucket{le="+Inf",svc="a"} 3 1700000000.25
            rpc_seconds_count{svc="a"} 3 1700000000.25
            rpc_seconds_sum{svc="a"} 1.5 1700000000.25
            # EOF

            """
        var parser = OpenMetricsParser(Array(text.utf8))
        #expect(try parser.next() == .type)
        #expect(parser.metadataName == "rpc_seconds")
        #expect(parser.type == .histogram)
        #expect(try parser.next() == .unit)
        #expect(parser.unit == "seconds")
        #expect(try parser.next() == .help)
        #expect(parser.help == "RPC \"latency\"\nin seconds.")
        #expect(try parser.next() == .series)
        var labels = LabelsBuilder(), exemplarLabels = LabelsBuilder()
        parser.labels(into: &labels)
        #expect(labels.labels() == Labels(["__name__": "rpc_seconds_bucket", "le": "0.5", "svc": "a"]))
        #expect(parser.value == 2)
        #expect(parser.timestampMs == 1_700_000_000_250)
        #expect(parser.exemplar(into: &exemplarLabels) == ExemplarValue(value: 0.125, timestampMs: 1_700_000_000_001))
        #expect(exemplarLabels.labels() == Labels(["trace_id": "abc"]))
        #expect(try parser.next() == .series)
        #expect(parser.exemplar(into: &exemplarLabels) == nil)
        #expect(exemplarLabels.labels() == Labels(["trace_id": "abc"]), "builder untouched without exemplar")
        #expect(try parser.next() == .series)
        #expect(try parser.next() == .series)
        #expect(try parser.next() == nil)
        #expect(try parser.next() == nil)
    }

    @Test(arguments: [
        ("a 1\n", "2:1: data does not end with # EOF"),
        ("a 1\n# EOF\n\n", "2:6: unexpected data after # EOF"),
        ("a{b=\"c\"} 1 # {x=\"y\"} 1\n# EOF\n", "1:1: exemplars are only allowed on counter _total and histogram _bucket samples"),
        ("# TYPE a counter\na_total -1\n# EOF\n", "2:1: counter value must be a non-negative number"),
        ("# TYPE a histogram\na_bucket{le=\"1\"} 2\na_bucket{le=\"+Inf\"} 1\n# EOF\n", "3:1: histogram bucket counts are not cumulative"),
        ("# TYPE a gauge\n# TYPE a gauge\n# EOF\n", "2:1: second # TYPE for metric family \"a\""),
        ("a  1\n# EOF\n", "1:3: unexpected space, expected sample value"),
        ("a 1 1 # {a=\"b\"}\n# EOF\n", "1:16: unexpected end of line, expected space before the exemplar value"),
        ("# UNIT a_s m\n# EOF\n", "1:12: unit \"m\" is not a suffix of metric name \"a_s\""),
    ])
    func refusesWithPosition(text: String, message: String) {
        var parser = OpenMetricsParser(Array(text.utf8))
        do {
            while try parser.next() != nil {}
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func withoutFamilyValidationOnlyTheGrammarIsChecked() throws {
        let clashing = "# TYPE a gauge\na 1\n# TYPE a counter\na_total 2\n# EOF\n"
        var strict = OpenMetricsParser(Array(clashing.utf8))
        #expect(throws: ExpositionError.self) { while try strict.next() != nil {} }
        var lenient = OpenMetricsParser(Array(clashing.utf8), validatesFamilies: false)
        var entries = 0
        while try lenient.next() != nil { entries += 1 }
        #expect(entries == 4)
        var missingEOF = OpenMetricsParser(Array("a 1\n".utf8), validatesFamilies: false)
        #expect(throws: ExpositionError.missingEOF(line: 2)) { while try missingEOF.next() != nil {} }
    }
}

@Suite struct NumberFormatTests {
    static func parseValue(_ text: String) throws -> Double {
        var parser = PrometheusTextParser(Array("a \(text)\n".utf8))
        _ = try parser.next()
        return parser.value
    }

    static func written(_ value: Double) -> String {
        var out: [UInt8] = []
        ExpositionWriter.write([MetricFamily(name: "a", samples: [MetricSample(labels: Labels(["__name__": "a"]), value: value)])],
                               format: .text, into: &out)
        let line = String(decoding: out, as: UTF8.self).split(separator: "\n").last ?? ""
        return String(line.dropFirst(2))
    }

    @Test(arguments: [
        (1_000_000.0, "1e+06"), (123_456.0, "123456"), (2_478_268_416.0, "2.478268416e+09"), (0.00001, "1e-05"),
        (0.0001, "0.0001"), (0.1, "0.1"), (-0.5, "-0.5"), (1.5e300, "1.5e+300"), (Double.leastNonzeroMagnitude, "5e-324"),
        (0.013300656000000001, "0.013300656000000001"), (1, "1"), (0, "0"), (-1, "-1"), (29323.4, "29323.4"),
        (.infinity, "+Inf"), (-.infinity, "-Inf"), (.nan, "NaN"), (1e21, "1e+21"), (123456.5, "123456.5"),
    ])
    func writesValuesAsGo(value: Double, expected: String) {
        #expect(Self.written(value) == expected)
    }

    @Test func parsedValuesMatchTheStandardLibraryBitForBit() throws {
        var generator = SeededGenerator(seed: 0x5eed_0003)
        for _ in 0..<20_000 {
            let value: Double = switch Int.random(in: 0..<4, using: &generator) {
            case 0: Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            case 1: Double.random(in: -1e6...1e6, using: &generator)
            case 2: Double(Int64.random(in: -1 << 60...1 << 60, using: &generator))
            default: Double.random(in: 0...1, using: &generator) * pow10(Int.random(in: -30...30, using: &generator))
            }
            guard value.isFinite else { continue }
            for text in [value.description, Self.written(value), String(format: value)] {
                let expected = try #require(Double(text))
                #expect(try Self.parseValue(text).bitPattern == expected.bitPattern, "\(text)")
            }
            // Writing then parsing gives the value back exactly.
            #expect(try Self.parseValue(Self.written(value)).bitPattern == value.bitPattern)
        }
    }

    private func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}

extension String {
    /// A long fixed-notation rendering (many significant digits), to reach the slow path.
    fileprivate init(format value: Double) {
        let integer = value.rounded(.towardZero)
        guard abs(integer) < 1e18 else { self = value.description; return }
        let fraction = abs(value - integer)
        var digits = ""
        var rest = fraction
        for _ in 0..<25 {
            rest *= 10
            let digit = Int(rest)
            digits += String(digit)
            rest -= Double(digit)
        }
        self = (value < 0 && integer == 0 ? "-" : "") + String(Int64(integer)) + "." + digits
    }
}
