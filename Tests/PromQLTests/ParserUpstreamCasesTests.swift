import Testing
@testable import PromQL

/// Prometheus's own parser table (`promql/parser/parse_test.go`, v3.14.0), as data.
@Suite struct ParserUpstreamCasesTests {
    /// Upstream's `TestParseExpressions` options: everything but fill modifiers.
    static let options: ParserOptions = {
        var options = ParserOptions.all
        options.binopFillModifiers = false
        return options
    }()

    @Test func fixturesAreLoaded() {
        #expect(Fixtures.parseCases.count > 300)
        #expect(Fixtures.parseCases.filter(\.fail).count > 130)
    }

    @Test(arguments: Fixtures.parseCases.filter { !$0.fail })
    func parsesValidExpression(_ testCase: Fixtures.ParseCase) throws {
        let expr = try PromQLParser.parse(testCase.input, options: Self.options)
        if let top = testCase.top {
            #expect(expr.goTypeName == top)
        }
        if let nodes = testCase.nodes {
            #expect(expr.nodeTypeNames == nodes)
        }
        // `\xFF` escapes decode to U+FFFD here (docs/promql.md), not to the raw byte.
        if let ast = testCase.ast, !expr.description.unicodeScalars.contains("\u{FFFD}") {
            #expect(GoASTForm.form(expr) == ast)
        }
        // A `\xFF` escape decodes to U+FFFD here (Swift strings hold valid UTF-8 only), which the
        // lexer refuses in a literal, so such strings cannot round-trip (docs/promql.md).
        guard !expr.description.unicodeScalars.contains("\u{FFFD}") else { return }
        let reparsed = try PromQLParser.parse(expr.description, options: Self.options)
        #expect(reparsed.withoutPositions == expr.withoutPositions, "printed as \(expr.description)")
    }

    @Test(arguments: Fixtures.parseCases.filter { $0.fail })
    func refusesInvalidExpression(_ testCase: Fixtures.ParseCase) {
        do {
            let expr = try PromQLParser.parse(testCase.input, options: Self.options)
            Issue.record("parsed as \(expr)")
        } catch {
            if let message = testCase.error {
                #expect(error.message == message)
            }
            if let start = testCase.start, case .parse(_, let position, _) = error {
                #expect(position.start == start, "\(error)")
            }
        }
    }
}

/// Upstream's `TestExprString` (`printer_test.go`): the canonical form must match exactly.
@Suite struct PrinterUpstreamCasesTests {
    static let options: ParserOptions = {
        var options = ParserOptions.all
        options.experimentalFunctions = false
        return options
    }()

    @Test(arguments: Fixtures.printerCases)
    func printsCanonicalForm(_ testCase: Fixtures.PrinterCase) throws {
        let expr = try PromQLParser.parse(testCase.input, options: Self.options)
        #expect(expr.description == testCase.output)
        let reparsed = try PromQLParser.parse(expr.description, options: Self.options)
        #expect(reparsed.withoutPositions == expr.withoutPositions)
    }
}

/// Upstream's `prettier_test.go` cases (run there with `maxCharactersPerLine = 10`).
@Suite struct PrettyPrinterUpstreamCasesTests {
    @Test(arguments: Fixtures.prettierCases)
    func formatsLikeUpstream(_ testCase: Fixtures.PrinterCase) throws {
        let expr = try PromQLParser.parse(testCase.input)
        #expect(expr.formatted(maxLineLength: 10) == testCase.output)
        let reparsed = try PromQLParser.parse(expr.formatted(maxLineLength: 10))
        #expect(reparsed.withoutPositions == expr.withoutPositions)
    }

    @Test func shortExpressionsStayOnOneLine() throws {
        let expr = try PromQLParser.parse("sum by (job) (rate(http_requests_total[5m]))")
        #expect(expr.formatted() == "sum by (job) (rate(http_requests_total[5m]))")
    }
}
