import Testing

@testable import Model

/// Patterns for the differential test: every fast path, its near misses (escapes, classes,
/// anchors, flags, nested groups) and shapes that must fall back to RE2.
let differentialPatterns: [String] = [
    "", ".*", ".+", ".?", ".*?", ".+?", "foo", "foo|bar", "foo|bar|baz", "(foo|bar)", "(?:foo|bar)",
    "((foo)|(bar))", "foo|", "|foo", "a||b", "(?i)foo", "(?i)FOO|bar", "(?i:foo)bar", "foo(?i)bar",
    "(?i)kelvin", "(?i)s", "(?i)straße", "(?i).*suffix", "(?i)prefix.*", "(?i)(a|b).*", "foo.*", ".*foo",
    ".*foo.*", ".+foo", "foo.+", ".+foo.+", ".?foo", "foo.?", ".?foo.?", ".*foo.+", ".*(foo|bar).*",
    ".*foo.*|.*bar.*", "(foo|bar).*", ".*(foo|bar)", "foo.*bar", "foo.*bar.*baz", ".*-.*-.*", "foo\\.bar",
    "foo.bar", "\\.\\*", "a\\|b", "\\(x\\)", "\\^a", "a\\$", "\\\\", "\\n", "a\\tb", "^foo$", "^foo", "foo$",
    "^(foo|bar)$", "^foo|bar$", "$foo", "foo^", "^$", "^", "$", "(^foo)", "foo[12]", "[abc]", "[a-c]x",
    "[]a]", "[a-]", "[-a]", "[^a]", "[a-c-e]", "[[:alpha:]]+", "x[0-9]", "\\d+", "\\w", "\\s*", "a*", "a+b",
    "ab?", "a{2}", "a{2,3}", "{", "x{", "(?s).", "(?-s).", "(?m)^a$", "(?U)a+", "(?P<name>foo)bar",
    "(?<n>a|b)c", "é", "e\u{301}", "日本.*", ".*語", "(?i)é", "\\Qa.b\\E", "\\x41", "\\pL", "a.c", ".",
    "..", "(a|b)(c|d)", "(a|b)(c|d).*", "(?i)(foo|bar)", "foo(bar|baz.*)", "(.*)", "(.+)", "((.*))",
    "(|a).*", "[ab]{0}", "a|b.*|.*c",
    // Shapes from Prometheus's own FastRegexMatcher tests (`model/labels/regexp_test.go`).
    "^.*foo$", "^.+foo$", "foo\n.+", "foo\n.*", ".*foo.*|", "(?i).*foo.*", ".*foo.*|bar.*", "foo.*|.*bar.*",
    ".*foo.*bar.*|.*hello.*", ".*foo.*|.*bar.*|.*hello.*", ".+.*foo.*|.*bar.*", "(?s:.*)", "(?s:.+)",
    "(?s:^.*foo$)", "(?i:foo)", "(?i:(foo|bar))", "(?i:(foo1|foo2|bar))", "^(?i:foo|oo)|(bar)$",
    "((.*)(bar|b|buzz)(.+)|foo)$", "(prometheus|api_prom)_api_v1_.+", "10\\.0\\.(1|2)\\.+", "10\\.0\\.(1|2).+",
    "((fo(bar))|.+foo)", "(?i)report.scheduled.job_runscheduledreports", "report.scheduled.job_runscheduledreports",
    "(?i:(AAAA|BBBB|cccC|\u{17F}\u{17F}S|SS\u{17F}))", "(?i:(zQPbMkNO.*|NNSPdvMi.*|iWuuSoAl.*))",
    "(?i:(.*zQPbMkNO|.*NNSPdvMi))", "fo.?", "foo.?", "f.?o", ".*foo.?", ".?foo.+", "foo.?|bar", "\u{17F}\u{17F}s",
    ".*-.*-.*-.*-.*", ".+-.*-.*-.*-.+", "-.*-.*-.*-.*", ".*-.*-.*-.*-", "(.+)-(.+)-(.+)-(.+)-(.+)",
    "((.*))(?i:f)((.*))o((.*))o((.*))", "((.*))f((.*))(?i:o)((.*))o((.*))", "(.*0.*)", "(?i)k.*", "(?i)k-(a|b)",
    "(?i)(ka.+|kb.+)", ".*(?i:k)", "a.*(?i:sk)", "(?i:some)-pattern.*",
]

