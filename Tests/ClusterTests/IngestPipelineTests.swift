import Exposition
import Foundation
import Ingest
import Query
import Config
import Logging
import Model
import Stream
import TSDB
import Synchronization
import Testing

/// The cluster's write path in one process, on real files: the distributor's `StreamAppendable`
/// appends to a `LocalLog`, `PartitionIngester`s consume it into a TSDB head (with its WAL), and
/// a replay from an older offset (a crash between the TSDB commit and the offset commit) stores
/// nothing twice.
@Suite struct IngestPipelineTests {
    private static let series = (0..<40).map { Labels(["__name__": "pipeline_sample", "series": "\($0)"]) }

    @Test(arguments: StreamRecordFormat.allCases)
    func acknowledgedBatchesReachTheTSDBExactlyOnceAcrossReplays(format: StreamRecordFormat) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-ingest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logOptions = LocalLog.Options()
        logOptions.partitionCount = 2
        let log = try LocalLog.open(directory: directory + "/log", options: logOptions, logger: Logger(label: "test"))
        var sink = StreamAppendable(stream: log, partitioner: StreamPartitioner(partitionCount: 2), recordFormat: format)
        sink.maxSamplesPerRecord = 50  // several records per partition and batch
        for round in 0..<10 {
            var appender = sink.makeAppender()
            for labels in Self.series {
                for k in 0..<3 {  // consecutive samples of a series extend it
                    _ = try appender.append(ref: 0, labels: labels, timestamp: Int64(round * 3 + k) * 1000, value: Double(round * 3 + k))
                }
            }
            let written = try await appender.commitBatchAsync()
            #expect(written == 120)
        }
        var emptyLabels = sink.makeAppender()
        do {
            _ = try emptyLabels.append(ref: 0, labels: Labels(), timestamp: 0, value: 0)
            Issue.record("an empty label set was taken")
        } catch {
            #expect(error == AppendError(.invalid, "empty label set"))
        }
        // A record that does not decode is skipped, not a reason to stop the partition.
        _ = try await log.append([[1, 0xFF, 0xFF]], to: 0)
        let ends = try await log.partitions().map(\.endOffset)
        #expect(ends.allSatisfy { $0 > 2 }, "both partitions got several records: \(ends)")

        let head = try Head.open(directory: directory + "/tsdb")
        try await expectCaughtUp(ingestUntilCaughtUp(log, partitions: [0, 1], into: head))
        try expectEverySampleOnce(head)
        // Chained records: the committed offset is the start of the chain that may still grow.
        for partition in 0..<2 {
            #expect(try await log.committedOffset(partition: partition, group: "pharos-ingester-t") == (format == .chained ? 0 : ends[partition]))
        }

