import Testing

@testable import Model
import PharosTestSupport

/// Random and mutated input, fixed seeds: nothing may trap. Every pattern either is refused
/// with a `ModelError` or yields a matcher that agrees with RE2; every label set comes out of
/// relabeling as a well-formed set or dropped.
@Suite struct RegexFuzzTests {
    /// Tokens that exercise the fast-path parser's corners: groups, flags, classes, escapes,
    /// anchors, repetitions, and the characters case folding and UTF-8 make interesting.
    static let tokens: [String] = [
        "a", "b", "k", "s", "K", "S", "é", "日", ".", ".*", ".+", ".?", "*", "+", "?", "|", "(", ")", "(?:", "(?i)",
        "(?i:", "(?s)", "(?-s)", "(?P<n>", "(?<m>", "[", "]", "[a-c]", "[^a]", "-", "^", "$", "\\", "\\.", "\\d",
        "\\n", "\\Q", "\\E", "{", "}", "{2}", "\u{212A}", "\u{17F}", "\n", "",
    ]
    static let inputAlphabet: [String] = ["a", "b", "k", "K", "s", "S", "é", "e\u{301}", "日", "\n", "-", ".", "\u{212A}", "\u{17F}", "x"]

    @Test func randomPatternsAreRefusedOrAgreeWithRE2() {
        var random = SeededGenerator(seed: 2024)
        var compiled = 0
        var optimized = 0
        for _ in 0..<4000 {
            let pattern = (0..<Int.random(in: 0...8, using: &random))
                .map { _ in Self.tokens.randomElement(using: &random) ?? "" }.joined()
            do {
                let fast = try FastRegexMatcher(pattern)
                let plain = try RE2Regex(anchored: pattern)
                compiled += 1
                if fast.isOptimized { optimized += 1 }
                for _ in 0..<12 {
                    let input = (0..<Int.random(in: 0...6, using: &random))
                        .map { _ in Self.inputAlphabet.randomElement(using: &random) ?? "" }.joined()
                    #expect(fast.matches(input) == plain.matchesWhole(input), "\(pattern.debugDescription) on \(input.debugDescription)")
                }
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        // The corpus must reach both outcomes and the fast paths, or it tests little.
        #expect(compiled > 500)
        #expect(optimized > 200)
    }

    @Test func mutatedPatternsNeverTrap() {
        var random = SeededGenerator(seed: 99)
        for pattern in differentialPatterns {
            var bytes = Array(pattern.utf8)
            for _ in 0..<20 {
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !bytes.isEmpty:
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                case 1:
                    bytes.insert(UInt8.random(in: 0x20...0x7E, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
                case 2 where !bytes.isEmpty:
                    bytes.removeLast(Int.random(in: 0...bytes.count, using: &random))
                default:
                    bytes += Array("([|\\".utf8).shuffled(using: &random).prefix(1)
                }
                let mutated = String(decoding: bytes, as: UTF8.self)
                if let matcher = try? FastRegexMatcher(mutated) {
                    let plain = try? RE2Regex(anchored: mutated)
                    for input in ["", "a", "foo", "\n", "é"] {
                        #expect(matcher.matches(input) == plain?.matchesWhole(input), "\(mutated.debugDescription)")
                    }
                }
            }
        }
    }

    @Test func deeplyNestedPatternsDoNotExhaustTheStack() throws {
        let deep = String(repeating: "(", count: 900) + "a" + String(repeating: ")", count: 900)
        if let matcher = try? FastRegexMatcher(deep) {
            #expect(matcher.matches("a"))
            #expect(!matcher.matches("b"))
        }
        let alternation = (0..<2000).map { "v\($0)" }.joined(separator: "|")
        let matcher = try FastRegexMatcher(alternation)
        #expect(matcher.isOptimized)
        #expect(matcher.literalAlternatives == nil)  // past maxSetMatches, as upstream
        #expect(matcher.matches("v1999"))
        #expect(!matcher.matches("v2000"))
    }
}

@Suite struct RelabelFuzzTests {
    static let names = ["__name__", "job", "instance", "a", "b", "__meta_x", "__tmp", "ä", "le"]
    static let values = ["", "foo", "bar", "1234", "a;b", "line1\nline2", "日本", "Straße", "$1", "${x}"]
    static let regexes = ["(.*)", "f(.*)", ".*o.*", "(a|b)", "__meta_(.*)", "(?i)FOO", "(.+);(.+)", "", "[ab]", "x(?P<g>.)"]
    static let templates = ["$1", "${1}x", "$g", "${g}", "$$", "${", "p_$1", "", "static", "$0$1$2"]

    static func randomConfig(_ random: inout SeededGenerator) -> RelabelConfig {
        var config = RelabelConfig(
            sourceLabels: (0..<Int.random(in: 0...3, using: &random)).map { _ in names.randomElement(using: &random) ?? "a" },
            regex: regexes.randomElement(using: &random) ?? "(.*)",
            modulus: UInt64.random(in: 0...5, using: &random),
            targetLabel: (names + templates).randomElement(using: &random) ?? "t",
            replacement: templates.randomElement(using: &random) ?? "$1",
            action: RelabelConfig.Action.allCases.randomElement(using: &random) ?? .replace)
        if Bool.random(using: &random) { config.separator = [";", "", "/"].randomElement(using: &random) ?? ";" }
        return config
    }

    /// Random steps (kept when they validate) over random label sets: never a trap, always a
    /// sorted, duplicate-free set or a drop.
    @Test func randomLabelSetsThroughRandomSteps() {
        var random = SeededGenerator(seed: 31337)
        var accepted = 0
        for _ in 0..<1500 {
            let configs = (0..<Int.random(in: 1...4, using: &random)).map { _ in Self.randomConfig(&random) }
            guard let relabeler = try? Relabeler(configs) else { continue }
            accepted += 1
            for _ in 0..<5 {
                let input = Labels(Self.names.compactMap { name in
                    Bool.random(using: &random) ? Label(name: name, value: Self.values.randomElement(using: &random) ?? "") : nil
                })
                guard let output = relabeler.process(input) else { continue }
                do {
                    try output.validate(scheme: .utf8)
                } catch {
                    // labelmap writes whatever its replacement expands to, as upstream: possibly "".
                    #expect(error == .invalidLabelName("", scheme: .utf8), "\(configs) on \(input)")
                }
            }
        }
        #expect(accepted > 200)
    }
}