/// Inputs: empty, newlines, Unicode (including canonically equivalent spellings and the
/// non-ASCII members of the ASCII case-folding orbits), and near misses of the patterns.
let differentialInputs: [String] = [
    "", "foo", "bar", "baz", "BAR", "FOO", "Foo", "fOo", "foobar", "barfoo", "xfoox", "foo\n", "\nfoo", "foo\nbar",
    "\n", "a", "b", "c", "x", "ab", "abc", "a|b", "a.b", "aXb", "foo.bar", "fooXbar", "foo-bar-baz", "-",
    "--", "a-b-c", ".*", "(x)", "^a", "a$", "\\", "\t", "a\tb", "1", "12", "x1", "x9", "foo1", "foo3", "]",
    "]a", "é", "e\u{301}", "É", "日本", "日本語", "語", "\u{212A}elvin", "KELVIN", "\u{17F}", "S", "STRASSE",
    "straße", "STRAßE", "prefix", "PREFIX-x", "x-suffix", "x-SUFFIX", "aaa", "aa", "n", "name", "acd", "bd",
    "bdx", "c-suffix", "foobaz", "foobazzz", "fooxbarybaz", "ac", "abc\n", "\u{0}", "a\u{0}b",
    // Values from Prometheus's own FastRegexMatcher tests.
    " foo bar", "buzz\nbar", "bar foo", "bfoo", "hello foo world", "hello foo\n world", "foO", "OO", "\nfoo\n",
    "prometheus_api_v1_foo", "api_prom_api_v1_x", "10.0.1.20", "10.0.2.", "10.0.2..", "10.0.3.30",
    "report.scheduled.job_runscheduledreports", "Report.Scheduled.Job_RunScheduledReports", "foofoo0", "\u{1F600}foo0",
    "\u{17F}\u{17F}s", "\u{17F}\u{17F}S", "AAAA", "aaaa", "\u{17F}\u{17F}S", "ss\u{17F}", "a-b-c-d-e", "aaaaaa----eeeeee",
    "----", "-a-a-a-", "zQPbMkNO", "ZQPBMKNOxyz", "\u{212A}a", "\u{212A}-a", "abc\u{212A}", "axs\u{212A}", "ax\u{17F}k",
    "\u{17F}ome-pattern", "SOME-pattern-x", "\u{17F}k", "k\u{17F}",
]

@Suite struct FastRegexMatcherTests {
    /// The fast paths must answer exactly as RE2 on the anchored pattern, for every input.
    @Test(arguments: differentialPatterns)
    func agreesWithRE2(pattern: String) throws {
        let fast = try FastRegexMatcher(pattern)
        let plain = try RE2Regex(anchored: pattern)
        for input in differentialInputs {
            #expect(fast.matches(input) == plain.matchesWhole(input), "pattern \(pattern.debugDescription) on \(input.debugDescription)")
        }
    }

    /// The common shapes must skip RE2 entirely, or the differential test proves nothing.
    @Test(arguments: [
        "", ".*", ".+", ".?", "foo", "foo|bar", "(foo|bar)", "(?i)foo", "(?i)FOO|bar", "foo.*", ".*foo",
        ".*foo.*", ".*(foo|bar).*", "foo[12]", "^foo$", "foo\\.bar", "(?i)prefix.*", "(?i).*suffix",
        "(?P<name>foo)bar", "foo(bar|baz.*)", "(.*)", "(.+)", "foo.*bar",
    ])
    func skipsRE2ForCommonShapes(pattern: String) throws {
        #expect(try FastRegexMatcher(pattern).isOptimized)
    }

    @Test(arguments: ["foo.*bar.*baz", "\\d+", "[^a]", "(?-s).", "a.c", "(?m)^a$", "^foo|bar$", "foo^"])
    func fallsBackToRE2(pattern: String) throws {
        #expect(try !FastRegexMatcher(pattern).isOptimized)
    }

    @Test func prefiltersRejectBeforeRE2() throws {
        let matcher = try FastRegexMatcher("foo.*bar.*baz")
        #expect(
            matcher.strategy
                == .re2(prefix: Array("foo".utf8), prefixFold: false, suffix: Array("baz".utf8), contains: [Array("bar".utf8)]))
        #expect(matcher.matches("foo-bar-baz"))
        #expect(!matcher.matches("foo-baz"))
        #expect(!matcher.matches("fo-bar-baz"))
    }

    @Test(arguments: [
        ("api|web|db", ["api", "db", "web"] as [String]?),
        ("(a|b)(c|d)", ["ac", "ad", "bc", "bd"]),
        ("foo[12]", ["foo1", "foo2"]),
        ("^job$", ["job"]),
        ("(?i)foo", nil),
        ("foo.*", nil),
    ])
    func literalAlternatives(pattern: String, expected: [String]?) throws {
        #expect(try FastRegexMatcher(pattern).literalAlternatives == expected)
    }

    @Test func refusesWhatRE2Refuses() {
        for pattern in ["(", "a)", "[a", "a**", "(?<=a)b", "\\8"] {
            #expect(throws: ModelError.self, "\(pattern)") { try FastRegexMatcher(pattern) }
        }
    }

    @Test func goNamedGroupSyntaxIsAccepted() throws {
        let regex = try RE2Regex(anchored: "(?<year>\\d{4})-[(?<]")
        #expect(regex.groupIndex(named: "year") == 1)
        #expect(regex.matchesWhole("2024-<"))
        #expect(RE2Regex.namedGroupsAsRE2("\\Q(?<a>\\E(?<b>x)") == "\\Q(?<a>\\E(?P<b>x)")
    }
}