        // As if the ingester crashed after its TSDB commits but before any offset commit.
        try await log.commit(0, partition: 0, group: "pharos-ingester-t")
        try await log.commit(0, partition: 1, group: "pharos-ingester-t")
        try await expectCaughtUp(ingestUntilCaughtUp(log, partitions: [0, 1], into: head))
        try expectEverySampleOnce(head)
        try head.close()
        await log.close()
    }

    /// Chains that end by age while batches keep coming: after the ingesters caught up, the
    /// committed offset is the newest chain's key record, and a restart from there, or from any
    /// offset before it (a crash before a later commit), ingests every sample exactly once.
    @Test func restartsFromTheCommittedChainStartMissNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-chain-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logOptions = LocalLog.Options()
        logOptions.partitionCount = 2
        let log = try LocalLog.open(directory: directory + "/log", options: logOptions, logger: Logger(label: "test"))
        let now = Mutex<Int64>(1_000_000)
        var sink = StreamAppendable(stream: log, partitioner: StreamPartitioner(partitionCount: 2), chainMaxAgeMs: 60_000)
        sink.clock = { now.withLock { $0 } }
        func write(round: Int) async throws {
            var appender = sink.makeAppender()
            for labels in Self.series {
                for k in 0..<3 { _ = try appender.append(ref: 0, labels: labels, timestamp: Int64(round * 3 + k) * 1000, value: Double(round * 3 + k)) }
            }
            #expect(try await appender.commitBatchAsync() == 120)
            now.withLock { $0 += 25_000 }  // a chain spans three rounds
        }
        for round in 0..<10 { try await write(round: round) }
        let ends = try await log.partitions().map(\.endOffset)
        let head = try Head.open(directory: directory + "/tsdb")
        try await expectCaughtUp(ingestUntilCaughtUp(log, partitions: [0, 1], into: head))
        try expectEverySampleOnce(head)
        for partition in 0..<2 {
            let committed = try #require(try await log.committedOffset(partition: partition, group: "pharos-ingester-t"))
            #expect(committed == ends[partition] - 1, "the last round started a chain: \(committed) of \(ends[partition])")
        }
        // The newest chain goes on after a restart: its next record decodes only because the
        // restarted ingester read its key record again.
        try await write(round: 10)
        try await expectCaughtUp(ingestUntilCaughtUp(log, partitions: [0, 1], into: head))
        try expectEverySampleOnce(head, rounds: 11)
        for restart in [Int64(5), 1, 0] {
            for partition in 0..<2 { try await log.commit(restart, partition: partition, group: "pharos-ingester-t") }
            try await expectCaughtUp(ingestUntilCaughtUp(log, partitions: [0, 1], into: head))
            try expectEverySampleOnce(head, rounds: 11)
        }
        try head.close()
        await log.close()
    }

    /// A record the stream refuses fails its batch, and the chain starts again: the next
    /// batches are acknowledged and decoded, and the refused batch's samples are nowhere.
    @Test func aRefusedRecordStartsANewChain() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-chain-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logOptions = LocalLog.Options()
        logOptions.maxRecordBytes = 2_000
        let log = try LocalLog.open(directory: directory + "/log", options: logOptions, logger: Logger(label: "test"))
        let sink = StreamAppendable(stream: log, partitioner: StreamPartitioner(partitionCount: 1))
        func commit(_ labels: [Labels], timestamp: Int64) async throws(AppendError) -> Int {
            var appender = sink.makeAppender()
            for series in labels { _ = try appender.append(ref: 0, labels: series, timestamp: timestamp, value: Double(timestamp)) }
            return try await appender.commitBatchAsync()
        }
        #expect(try await commit(Self.series, timestamp: 1000) == 40)
        var rng = SystemRandomNumberGenerator()
        let huge = (0..<200).map { _ in Labels(["__name__": "pipeline_sample", "series": (0..<4).map { _ in String(rng.next() as UInt64, radix: 16) }.joined()]) }
        await #expect(throws: AppendError.self) { try await commit(huge, timestamp: 2000) }
        #expect(try await commit(Self.series, timestamp: 2000) == 40)
        #expect(try await log.partitions()[0].endOffset == 2, "the refused record was not written")

        let head = try Head.open(directory: directory + "/tsdb")
        try await expectCaughtUp(ingestUntilCaughtUp(log, partitions: [0], into: head))
        let selected = try head.querier().select([try Matcher(.equal, "__name__", "pipeline_sample")], mint: .min, maxt: .max)
        #expect(selected.map(\.labels) == Self.series.sorted { $0 < $1 })
        for series in selected {
            var iterator = series.makeIterator()
            var points: [Int64] = []
            while iterator.next() { points.append(iterator.timestamp) }
            #expect(points == [1000, 2000])
        }
        try head.close()
        await log.close()
    }

    private func expectEverySampleOnce(_ head: Head, rounds: Int = 10) throws {
        let matcher = try Matcher(.equal, "__name__", "pipeline_sample")
        let selected = try head.querier().select([matcher], mint: .min, maxt: .max)
        #expect(selected.map(\.labels) == Self.series.sorted { $0 < $1 })
        for series in selected {
            var iterator = series.makeIterator()
            var points: [Int64] = []
            while iterator.next() {
                #expect(iterator.value == Double(iterator.timestamp / 1000))
                points.append(iterator.timestamp)
            }
            #expect(points == (0..<(rounds * 3)).map { Int64($0) * 1000 }, "\(series.labels)")
        }
    }

    @Test func ingesterPartitionsComeFromTheFlagOrTheIDsOrdinal() throws {
        #expect(try IngesterPartitions.parse("0-3,7", id: "x", partitionCount: 8) == [0, 1, 2, 3, 7])
        #expect(try IngesterPartitions.parse("2,1,2", id: "x", partitionCount: 3) == [1, 2])
        #expect(try IngesterPartitions.parse("", id: "ingester-zone-a-5", partitionCount: 6) == [5])
        #expect(try IngesterPartitions.parse(nil, id: "ingester-0", partitionCount: 1) == [0])
    }

    @Test(arguments: [
        ("", "ingester", 4, "--ingester.id=ingester does not end with an ordinal (like ingester-3); set --ingester.partitions"),
        ("", "ingester-9", 4, "--ingester.id=ingester-9 derives partition 9, but stream.partitions is 4; set --ingester.partitions"),
        ("4", "x", 4, "--ingester.partitions=4 names partition 4, but stream.partitions is 4 (partitions are 0...3)"),
        ("3-1", "x", 4, "invalid value for --ingester.partitions: \"3-1\" is not a list of partitions and ranges like 0-3,7"),
        ("a", "x", 4, "invalid value for --ingester.partitions: \"a\" is not a list of partitions and ranges like 0-3,7"),
        ("1,", "x", 4, "invalid value for --ingester.partitions: \"1,\" is not a list of partitions and ranges like 0-3,7"),
        ("-1", "x", 4, "invalid value for --ingester.partitions: \"-1\" is not a list of partitions and ranges like 0-3,7"),
        ("1-2-3", "x", 4, "invalid value for --ingester.partitions: \"1-2-3\" is not a list of partitions and ranges like 0-3,7"),
    ] as [(String, String, Int, String)])
    func malformedPartitionListsAreRefused(flag: String, id: String, count: Int, message: String) {
        #expect(throws: IngestError.self) { try IngesterPartitions.parse(flag, id: id, partitionCount: count) }
        do {
            _ = try IngesterPartitions.parse(flag, id: id, partitionCount: count)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func randomPartitionListsNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789-,x ")
        for _ in 0..<2000 {
            let text = String((0..<Int.random(in: 0...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            if let partitions = try? IngesterPartitions.parse(text, id: "ingester-1", partitionCount: 16) {
                #expect(partitions.allSatisfy { (0..<16).contains($0) }, "\(text)")
            }
        }
    }

    @Test func readRequestsRoundTrip() throws {
        var request = RemoteReadRequest()
        request.queries = [
            RemoteReadQuery(startTimestampMs: -5, endTimestampMs: 1_700_000_000_000, matchers: [
                try Matcher(.equal, "__name__", "up"), try Matcher(.notEqual, "job", ""),
                try Matcher(.regexMatch, "instance", "a.*|b"), try Matcher(.regexNoMatch, "zone", "é+"),
            ]),
            RemoteReadQuery(startTimestampMs: 0, endTimestampMs: 0, matchers: [try Matcher(.equal, "a", "b")]),
        ]
        request.acceptedResponseTypes = [1, 0]
        let decoded = try RemoteReadRequest(decoding: request.encoded())
        #expect(decoded.acceptedResponseTypes == [1, 0])
        #expect(decoded.queries.map(\.startTimestampMs) == [-5, 0])
        #expect(decoded.queries.map(\.endTimestampMs) == [1_700_000_000_000, 0])
        #expect(decoded.queries.map { $0.matchers.map(\.description) } == request.queries.map { $0.matchers.map(\.description) })
    }
}

/// The querier's per-query plan over static membership.
@Suite struct IngesterRingTests {
    private static let config: StreamConfig = {
        var config = StreamConfig()
        config.kind = .kafka
        config.partitions = 3
        config.ingesters = [StreamIngesterConfig(address: "a:1", partitions: [0, 1, 2]), StreamIngesterConfig(address: "b:1", partitions: [0, 1]),
                            StreamIngesterConfig(address: "c:1", partitions: [2])]
        return config
    }()

    @Test func asksAsFewIngestersAsPossible() {
        let ring = IngesterRing(config: Self.config)
        #expect(ring.plan(for: [0, 1, 2], excluding: []) == [0: [0, 1, 2]])
        #expect(ring.plan(for: [0, 1, 2], excluding: [0]) == [1: [0, 1], 2: [2]])
        #expect(ring.plan(for: [0, 1, 2], excluding: [0, 1]) == [2: [2]], "partitions 0 and 1 have no owner left")
    }

    @Test func avoidsARecentlyFailedIngesterUnlessItIsTheLastOwner() {
        let ring = IngesterRing(config: Self.config)
        ring.markFailed(0)
        #expect(ring.plan(for: [0, 1, 2], excluding: []) == [1: [0, 1], 2: [2]])
        ring.markFailed(1)
        #expect(ring.plan(for: [0, 1, 2], excluding: []) == [0: [0, 1], 2: [2]], "both owners of 0 failed: the first is tried again")
        ring.markHealthy(0)
        ring.markHealthy(1)
        #expect(ring.plan(for: [0, 1, 2], excluding: []) == [0: [0, 1, 2]])
    }
}

/// Expects `ingestUntilCaughtUp` to have caught up.
func expectCaughtUp(_ result: (caughtUp: Bool, lag: String), sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.caughtUp, "lag: \(result.lag)", sourceLocation: sourceLocation)
}
