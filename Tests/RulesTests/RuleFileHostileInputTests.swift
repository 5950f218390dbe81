import PharosTestSupport
import Testing
@testable import Rules

/// Truncated, mutated and random rule files: never a crash, always a file or an error.
@Suite struct RuleFileHostileInputTests {
    private static let seeds = DifferentialCorpus.files.map(\.text) + [
        "groups:\n- name: g\n  labels: {a: b}\n  query_offset: 1m\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 1m\n    annotations: {s: '{{ $value }}'}\n",
    ]

    private func exercise(_ text: String) {
        let report = RulesCheck.check(yaml: text)
        // A file either decodes (and has a count) or carries at least one error.
        #expect(report.file != nil || !report.errors.isEmpty)
        for error in report.errors { #expect(!error.description.isEmpty) }
    }

    @Test func truncatedAtEveryByte() {
        for seed in Self.seeds {
            let bytes = Array(seed.utf8)
            for end in stride(from: 0, through: bytes.count, by: 1) {
                exercise(String(decoding: bytes[..<end], as: UTF8.self))
            }
        }
    }

    @Test func mutatedWithAFixedSeed() {
        var random = SeededGenerator(seed: 0x5EED_2026)
        let alphabet = Array("{}[]:-'\"\n\t #|>&*!%@$()=~,.0aZ_".utf8)
        for _ in 0..<3000 {
            let seed = Array(Self.seeds[Int(random.next() % UInt64(Self.seeds.count))].utf8)
            guard !seed.isEmpty else { continue }
            let bytes = random.mutate(seed, alphabet: alphabet)
            exercise(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func randomBytes() {
        var random = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let bytes = (0..<(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            exercise(String(decoding: bytes, as: UTF8.self))
        }
    }
}
