import Model
import PharosTestSupport
import Testing

@testable import TSDB

/// `Querier.selectNewest` (what an instant selector at one time reads) answers exactly what
/// `select` and decoding every sample answer: the last sample in range of each series, in
/// label order, also with out-of-order samples, deleted ranges, staleness markers, blocks
/// beside the head and equal timestamps in several sources.
@Suite struct NewestSampleTests {
    /// The last sample in `[mint, maxt]` of each series `select` returns, decoded fully.
    static func expected(_ querier: some Querier, _ matchers: [Matcher], mint: Int64, maxt: Int64) throws -> [String] {
        try readAll(querier, matchers, mint: mint, maxt: maxt).compactMap { labels, samples in
            samples.last.map { "\(labels) \($0.0) \($0.1)" }
        }
    }

    static func newest(_ querier: some Querier, _ matchers: [Matcher], mint: Int64, maxt: Int64) throws -> [String] {
        try querier.selectNewest(matchers, mint: mint, maxt: maxt).map { "\($0.labels) \($0.timestamp) \($0.value.bitPattern)" }
    }

    /// Compares both answers for `count` random ranges over `[0, span]` (some ending before
    /// the newest samples, some starting after them), plus the whole range.
    static func compare(_ querier: some Querier, _ matchers: [Matcher], span: Int64, count: Int, rng: inout SeededGenerator,
                        _ context: String) throws {
        var ranges: [(Int64, Int64)] = [(.min, .max), (span, span), (span + 1, .max)]
        for _ in 0..<count {
            let a = Int64.random(in: -10...span + 10, using: &rng), b = Int64.random(in: -10...span + 10, using: &rng)
            ranges.append((min(a, b), max(a, b)))
        }
        for (mint, maxt) in ranges {
            let expected = try expected(querier, matchers, mint: mint, maxt: maxt)
            let newest = try newest(querier, matchers, mint: mint, maxt: maxt)
            #expect(newest == expected, "\(context): [\(mint), \(maxt)]")
        }
    }

    static let selectAll = [matcher(.regexMatch, "__name__", ".+")]

