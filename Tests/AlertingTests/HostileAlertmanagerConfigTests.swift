import Alerting
import Config
import Testing
import PharosTestSupport

/// Truncated, mutated and random `alertmanager.yml` texts: each loads or is refused, none traps.
@Suite struct HostileAlertmanagerConfigTests {
    static let corpus = [AlertmanagerCases.routingTree] + AlertmanagerCases.valid.map(\.yaml)

    @Test func everyTruncationLoadsOrIsRefused() {
        let text = Array(AlertmanagerCases.routingTree.utf8)
        var refused = 0
        for end in 0..<text.count {
            do {
                _ = try AlertmanagerConfig.parse(String(decoding: text[..<end], as: UTF8.self))
            } catch {
                refused += 1
            }
        }
        // Most prefixes leave out a receiver the route names, or cut a token.
        #expect(refused > text.count / 2)
    }

    @Test func mutationsLoadOrAreRefused() {
        var generator = SeededGenerator(seed: 42)
        let replacements = Array("\n :-[]{}'\"#&*!|>%@`\t0aZ~=,.\\é".utf8)
        var loaded = 0
        for round in 0..<1500 {
            var bytes = Array(Self.corpus[round % Self.corpus.count].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = replacements.randomElement(using: &generator) ?? 0x20
                case 1: bytes.remove(at: index)
                default: bytes.insert(replacements.randomElement(using: &generator) ?? 0x20, at: index)
                }
            }
            if (try? AlertmanagerConfig.parse(String(decoding: bytes, as: UTF8.self))) != nil { loaded += 1 }
        }
        // Some mutations land in comments or values and keep the file valid; most do not.
        #expect(loaded > 0 && loaded < 1500)
    }

    @Test(arguments: [
        "\u{0}", "route: \u{0}", "route: {receiver: [[[[[[[[[[]]]]]]]]]]}", "- - - -", "receivers: 5", "route: !!binary aGVsbG8=",
        "route: &a {receiver: x}\nreceivers: [{name: x}]\nextra: *a", String(repeating: "[", count: 5000),
        "route:\n  receiver: a\n  group_wait: 99999999999999999999h\nreceivers: [{name: a}]",
        "route:\n  receiver: a\n  routes: [{receiver: a, matchers: [\"\u{FFFF}=\\\"\\\\xff\\\"\"]}]\nreceivers: [{name: a}]",
    ])
    func hostileInputIsRefused(text: String) {
        #expect(throws: (any Error).self) { try AlertmanagerConfig.parse(text) }
    }
}
