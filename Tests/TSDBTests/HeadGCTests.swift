import Model
import Testing

@testable import TSDB

@Suite struct HeadGCTests {
    @Test func rolledBackSeriesAreCollected() throws {
        let head = Head()
        var app = head.appender()
        try app.append(Labels(["__name__": "kept", "a": "1"]), timestamp: 1, value: 1)
        try app.commit()
        let ref = try app.append(Labels(["__name__": "gone", "b": "2"]), timestamp: 1, value: 1)
        app.rollback()
        #expect(head.seriesCount == 2)
        #expect(try head.querier().labelNames([]) == ["__name__", "a", "b"])
        #expect(head.collectEmptySeries() == 1)
        #expect(head.seriesCount == 1)
        #expect(try head.querier().labelNames([]) == ["__name__", "a"])
        #expect(try head.querier().labelValues("__name__", []) == ["kept"])
        #expect(throws: TSDBError.unknownSeriesRef(ref.rawValue)) { try app.append(ref, timestamp: 2, value: 1) }
        // Appending by labels creates it again.
        let again = try app.append(Labels(["__name__": "gone", "b": "2"]), timestamp: 2, value: 1)
        #expect(again != ref)
        try app.commit()
        #expect(try readAll(head.querier(), [matcher(.equal, "b", "2")]).first?.1.map(\.0) == [2])
        #expect(head.collectEmptySeries() == 0)
    }

    @Test func seriesWithUncommittedSamplesAreKept() throws {
        let head = Head()
        var app = head.appender()
        try app.append(Labels(["a": "1"]), timestamp: 1, value: 1)
        #expect(head.collectEmptySeries() == 0)
        #expect(try app.commit() == 1)
        #expect(try readAll(head.querier(), [matcher(.equal, "a", "1")]).count == 1)
    }

    /// Collection racing with appenders that commit and roll back never loses a committed
    /// sample nor leaves the index out of step with the series.
    @Test func collectionRacingAppendersKeepsCommittedData() async throws {
        let head = Head(options: { var o = Head.Options(); o.stripeCount = 4; return o }())
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<3 {
                group.addTask {
                    var app = head.appender()
                    for t in Int64(1)...300 {
                        for i in 0..<10 {
                            _ = try? app.append(Labels(["w": String(worker), "i": String(i), "kind": "commit"]), timestamp: t, value: 1)
                            _ = try? app.append(Labels(["w": String(worker), "i": String(i), "kind": "rollback", "t": String(t % 7)]),
                                                timestamp: t, value: 1)
                        }
                        if t % 2 == 0 { app.rollback() } else { _ = try? app.commit() }
                    }
                }
            }
            group.addTask {
                for _ in 0..<200 { head.collectEmptySeries() }
            }
        }
        head.collectEmptySeries()
        let committed = try readAll(head.querier(), [matcher(.equal, "kind", "commit")])
        #expect(committed.count == 30)
        #expect(committed.allSatisfy { $0.1.map(\.0) == stride(from: Int64(1), through: 299, by: 2).map { $0 } })
        // Every "rollback" series also appears in some committed (odd) batch, so after
        // collection every series left holds samples and the index lists exactly those.
        let all = try head.querier().select([matcher(.regexMatch, "w", ".+")], mint: .min, maxt: .max)
        #expect(all.count == head.seriesCount)
        #expect(try head.querier().labelValues("t", []) == (0..<7).map(String.init))
    }
}
