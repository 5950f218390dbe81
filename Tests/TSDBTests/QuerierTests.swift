import Model
import Testing

@testable import TSDB
import PharosTestSupport

@Suite struct HeadQuerierTests {
    static let names = ["job", "instance", "env", "code"]
    static let values = ["", "a", "b", "api", "web", "a|b", "x.y", "prod"]

    /// A head holding random series over a few names and values, and the label sets it has.
    static func randomHead(seed: UInt64) throws -> (Head, [Labels]) {
        var rng = SeededGenerator(seed: seed)
        let head = Head(options: { var o = Head.Options(); o.stripeCount = 8; return o }())
        var app = head.appender()
        var all = Set<Labels>()
        for _ in 0..<300 {
            var pairs = [Label(name: "__name__", value: ["up", "rate"].randomElement(using: &rng) ?? "up")]
            for name in names where Bool.random(using: &rng) {
                pairs.append(Label(name: name, value: values.randomElement(using: &rng) ?? ""))
            }
            let labels = Labels(pairs)
            if all.insert(labels).inserted { try app.append(labels, timestamp: 1000, value: 1) }
        }
        try app.commit()
        return (head, Array(all))
    }

    static func randomMatcher(using rng: inout SeededGenerator) -> Matcher {
        let name = (names + ["__name__", "absent"]).randomElement(using: &rng) ?? "job"
        let type = MatchType.allCases.randomElement(using: &rng) ?? .equal
        let value: String
        switch type {
        case .equal, .notEqual: value = values.randomElement(using: &rng) ?? ""
        case .regexMatch, .regexNoMatch:
            value = ["a|b", "a.*", ".+", ".*", "", "api|web|prod", "x\\.y", "(a|)", "b|"].randomElement(using: &rng) ?? ""
        }
        return matcher(type, name, value)
    }

