import Testing
@testable import PromQL

/// Experimental syntax is refused unless its `--enable-feature` name is given.
@Suite struct ParserOptionsTests {
    @Test(arguments: [
        ("limitk(2, foo)", "promql-experimental-functions",
         "1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions"),
        ("sort_by_label(foo, \"a\")", "promql-experimental-functions",
         "1:1: parse error: function \"sort_by_label\" is not enabled"),
        ("a + fill(0) b", "promql-binop-fill-modifiers",
         "1:1: parse error: binop fill modifiers are experimental and not enabled"),
        ("foo[5m] anchored", "promql-extended-range-selectors",
         "1:1: parse error: anchored modifier is experimental and not enabled"),
    ])
    func refusesUntilEnabled(query: String, feature: String, message: String) throws {
        #expect(throws: PromQLError.self) { try PromQLParser.parse(query) }
        do {
            _ = try PromQLParser.parse(query)
        } catch {
            #expect(error.description == message)
        }
        _ = try PromQLParser.parse(query, options: ParserOptions(features: [feature]))
    }

    @Test func durationExpressionsCanBeSwitchedOff() throws {
        var options = ParserOptions()
        options.durationExpressions = false
        #expect(throws: PromQLError.self) { try PromQLParser.parse("foo[5m * 2]", options: options) }
        _ = try PromQLParser.parse("foo[5m * 2]")
    }

    @Test func rendersLineAndColumn() {
        do {
            _ = try PromQLParser.parse("sum(rate(x[5m]))\n  + on(a) group_left")
            Issue.record("parsed")
        } catch {
            #expect(error.description == "2:21: parse error: unexpected end of input")
        }
    }
}
