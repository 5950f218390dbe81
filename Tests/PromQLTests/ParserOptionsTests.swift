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

/// Nesting is bounded so hostile queries cannot exhaust the stack of the parser, the type
/// checker or the printer.
@Suite struct NestingLimitTests {
    @Test(arguments: [
        String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
        String(repeating: "-", count: 100_000) + "1",
        "1" + String(repeating: " + 1", count: 100_000),
        "foo" + String(repeating: "[5m:]", count: 100_000),
        "foo[" + String(repeating: "(", count: 100_000) + "5m" + String(repeating: ")", count: 100_000) + "]",
        String(repeating: "abs(", count: 100_000) + "foo" + String(repeating: ")", count: 100_000),
    ])
    func refusesAbsurdNesting(query: String) {
        #expect(throws: PromQLError.self) { try PromQLParser.parse(query) }
        do {
            _ = try PromQLParser.parse(query)
        } catch {
            #expect(error.message == "expression nests more than 1000 levels deep")
        }
    }

    @Test func acceptsNestingWithinTheLimit() throws {
        let query = String(repeating: "(", count: 300) + "vector(1)" + String(repeating: ")", count: 300)
            + String(repeating: " or vector(1)", count: 300)
        let expr = try PromQLParser.parse(query)
        #expect(try PromQLParser.parse(expr.description).withoutPositions == expr.withoutPositions)
    }

    @Test func printsExtremeOffsetsWithoutTrapping() throws {
        let expr = try PromQLParser.parse("foo offset -9223372036.854775808")
        #expect(expr.description == "foo offset -106751d23h47m16s854ms")
    }
}
