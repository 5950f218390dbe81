import Testing
@testable import PromQL

/// Token kinds and texts as upstream's `lex_test.go` expects them.
@Suite struct LexerTests {
    private func kinds(_ query: String) -> [TokenKind] { Lexer.tokens(query).map(\.kind) }

    @Test(arguments: [
        ("1", TokenKind.number), (".5", .number), ("5.", .number), ("0x1f", .number), ("5e-3", .number),
        ("Inf", .number), ("nAn", .number), ("1_000", .number), ("5m", .duration), ("1h30m", .duration),
        ("500ms", .duration), ("1y", .duration), ("\"a\"", .string), ("'a'", .string), ("`a`", .string),
        ("foo", .identifier), ("foo:bar", .metricIdentifier), (":foo", .metricIdentifier), ("sum", .sum),
        ("limit_ratio", .limitRatio), ("offset", .offset), ("group_left", .groupLeft), ("and", .land),
        ("atan2", .atan2), ("==", .eqlc), ("!=", .neq), ("<=", .lte), (">/", .trimLower), ("^", .pow), ("@", .at),
    ])
    func lexesSingleToken(query: String, kind: TokenKind) {
        let tokens = Lexer.tokens(query)
        #expect(tokens.map(\.kind) == [kind, .eof])
        #expect(tokens.first?.text == query)
    }

    @Test func fillIsKeywordOnlyBeforeParenthesis() {
        #expect(kinds("fill (1)").first == .fill)
        #expect(kinds("fill").first == .identifier)
        #expect(kinds("fill_left\t(") .first == .fillLeft)
    }

    @Test func bracketsLexDurationsAndKeywords() {
        #expect(kinds("foo[5m:1m]") == [.identifier, .leftBracket, .duration, .colon, .duration, .rightBracket, .eof])
        #expect(kinds("foo[step()*2]") == [.identifier, .leftBracket, .step, .leftParen, .rightParen, .mul, .number,
                                            .rightBracket, .eof])
        #expect(kinds("x[5m:min_of(1m, 2m)]").contains(.minOf))
    }

    @Test func insideBracesKeywordsAreIdentifiers() {
        #expect(kinds("{by=\"x\", on!~'y'}") == [.leftBrace, .identifier, .assign, .string, .comma, .identifier,
                                                 .neqRegex, .string, .rightBrace, .eof])
        #expect(kinds("{\"my.metric\", \"a.b\"=\"c\"}") == [.leftBrace, .string, .comma, .string, .assign, .string,
                                                             .rightBrace, .eof])
    }

    @Test func commentsAreTokens() {
        #expect(kinds("# hi\nfoo # there") == [.comment, .identifier, .comment, .eof])
    }

    @Test func utf8StringsAndEscapes() {
        let query = #""\a\b\f\n\r\t\v\\\" - \xFF\377\u1234\U00010111\U0001011111☺""#
        #expect(kinds(query) == [.string, .eof])
        #expect(kinds("'☺'") == [.string, .eof])
    }

    @Test(arguments: [
        ("=~", "unexpected character after '=': '~'"),
        ("!~", "unexpected character after '!': '~'"),
        ("2.5.", "bad number or duration syntax: \"2.5.\""),
        ("5mm", "bad number or duration syntax: \"5mm\""),
        ("\"\\c\"", "unknown escape sequence U+0063 'c'"),
        ("\"\\x.\"", "illegal character U+002E '.' in escape sequence"),
        ("\"abc", "unterminated quoted string"),
        ("`abc", "unterminated raw string"),
        ("{a", "unexpected end of input inside braces"),
        ("(", "unclosed left parenthesis"),
        (")", "unexpected right parenthesis ')'"),
        ("foo[5m", "unclosed left bracket"),
        ("foo[x]", "unexpected character in duration expression: 'x'"),
        ("foo[5m:x]", "unexpected character: 'x', expected ':'"),
        ("foo[:5m]", "unexpected colon before duration in duration expression"),
        ("]", "unexpected right bracket ']'"),
        ("$", "unexpected character: '$'"),
    ])
    func reportsUpstreamLexerErrors(query: String, message: String) {
        let last = Lexer.tokens(query).last
        #expect(last?.kind == .error)
        #expect(last?.text == message)
    }
}

/// Upstream's `lex_test.go` table (expression cases), as data.
@Suite struct LexerUpstreamCasesTests {
    @Test func fixturesAreLoaded() {
        #expect(Fixtures.lexerCases.count > 100)
    }

    @Test(arguments: Fixtures.lexerCases)
    func lexesLikeUpstream(_ testCase: Fixtures.LexerCase) {
        let tokens = Lexer.tokens(testCase.input)
        if testCase.fail {
            #expect(tokens.last?.kind == .error)
            return
        }
        #expect(tokens.last == Token(kind: .eof, position: testCase.input.utf8.count, text: ""))
        let got = tokens.dropLast().map { "\($0.kind) \($0.position) \($0.text)" }
        let want = testCase.tokens.map { "\($0[0].text ?? "") \($0[1].int ?? -1) \($0[2].text ?? "")" }
        #expect(got == want)
    }
}
