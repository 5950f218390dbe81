import Testing
@testable import PromQL

/// Every expression of an `eval` line in upstream's promqltest scripts parses (the runner
/// parses them with every feature on, FORMAT.md section 9) and survives print-and-reparse.
@Suite struct ConformanceExpressionTests {
    @Test func findsTheEvals() {
        // ORIGIN.md counts 2195 evals in v3.14.0.
        #expect(ConformanceExpressions.all.count == 2195)
    }

    @Test(arguments: ConformanceExpressions.all)
    func parsesAndRoundTrips(_ eval: ConformanceExpressions.Eval) throws {
        let expr = try PromQLParser.parse(eval.expression, options: .all)
        let printed = expr.description
        // `\xff` escapes decode to U+FFFD (docs/promql.md): such literals cannot round-trip.
        guard !printed.unicodeScalars.contains("\u{FFFD}") else { return }
        let reparsed = try PromQLParser.parse(printed, options: .all)
        #expect(reparsed.withoutPositions == expr.withoutPositions, "printed as \(printed)")
        #expect(reparsed.description == printed)
    }
}

/// Hostile input: truncations and seeded mutations of real expressions never trap; each
/// either parses or throws a parse error whose position lies inside the input.
@Suite struct ParserFuzzTests {
    private static var corpus: [String] {
        ConformanceExpressions.all.map(\.expression) + Fixtures.parseCases.map(\.input)
    }

    private func check(_ query: String) {
        do {
            _ = try PromQLParser.parse(query, options: .all)
        } catch {
            guard case .parse(_, let position, _) = error else { return }
            #expect(position.start >= 0 && position.start <= position.end && position.end <= query.utf8.count,
                     "\(query): \(error)")
        }
    }

    @Test func truncationsNeverTrap() {
        for query in Self.corpus {
            let scalars = Array(query.unicodeScalars)
            for length in 0..<scalars.count {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[..<length])
                check(String(view))
            }
        }
    }

    @Test func seededMutationsNeverTrap() throws {
        try #require(!Self.corpus.isEmpty, "the PromQL conformance scripts (../shared/conformance) were not found")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407   // LCG, wraps by design
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        let alphabet = Array("(){}[],:=!~<>^*/%+-@\"'`#\\ \n0123456789.eExmsbyoffsetsum_\u{FFFD}é")
        let corpus = Self.corpus
        for _ in 0..<20_000 {
            var characters = Array(corpus[random(corpus.count)])
            for _ in 0...random(4) {
                let position = random(characters.count + 1)
                switch random(3) {
                case 0: characters.insert(alphabet[random(alphabet.count)], at: position)
                case 1: if position < characters.count { characters.remove(at: position) }
                default: if position < characters.count { characters[position] = alphabet[random(alphabet.count)] }
                }
            }
            check(String(characters))
        }
    }
}