    /// Series with samples every 10 ms or so (staleness markers among them), some ending early.
    static func fill(_ head: Head, seed: UInt64, series: Int = 20, until end: Int64 = 3000) throws {
        var rng = SeededGenerator(seed: seed)
        var app = head.appender()
        for k in 0..<series {
            let labels = Labels(["__name__": "m", "k": String(k)])
            let last = k % 4 == 0 ? end / 2 : end
            var t = Int64.random(in: 0...20, using: &rng)
            while t <= last {
                let value = Int.random(in: 0..<10, using: &rng) == 0 ? Double.staleMarker : Double(t) + Double(k)
                try app.append(labels, timestamp: t, value: value)
                t += Int64.random(in: 1...20, using: &rng)
            }
        }
        try app.commit()
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func headAnswersAsSelectDoes(seed: UInt64) throws {
        let head = Head(options: { var o = Head.Options(); o.chunkRange = 500; return o }())
        try Self.fill(head, seed: seed)
        var rng = SeededGenerator(seed: seed * 7)
        try Self.compare(head.querier(), Self.selectAll, span: 3000, count: 200, rng: &rng, "in order")
        try Self.compare(head.querier(), [matcher(.equal, "k", "3")], span: 3000, count: 50, rng: &rng, "one series")
    }

    /// A deleted range hides the newest sample of the series it covers, and older ones answer.
    @Test func headLeavesDeletedSamplesOut() throws {
        let head = Head()
        try Self.fill(head, seed: 4)
        try head.delete([matcher(.regexMatch, "k", "1|2")], mint: 2500, maxt: 3000)
        try head.delete([matcher(.equal, "k", "3")], mint: 0, maxt: 3000)
        var rng = SeededGenerator(seed: 5)
        try Self.compare(head.querier(), Self.selectAll, span: 3000, count: 100, rng: &rng, "deleted")
        let newest = try head.querier().selectNewest([matcher(.equal, "k", "1")], mint: .min, maxt: .max)
        #expect(newest.count == 1 && newest[0].timestamp < 2500)
        #expect(try head.querier().selectNewest([matcher(.equal, "k", "3")], mint: .min, maxt: .max).isEmpty)
    }

    /// Out-of-order samples, some at the time of an in-order sample with another value (the
    /// in-order chunk starts first and wins, as `select` merges them).
    @Test(arguments: [UInt64(6), 7])
    func headMergesOutOfOrderSamplesAsSelectDoes(seed: UInt64) throws {
        var options = Head.Options()
        options.outOfOrderTimeWindow = 10_000
        options.outOfOrderCapMax = 4
        let head = Head(options: options)
        try Self.fill(head, seed: seed)
        var rng = SeededGenerator(seed: seed * 11)
        for _ in 0..<300 {
            var app = head.appender()
            let labels = Labels(["__name__": "m", "k": String(Int.random(in: 0..<20, using: &rng))])
            _ = try? app.append(labels, timestamp: Int64.random(in: 0...3000, using: &rng), value: Double(Int.random(in: 0...1000, using: &rng)))
            try app.commit()
        }
        #expect(head.outOfOrderSamplesAppended > 100)
        try Self.compare(head.querier(), Self.selectAll, span: 3000, count: 200, rng: &rng, "out of order")
    }

    /// Head and blocks: in-order data cut into blocks, then out-of-order samples into the
    /// blocks' time (equal timestamps with other values in both), deleted ranges in both, a
    /// block of out-of-order samples beside the head. Every source order and tie is resolved
    /// as `select` merges them.
    @Test(arguments: [UInt64(8), 9])
    func databaseMergesHeadAndBlocksAsSelectDoes(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let hour = DBTestData.hour
        let db = try DB.open(directory: directory.path, options: OutOfOrderTests.fourHourWindow)
        defer { try? db.close() }
        let data = DBTestData(seriesCount: 6, from: 0, to: 5 * hour, step: 60_000)
        try data.append(to: db)
        try db.compact()
        #expect(db.blocks.count == 1)
        var rng = SeededGenerator(seed: seed)
        func appendOutOfOrder(_ count: Int, in range: ClosedRange<Int64>) throws {
            var app = db.appender()
            for _ in 0..<count {
                // Whole minutes hit in-order samples' times; others fall between them.
                var t = Int64.random(in: range, using: &rng)
                if Bool.random(using: &rng) { t -= t % 60_000 }
                _ = try? app.append(data.labels(Int.random(in: 0..<6, using: &rng)), timestamp: t, value: -Double(t))
            }
            try app.commit()
        }
        try appendOutOfOrder(400, in: hour...(5 * hour))
        try db.delete(matchers: [matcher(.equal, "i", "2")], mint: 90 * 60_000, maxt: 200 * 60_000)
        try db.delete(matchers: [matcher(.equal, "i", "4")], mint: 4 * hour, maxt: 5 * hour)
        let matchers = [matcher(.equal, "__name__", "db_test")]
        try Self.compare(db.querier(mint: .min, maxt: .max), matchers, span: 5 * hour, count: 150, rng: &rng, "head and a block")
        // Around the block's end and the head's start, where both hold samples.
        for t in stride(from: 2 * hour - 120_000, through: 2 * hour + 120_000, by: 30_000) {
            #expect(try Self.newest(db.querier(mint: .min, maxt: .max), matchers, mint: t - 300_000, maxt: t)
                == Self.expected(db.querier(mint: .min, maxt: .max), matchers, mint: t - 300_000, maxt: t), "at \(t)")
        }
        // The head moves on: in-order and out-of-order samples are cut into blocks, some
        // overlapping the head's range.
        try DBTestData(seriesCount: 6, from: 5 * hour, to: 6 * hour + 60_000, step: 60_000).append(to: db)
        try appendOutOfOrder(200, in: (3 * hour)...(6 * hour))
        try db.compact()
        #expect(db.blocks.count >= 2)
        try Self.compare(db.querier(mint: .min, maxt: .max), matchers, span: 6 * hour, count: 150, rng: &rng, "after compaction")
        // The querier's own range restricts both.
        try Self.compare(db.querier(mint: 3 * hour, maxt: 5 * hour), matchers, span: 6 * hour, count: 50, rng: &rng, "restricted")
        // A block alone answers as its select does too.
        for block in db.blocks {
            try Self.compare(block.querier(), matchers, span: 6 * hour, count: 50, rng: &rng, "block \(block.ulid)")
        }
    }
}