    /// Every matcher type, combined at random, selects exactly the series a brute-force
    /// scan selects (absent labels matching as ""), sorted by labels.
    @Test(arguments: [UInt64(1), 2, 3])
    func selectAgreesWithBruteForce(seed: UInt64) throws {
        let (head, all) = try Self.randomHead(seed: seed)
        var rng = SeededGenerator(seed: seed * 1000)
        for _ in 0..<300 {
            let matchers = (0..<Int.random(in: 1...3, using: &rng)).map { _ in Self.randomMatcher(using: &rng) }
            let expected = all.filter { labels in matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") } }.sorted()
            let selected = try head.querier().select(matchers, mint: .min, maxt: .max).map(\.labels)
            #expect(selected == expected, "\(matchers)")

            let names = try head.querier().labelNames(matchers)
            #expect(names == Set(expected.flatMap { $0.map(\.name) }).sorted(), "\(matchers)")
            let values = try head.querier().labelValues("job", matchers)
            #expect(values == Set(expected.compactMap { $0["job"] }).sorted(), "\(matchers)")
        }
    }

    @Test func labelNamesAndValuesWithoutMatchers() throws {
        let head = Head()
        var app = head.appender()
        try app.append(Labels(["__name__": "up", "job": "b"]), timestamp: 1, value: 1)
        try app.append(Labels(["__name__": "up", "job": "a", "zone": "z"]), timestamp: 1, value: 1)
        try app.commit()
        #expect(try head.querier().labelNames([]) == ["__name__", "job", "zone"])
        #expect(try head.querier().labelValues("job", []) == ["a", "b"])
        #expect(try head.querier().labelValues("nope", []) == [])
    }

    @Test func selectRestrictsSamplesToTheRangeAndSeeks() throws {
        let head = Head()
        var app = head.appender()
        let ref = try app.append(Labels(["a": "1"]), timestamp: 0, value: 0)
        for t in stride(from: Int64(10), through: 5000, by: 10) { try app.append(ref, timestamp: t, value: Double(t)) }
        try app.append(Labels(["a": "2"]), timestamp: 9000, value: 1)
        try app.commit()
        let result = try readAll(head.querier(), [matcher(.regexMatch, "a", ".+")], mint: 1995, maxt: 3000)
        #expect(result.map { $0.0 } == [Labels(["a": "1"])])  // a="2" has nothing in range
        #expect(result.first?.1.first?.0 == 2000)
        #expect(result.first?.1.last?.0 == 3000)
        #expect(result.first?.1.count == 101)

        let series = try head.querier().select([matcher(.equal, "a", "1")], mint: .min, maxt: .max)
        var iterator = try #require(series.first).makeIterator()
        let found = iterator.seek(to: 4321)
        #expect(found && iterator.timestamp == 4330 && iterator.value == 4330)
        let stays = iterator.seek(to: 100)
        #expect(stays && iterator.timestamp == 4330)
        let beyond = iterator.seek(to: 5001)
        #expect(!beyond)
    }

    /// A querier's series do not change when later batches commit.
    @Test func selectedSeriesAreSnapshots() throws {
        let head = Head()
        var app = head.appender()
        let ref = try app.append(Labels(["a": "1"]), timestamp: 1, value: 1)
        try app.commit()
        let before = try head.querier().select([matcher(.equal, "a", "1")], mint: .min, maxt: .max)
        try app.append(ref, timestamp: 2, value: 2)
        try app.commit()
        var iterator = try #require(before.first).makeIterator()
        var count = 0
        while iterator.next() { count += 1 }
        #expect(count == 1)
    }

    /// The label order remembered for a selected list is a hint: a wrong one (as if a series
    /// reference now held other labels) is noticed and the list sorted again.
    @Test func labelOrderHintsAreChecked() throws {
        let head = Head()
        var app = head.appender()
        // Created in reverse label order, more than the hints' minimum.
        for i in (0..<40).reversed() {
            try app.append(Labels(["__name__": "x", "i": i < 10 ? "0\(i)" : "\(i)"]), timestamp: 1000, value: 1)
        }
        try app.commit()
        let matchers = [matcher(.equal, "__name__", "x")]
        let expected = try head.querier().select(matchers, mint: .min, maxt: .max).map(\.labels)
        #expect(expected.count == 40 && expected == expected.sorted())
        #expect(try head.querier().select(matchers, mint: .min, maxt: .max).map(\.labels) == expected)
        let refs = head.postings.postings(for: matchers)
        head.labelOrders.remember(Array(refs.indices), of: refs)
        #expect(try head.querier().select(matchers, mint: .min, maxt: .max).map(\.labels) == expected)
        head.labelOrders.remember(Array(refs.indices.reversed().dropFirst()), of: refs)
        #expect(try head.querier().select(matchers, mint: .min, maxt: .max).map(\.labels) == expected)
    }
}

@Suite struct PostingsTests {
    @Test func setOperationsAgreeWithSets() {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<500 {
            let lists = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                Set((0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt64.random(in: 0..<300, using: &rng) })
                    .sorted().map { SeriesRef(rawValue: $0) }
            }
            let sets = lists.map(Set.init)
            let expectedIntersection = sets.dropFirst().reduce(sets[0]) { $0.intersection($1) }.sorted()
            #expect(Postings.intersect(lists) == expectedIntersection)
            #expect(Postings.union(lists) == sets.reduce(Set()) { $0.union($1) }.sorted())
            if lists.count >= 2 {
                #expect(Postings.subtract(lists[0], lists[1]) == sets[0].subtracting(sets[1]).sorted())
            }
        }
        #expect(Postings.intersect([]) == [])
    }

    @Test func insertKeepsOrderAndIgnoresDuplicates() {
        var list = [SeriesRef]()
        for raw: UInt64 in [5, 1, 9, 5, 7, 1] { Postings.insert(SeriesRef(rawValue: raw), into: &list) }
        #expect(list.map(\.rawValue) == [1, 5, 7, 9])
    }
}
