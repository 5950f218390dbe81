import Exposition
import Foundation
import Ingest
import Logging
import Model
import Stream
import TSDB
import Testing

/// Chained records through a Kafka topic on librdkafka's mock cluster (3 brokers in this
/// process speaking the real Kafka protocol on loopback; no Kafka broker can be installed here).
@Suite struct ChainedKafkaFaultTests {
    private static let series = (0..<40).map { Labels(["__name__": "chained_fault", "series": "\($0)"]) }

    /// The partition has no leader for a while: the batches appended meanwhile fail once
    /// `message.timeout.ms` has passed, and the batches after the leader is back start a new
    /// chain. An ingester reading the topic stores every acknowledged sample (and possibly some
    /// of the failed ones, which Kafka may have kept), none twice; without the new chain the
    /// records after the failure would follow a missing one and could not be decoded.
    @Test func aLeaderlessPartitionStartsANewChainAndLosesNothingAcknowledged() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("samples", partitions: 1, replicationFactor: 3)
        cluster.setLeader(topic: "samples", partition: 0, broker: 1)
        let log = try KafkaLog(
            options: KafkaLog.Options(brokers: cluster.bootstraps.split(separator: ",").map(String.init), topic: "samples",
                                      partitionCount: 1, replicationFactor: 3,
                                      client: ["message.timeout.ms": "300", "retry.backoff.ms": "20", "log_level": "0"]),
            logger: Logger(label: "test"))
        let sink = StreamAppendable(stream: log, partitioner: StreamPartitioner(partitionCount: 1))
        var acknowledged: [Int64] = [], failed: [Int64] = []
        var round: Int64 = 0
        func append() async throws {
            var appender = sink.makeAppender()
            for labels in Self.series { _ = try appender.append(ref: 0, labels: labels, timestamp: round * 1000, value: Double(round)) }
            do {
                _ = try await appender.commitBatchAsync()
                acknowledged.append(round * 1000)
            } catch {
                failed.append(round * 1000)
            }
            round += 1
        }
        for _ in 0..<3 { try await append() }
        cluster.setLeader(topic: "samples", partition: 0, broker: nil)
        let deadline = ContinuousClock.now + .seconds(30)
        while failed.count < 2, ContinuousClock.now < deadline { try await append() }
        cluster.setLeader(topic: "samples", partition: 0, broker: 2)
        while acknowledged.count < 6, ContinuousClock.now < deadline + .seconds(30) { try await append() }
        try #require(failed.count >= 2, "no batch failed while the partition had no leader")
        try #require(acknowledged.count >= 6 && acknowledged.last! > failed.last!, "acknowledged \(acknowledged), failed \(failed)")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-chained-kafka-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let head = try Head.open(directory: directory)
        try await expectCaughtUp(ingestUntilCaughtUp(log, partitions: [0], into: head))
        let selected = try head.querier().select([try Matcher(.equal, "__name__", "chained_fault")], mint: .min, maxt: .max)
        #expect(selected.map(\.labels) == Self.series.sorted { $0 < $1 })
        for series in selected {
            var iterator = series.makeIterator()
            var stored: [Int64] = []
            while iterator.next() {
                #expect(iterator.value == Double(iterator.timestamp / 1000))
                stored.append(iterator.timestamp)
            }
            #expect(Set(acknowledged).isSubset(of: stored), "\(series.labels): acknowledged \(acknowledged), stored \(stored)")
            #expect(Set(stored).isSubset(of: acknowledged + failed))
        }
        try head.close()
        await log.close()
    }
}
