import Alerting
import Model
import Testing
import PharosTestSupport

/// Both matcher syntaxes, and the fallback between them that Alertmanager 0.27+ uses.
@Suite struct MatcherSyntaxTests {
    static func m(_ type: MatchType, _ name: String, _ value: String) -> Matcher {
        // The table below only holds valid regexes.
        (try? Matcher(type, name, value)) ?? (try! Matcher(.equal, "invalid", "regex"))
    }

    @Test(arguments: [
        ("a=\"b\"", [m(.equal, "a", "b")]),
        ("a = \"b\"", [m(.equal, "a", "b")]),
        ("a=b", [m(.equal, "a", "b")]),
        ("a!=b", [m(.notEqual, "a", "b")]),
        ("a=~\"b.*\"", [m(.regexMatch, "a", "b.*")]),
        ("a!~\"b|c\"", [m(.regexNoMatch, "a", "b|c")]),
        ("a=\"\"", [m(.equal, "a", "")]),
        ("{a=\"b\", c=~\"d\"}", [m(.equal, "a", "b"), m(.regexMatch, "c", "d")]),
        ("{a=\"b\",}", [m(.equal, "a", "b")]),
        ("{}", []),
        ("", []),
        ("\"service name\"=\"api gateway\"", [m(.equal, "service name", "api gateway")]),
        ("\"föö\"=\"bär\"", [m(.equal, "föö", "bär")]),
        ("a=\"b\\\"c\"", [m(.equal, "a", "b\"c")]),
        ("a=\"line\\nbreak\"", [m(.equal, "a", "line\nbreak")]),
        ("a=\"x,y\"", [m(.equal, "a", "x,y")]),
        ("a=~[a-z]+", [m(.regexMatch, "a", "[a-z]+")]),
        ("a=\"b\\\\\"", [m(.equal, "a", "b\\")]),
        ("1a=b", [m(.equal, "1a", "b")]),
    ])
    func utf8Syntax(text: String, expected: [Matcher]) throws {
        #expect(try MatcherSyntax.parseUTF8(text) == expected)
        #expect(try MatcherSyntax.parse(text) == expected)
    }

    /// Input only the classic parser takes: the fallback keeps these files loading.
    @Test(arguments: [
        ("a=b c", [m(.equal, "a", "b c")]),
        ("a=foo\\bar", [m(.equal, "a", "foo\\bar")]),
        ("a==b", [m(.equal, "a", "=b")]),
        ("a=b\\", [m(.equal, "a", "b\\")]),
        ("a='b'", [m(.equal, "a", "'b'")]),
    ])
    func classicFallback(text: String, expected: [Matcher]) throws {
        #expect(throws: AlertingError.self) { try MatcherSyntax.parseUTF8(text) }
        #expect(try MatcherSyntax.parseClassic(text) == expected)
        #expect(try MatcherSyntax.parse(text) == expected)
    }

    @Test(arguments: [
        "a", "=b", "a=\"b", "a=\"b\"c\"", "\"a=b", "a=~\"(\"", "a<b", "!a=b",
        "a=\"b\" c=\"d\"", "{a=\"b\"}}", "a~b",
    ])
    func refusedByBoth(text: String) {
        #expect(throws: AlertingError.self) { try MatcherSyntax.parse(text) }
    }

    /// The classic parser drops one leading `{` and one trailing `}` without pairing them.
    @Test(arguments: ["{a=b", "a=b}"])
    func classicIgnoresUnpairedBraces(text: String) throws {
        #expect(throws: AlertingError.self) { try MatcherSyntax.parseUTF8(text) }
        #expect(try MatcherSyntax.parse(text) == [Self.m(.equal, "a", "b")])
    }

    @Test func absentLabelsMatchAsEmpty() throws {
        let matchers = try MatcherSyntax.parse("{env!=\"prod\", team=~\"|web\"}")
        #expect(matchers.allSatisfy { $0.matches("") })
    }

    /// Random and mutated matcher strings never trap: each parses or throws.
    @Test func randomInputNeverTraps() {
        var generator = SeededGenerator(seed: 0x5EED)
        let alphabet = Array("ab_:=!~\"\\{}, .*|()[]1é\n\t'`")
        let corpus = ["a=\"b\"", "{a=~\"x.*\", b!=c}", "\"a b\"!~\"(x|y)\"", "a=b\\\"c"]
        for round in 0..<3000 {
            var text: [Character]
            if round % 2 == 0 {
                text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "a" }
            } else {
                text = Array(corpus[round % corpus.count])
                for _ in 0..<Int.random(in: 1...3, using: &generator) where !text.isEmpty {
                    text[Int.random(in: 0..<text.count, using: &generator)] = alphabet.randomElement(using: &generator) ?? "a"
                }
            }
            _ = try? MatcherSyntax.parse(String(text))
        }
    }
}
