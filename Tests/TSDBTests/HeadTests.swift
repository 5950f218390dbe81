import Model
import Testing

@testable import TSDB

/// Reads every selected series back as (labels, [(t, value bits)]).
func readAll(_ querier: some Querier, _ matchers: [Matcher], mint: Int64 = .min, maxt: Int64 = .max) throws
    -> [(Labels, [(Int64, UInt64)])]
{
    var out = [(Labels, [(Int64, UInt64)])]()
    var iterator = SeriesIterator()
    for series in try querier.select(matchers, mint: mint, maxt: maxt) {
        iterator.reset(series)
        var samples = [(Int64, UInt64)]()
        while iterator.next() { samples.append((iterator.timestamp, iterator.value.bitPattern)) }
        #expect(iterator.error == nil)
        out.append((series.labels, samples))
    }
    return out
}

func matcher(_ type: MatchType, _ name: String, _ value: String) -> Matcher {
    // Test matchers are literals known to compile.
    try! Matcher(type, name, value)
}

@Suite struct HeadAppendTests {
    @Test func appendedSamplesAreVisibleOnlyAfterCommit() throws {
        let head = Head()
        var app = head.appender()
        let ref = try app.append(Labels(["__name__": "up", "job": "a"]), timestamp: 1000, value: 1)
        try app.append(ref, timestamp: 2000, value: .staleMarker)
        #expect(try readAll(head.querier(), [matcher(.equal, "job", "a")]).isEmpty)
        #expect(try app.commit() == 2)
        let result = try readAll(head.querier(), [matcher(.equal, "job", "a")])
        #expect(result.count == 1)
        #expect(result.first?.1.map(\.0) == [1000, 2000])
        #expect(result.first?.1.last?.1 == Double.staleMarkerBitPattern)
        #expect(head.minTime == 1000 && head.maxTime == 2000)
    }

    @Test func rollbackDropsTheBatch() throws {
        let head = Head()
        var app = head.appender()
        try app.append(Labels(["a": "1"]), timestamp: 1, value: 1)
        app.rollback()
        #expect(try app.commit() == 0)
        #expect(try readAll(head.querier(), [matcher(.equal, "a", "1")]).isEmpty)
        #expect(head.maxTime == nil)
    }

