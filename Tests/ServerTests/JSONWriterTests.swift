import Model
import Server
import Testing

@Suite struct JSONWriterTests {
    private func text(_ build: (inout JSONWriter) -> Void) -> String {
        var w = JSONWriter()
        build(&w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test func sampleValuesAreFormattedAsPrometheusMarshalValue() {
        let cases: [(Double, String)] = [
            (1, "\"1\""), (1.5, "\"1.5\""), (-0.25, "\"-0.25\""), (1e20, "\"100000000000000000000\""),
            (1e21, "\"1e+21\""), (1e-6, "\"0.000001\""), (1e-7, "\"1e-07\""), (123456789.125, "\"123456789.125\""),
            (.nan, "\"NaN\""), (.infinity, "\"+Inf\""), (-.infinity, "\"-Inf\""), (0, "\"0\""),
        ]
        for (value, expected) in cases {
            #expect(text { $0.sampleValue(value) } == expected, "value \(value)")
        }
    }

    @Test func timestampsAreSecondsWithMillisecondFraction() {
        #expect(text { $0.timestamp(1_435_781_451_781) } == "1435781451.781")
        #expect(text { $0.timestamp(1_435_781_451_780) } == "1435781451.780")
        #expect(text { $0.timestamp(1_000) } == "1")
        #expect(text { $0.timestamp(1_005) } == "1.005")
        #expect(text { $0.timestamp(-1_500) } == "-1.500")
    }

    @Test func stringsAreEscapedAsGoEncodingJSON() {
        #expect(text { $0.string("a\"b\\c\n<&>\u{01}") } == #""a\"b\\c\n\u003c\u0026\u003e\u0001""#)
        #expect(text { $0.string("line\u{2028}sep") } == #""line\u2028sep""#)
        #expect(text { $0.string(bytes: [0x61, 0xFF, 0x62]) } == "\"a\u{FFFD}b\"")
        #expect(text { $0.string("ü€😀") } == "\"ü€😀\"")
    }

    @Test func labelSetsAreObjectsInLabelOrder() throws {
        let labels = Labels(["job": "node", "__name__": "up", "instance": "a:1"])
        #expect(text { $0.labels(labels) } == #"{"__name__":"up","instance":"a:1","job":"node"}"#)
    }
}
