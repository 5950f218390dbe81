import Model
import Testing
@testable import PromQL

/// Upstream's `TestVectorSelector_String` and `TestBinaryExprUTF8Labels`, re-expressed.
@Suite struct PrinterTests {
    private static func selector(_ name: String, _ matchers: [(MatchType, String, String)]) throws -> Expr {
        let built = try matchers.map { (type, label, value) throws(ModelError) in try Matcher(type, label, value) }
        return .vectorSelector(VectorSelector(name: name, matchers: built, range: PositionRange(start: 0, end: 0)))
    }

    @Test func printsSelectorsLikeUpstream() throws {
        #expect(try Self.selector("", []).description == "")
        #expect(try Self.selector("foobar", []).description == "foobar")
        #expect(try Self.selector("foobar", [(.equal, "a", "x")]).description == #"foobar{a="x"}"#)
        #expect(try Self.selector("foobar", [(.equal, "a", "x"), (.equal, "b", "y")]).description == #"foobar{a="x",b="y"}"#)
        #expect(try Self.selector("", [(.equal, "a", "x"), (.equal, "b", "y")]).description == #"{a="x",b="y"}"#)
        #expect(try Self.selector("foobar", [(.equal, "__name__", "foobar")]).description == "foobar")
        #expect(try Self.selector("", [(.equal, "__name__", "foobar")]).description == #"{__name__="foobar"}"#)
        #expect(try Self.selector("", [(.equal, "__name__", ""), (.equal, "a", "x")]).description == #"{__name__="",a="x"}"#)
    }

    @Test(arguments: [
        (#"foo / on("äää") bar"#, #"foo / on ("äää") bar"#),
        (#"foo / ignoring("üüü") bar"#, #"foo / ignoring ("üüü") bar"#),
        (#"foo / on("äää") group_left("ööö") bar"#, #"foo / on ("äää") group_left ("ööö") bar"#),
        (#"foo / on("äää") group_right("ööö") bar"#, #"foo / on ("äää") group_right ("ööö") bar"#),
        (#"foo / on(legacy, "üüü") bar"#, #"foo / on (legacy, "üüü") bar"#),
        ("foo / on(job, instance) bar", "foo / on (job, instance) bar"),
    ])
    func quotesUTF8LabelsInMatching(input: String, expected: String) throws {
        #expect(try PromQLParser.parse(input).description == expected)
    }

    @Test(arguments: [
        (Int64(0), "0s"), (Int64(90_000_000_000), "1m30s"), (Int64(86_400_000_000_000 * 365), "1y"),
        (Int64(86_400_000_000_000 * 14), "2w"), (Int64(86_400_000_000_000 * 15), "15d"), (Int64(1_500_000), "1ms"),
    ])
    func formatsDurationsAsModelDuration(nanoseconds: Int64, expected: String) {
        #expect(Printer.duration(nanoseconds: nanoseconds) == expected)
    }
}