    @Test func outOfOrderAndDuplicatesAreRefusedByName() throws {
        let head = Head()
        let labels = Labels(["a": "1"])
        var app = head.appender()
        let ref = try app.append(labels, timestamp: 100, value: 1)
        // Within the batch.
        #expect(throws: TSDBError.outOfOrderSample(series: labels, timestamp: 99, latest: 100)) {
            try app.append(ref, timestamp: 99, value: 1)
        }
        #expect(throws: TSDBError.duplicateSampleForTimestamp(series: labels, timestamp: 100)) {
            try app.append(ref, timestamp: 100, value: 2)
        }
        try app.append(ref, timestamp: 100, value: 1)  // same value: accepted, not stored twice
        try app.commit()
        // Against committed data.
        #expect(throws: TSDBError.outOfOrderSample(series: labels, timestamp: 50, latest: 100)) {
            try app.append(labels, timestamp: 50, value: 1)
        }
        #expect(throws: TSDBError.duplicateSampleForTimestamp(series: labels, timestamp: 100)) {
            try app.append(ref, timestamp: 100, value: 3)
        }
        try app.append(ref, timestamp: 100, value: 1)
        #expect(try app.commit() == 0)
        #expect(try readAll(head.querier(), [matcher(.equal, "a", "1")]).first?.1.count == 1)
        #expect(throws: TSDBError.unknownSeriesRef(999)) { try app.append(SeriesRef(rawValue: 999), timestamp: 1, value: 1) }
        #expect(throws: TSDBError.emptyLabelSet) { try app.append(Labels(), timestamp: 1, value: 1) }
    }

    @Test func samplesHalfAChunkRangeBehindTheHeadAreOutOfBounds() throws {
        let head = Head()
        var app = head.appender()
        try app.append(Labels(["a": "1"]), timestamp: 10_000_000, value: 1)
        try app.commit()
        var late = head.appender()
        let limit: Int64 = 10_000_000 - 3_600_000
        #expect(throws: TSDBError.outOfBounds(series: Labels(["a": "2"]), timestamp: limit - 1, minValidTime: limit)) {
            try late.append(Labels(["a": "2"]), timestamp: limit - 1, value: 1)
        }
        try late.append(Labels(["a": "2"]), timestamp: limit, value: 1)
        #expect(try late.commit() == 1)
    }

    @Test func chunksAreCutAt120SamplesAndAtRangeBoundaries() throws {
        let head = Head()
        var app = head.appender()
        let ref = try app.append(Labels(["a": "1"]), timestamp: 0, value: 0)
        for t in 1..<300 { try app.append(ref, timestamp: Int64(t), value: Double(t)) }
        // Crossing the 2h boundary cuts a chunk even though the current one has room.
        try app.append(ref, timestamp: 7_200_000, value: 1)
        try app.commit()
        let series = try head.querier().select([matcher(.equal, "a", "1")], mint: .min, maxt: .max)
        #expect(series.first?.chunks.map { $0.maxTime - $0.minTime + 1 } == [120, 120, 60, 1])
        #expect(series.first?.chunks.last?.minTime == 7_200_000)
    }

    /// When samples speed up after the chunk-end prediction, the chunk is cut at 240.
    @Test func chunksAreCutAtTwiceTheTargetWhenTheRateRises() throws {
        let head = Head()
        var app = head.appender()
        let ref = try app.append(Labels(["a": "1"]), timestamp: 0, value: 0)
        for i in 1..<30 { try app.append(ref, timestamp: Int64(i) * 60_000, value: 1) }  // predicts a 2h chunk
        for i in 0..<300 { try app.append(ref, timestamp: 1_800_000 + Int64(i), value: 1) }
        try app.commit()
        let series = try head.querier().select([matcher(.equal, "a", "1")], mint: .min, maxt: .max)
        #expect(series.first?.chunks.count == 2)
        var iterator = XORIterator()
        let first = try #require(series.first?.chunks.first)
        iterator.reset(bytes: first.bytes, range: first.range)
        #expect(iterator.count == 240)
    }

    @Test(arguments: [
        (Int64(0), Int64(29), Int64(7_200_000), Int64(120)),  // 1ms apart: 120ms chunks
        (0, 435_000, 7_200_000, 1_800_000),  // 15s apart: 30-minute chunks
        (0, 3_600_000, 7_200_000, 7_200_000),  // slow: the range end
    ])
    func predictedChunkEndMatchesUpstream(start: Int64, current: Int64, max: Int64, expected: Int64) {
        #expect(MemSeries.predictedChunkEnd(start: start, current: current, max: max) == expected)
    }

    /// A batch committed while queries run is seen by each query entirely or not at all.
    @Test func commitsAreAtomicForConcurrentQueriers() async throws {
        let head = Head()
        let seriesCount = 50
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var app = head.appender()
                for t in Int64(1)...200 {
                    for i in 0..<seriesCount { _ = try? app.append(Labels(["s": String(i)]), timestamp: t, value: Double(t)) }
                    _ = try? app.commit()
                }
            }
            group.addTask {
                for _ in 0..<200 {
                    let result = (try? readAll(head.querier(), [matcher(.regexMatch, "s", ".+")])) ?? []
                    let newest = Set(result.compactMap { $0.1.last?.0 })
                    #expect(newest.count <= 1, "saw a partial batch: \(newest)")
                    #expect(result.isEmpty || result.count == seriesCount)
                }
            }
        }
        #expect(try readAll(head.querier(), [matcher(.regexMatch, "s", ".+")]).allSatisfy { $0.1.count == 200 })
    }

    @Test func concurrentAppendersToOverlappingSeriesKeepOrder() async throws {
        let head = Head()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var app = head.appender()
                    for t in Int64(1)...300 {
                        for i in 0..<20 { _ = try? app.append(Labels(["s": String((i + worker) % 25)]), timestamp: t, value: 1) }
                        _ = try? app.commit()
                    }
                }
            }
        }
        let result = try readAll(head.querier(), [matcher(.regexMatch, "s", ".+")])
        #expect(result.count == 23)  // s = 0...22
        for (_, samples) in result {
            #expect(zip(samples, samples.dropFirst()).allSatisfy { $0.0 < $1.0 })
        }
        #expect(head.seriesCount == 23)
    }

    /// Series whose label hashes collide are kept apart (the hash is forced equal here).
    @Test func hashCollisionsKeepSeriesApart() {
        let stripes = SeriesStripes(count: 4)
        let a = Labels(["a": "1"]), b = Labels(["a": "2"])
        let first = stripes.getOrCreate(a, hash: 42) { _ in }
        let second = stripes.getOrCreate(b, hash: 42) { _ in }
        #expect(first.created && second.created && first.ref != second.ref)
        #expect(stripes.getOrCreate(a, hash: 42) { _ in }.ref == first.ref)
        #expect(stripes.getOrCreate(b, hash: 42) { _ in }.ref == second.ref)
        #expect(stripes.labels(of: second.ref) == b)
    }
}
