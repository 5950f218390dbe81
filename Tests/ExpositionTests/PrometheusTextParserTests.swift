import Exposition
import Model
import Testing

@Suite struct PrometheusTextParserTests {
    static func entries(_ text: String, isStrict: Bool = false) throws(ExpositionError) -> [String] {
        var parser = PrometheusTextParser(Array(text.utf8), isStrict: isStrict)
        var builder = LabelsBuilder()
        var out: [String] = []
        while let entry = try parser.next() {
            switch entry {
            case .help: out.append("help \(parser.metadataName) \(parser.help)")
            case .type: out.append("type \(parser.metadataName) \(parser.type)")
            case .comment: out.append("comment \(parser.comment)")
            case .series:
                parser.labels(into: &builder)
                out.append("\(builder.labels()) \(parser.value) \(parser.timestampMs.map(String.init) ?? "-")")
            case .unit, .histogram: out.append("unexpected")
            }
        }
        return out
    }

    @Test func readsEntriesOfEveryKind() throws {
        let text = """
            # HELP http_requests_total The total.\\nSecond \\\\ line.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{ method = "post" , code="400", } 3 1395066363000

            # A free comment
              metric_without_labels\t12.47
            msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
            something_weird{problem="division by zero"} +Inf -3982045
            # TYPE legacy untyped
            legacy NaN

            """
        #expect(try Self.entries(text) == [
            "help http_requests_total The total.\nSecond \\ line.",
            "type http_requests_total counter",
            #"{__name__="http_requests_total", code="200", method="post"} 1027.0 1395066363000"#,
            #"{__name__="http_requests_total", code="400", method="post"} 3.0 1395066363000"#,
            "comment A free comment",
            #"{__name__="metric_without_labels"} 12.47 -"#,
            #"{__name__="msdos_file_access_time_seconds", error="Cannot find file:\n\"FILE.TXT\"", path="C:\\DIR\\FILE.TXT"} 1458255915.0 -"#,
            #"{__name__="something_weird", problem="division by zero"} inf -3982045"#,
            "type legacy unknown",
            #"{__name__="legacy"} nan -"#,
        ])
    }

    @Test(arguments: [
        ("a 1", "1:4: unexpected end of input, expected newline at end of line"),
        ("a{b=\"c\" 1\n", "1:9: unexpected \"1\", expected \",\" or \"}\""),
        ("9lives 1\n", "1:1: unexpected \"9\", expected metric name"),
        ("a 0x1p-3\n", "1:3: invalid number \"0x1p-3\""),
        ("a 1 1.5\n", "1:5: invalid number \"1.5\""),
        ("a 1 2 3\n", "1:7: unexpected \"3\", expected end of line"),
        ("a{b=\"x\",b=\"y\"} 1\n", "1:9: duplicate label name \"b\""),
        ("# TYPE a gauge\n# TYPE a counter\na 1\n", "2:1: second TYPE line for metric name \"a\", or TYPE reported after samples"),
        ("a 1\n# TYPE a gauge\n", "2:1: second TYPE line for metric name \"a\", or TYPE reported after samples"),
        ("# HELP a x\\ty\n", "1:12: unexpected \"t\", expected \\\\ or \\n after a backslash"),
        ("# TYPE a summary\na{quantile=\"x\"} 1\n", "2:13: expected float as value for 'quantile' label, got \"x\""),
        ("a 1 \n", "1:5: unexpected end of line, expected timestamp in milliseconds"),
    ])
    func strictModeRefusesWithPosition(text: String, message: String) {
        #expect(throws: ExpositionError.self) { try Self.entries(text, isStrict: true) }
        do {
            _ = try Self.entries(text, isStrict: true)
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func refusesInvalidUTF8InLabelValues() {
        let bytes: [UInt8] = Array("a{b=\"x".utf8) + [0xFF] + Array("\"} 1\n".utf8)
        var parser = PrometheusTextParser(bytes)
        #expect(throws: ExpositionError.invalidUTF8(line: 1, column: 6)) { try parser.next() }
    }

    @Test func lenientModeAcceptsWhatPrometheusScrapes() throws {
        // promparse accepts repeated metadata, unknown escapes and trailing blanks.
        let text = "# TYPE a gauge\n# TYPE a gauge\na{b=\"x\\ty\"} 1 \n# HELP a x\\ty\n"
        #expect(try Self.entries(text).count == 4)
    }

    @Test func errorIsSticky() throws {
        var parser = PrometheusTextParser(Array("a 1\nb x\nc 1\n".utf8))
        #expect(try parser.next() == .series)
        #expect(throws: ExpositionError.invalidNumber("x", line: 2, column: 3)) { try parser.next() }
        #expect(throws: ExpositionError.invalidNumber("x", line: 2, column: 3)) { try parser.next() }
    }

    @Test func seriesKeyIsTheSeriesAsWritten() throws {
        var parser = PrometheusTextParser(Array("a{b=\"1\"} 1 5\na{b=\"1\"} 2 6\n".utf8))
        var keys: [[UInt8]] = []
        while try parser.next() != nil {
            keys.append(parser.withSeriesKey { Array($0) })
        }
        #expect(keys == [Array("a{b=\"1\"}".utf8), Array("a{b=\"1\"}".utf8)])
    }
}
