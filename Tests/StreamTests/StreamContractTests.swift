// No Foundation here: its `Stream` class would shadow the `Stream` protocol in this file.
import Stream
import Testing

/// One test body, run on both implementations: what the `Stream` protocol promises holds for
/// `LocalLog` (files) and `KafkaLog` (librdkafka's mock cluster: 3 brokers speaking the real
/// Kafka protocol on loopback, replication factor 3).
@Suite struct StreamContractTests {
    @Test func localLogKeepsTheContract() async throws {
        let directory = try makeTemporaryDirectory("pharos-stream-contract")
        defer { removeTemporaryDirectory(directory) }
        var options = LocalLog.Options()
        options.partitionCount = 2
        let log = try LocalLog.open(directory: directory, options: options, logger: quietLogger)
        try await checkContract(log)
        await log.close()
    }

    @Test func kafkaLogKeepsTheContract() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("contract", partitions: 2, replicationFactor: 3)
        let log = try KafkaLog(
            options: KafkaLog.Options(brokers: [cluster.bootstraps], topic: "contract", partitionCount: 2, replicationFactor: 3),
            logger: quietLogger)
        try await checkContract(log)
        await log.close()
    }

    private func checkContract(_ stream: some Stream) async throws {
        // Offsets are dense per partition and returned in the order of the payloads.
        #expect(try await stream.append([[1], [2], [3]], to: 0) == [0, 1, 2])
        #expect(try await stream.append([[4]], to: 0) == [3])
        #expect(try await stream.append([[9]], to: 1) == [0])
        #expect(try await stream.append([], to: 1) == [])
        #expect(try await stream.partitions() == [
            StreamPartitionInfo(id: 0, startOffset: 0, endOffset: 4), StreamPartitionInfo(id: 1, startOffset: 0, endOffset: 1),
        ])
        await #expect(throws: StreamError.noSuchPartition(2, count: 2)) { try await stream.append([[1]], to: 2) }

        // A consumer starts where it is told and sees later appends.
        let consumer = try await stream.consumer(partition: 0, from: 2)
        var records: [StreamRecord] = []
        for _ in 0..<20 where records.count < 2 {
            records += try await consumer.poll(maxRecords: 10, maxWait: .seconds(1))
        }
        #expect(records == [StreamRecord(offset: 2, payload: [3]), StreamRecord(offset: 3, payload: [4])])
        async let next = consumer.poll(maxRecords: 10, maxWait: .seconds(20))
        #expect(try await stream.append([[5]], to: 0) == [4])
        #expect(try await next == [StreamRecord(offset: 4, payload: [5])])
        await consumer.close()
        await #expect(throws: StreamError.closed) { try await consumer.poll(maxRecords: 1, maxWait: .zero) }

        // Commits are per group and partition; the latest one counts.
        #expect(try await stream.committedOffset(partition: 0, group: "contract-a") == nil)
        try await stream.commit(2, partition: 0, group: "contract-a")
        try await stream.commit(5, partition: 0, group: "contract-a")
        try await stream.commit(1, partition: 1, group: "contract-b")
        #expect(try await stream.committedOffset(partition: 0, group: "contract-a") == 5)
        #expect(try await stream.committedOffset(partition: 1, group: "contract-a") == nil)
        #expect(try await stream.committedOffset(partition: 1, group: "contract-b") == 1)
        await #expect(throws: StreamError.invalidConsumerGroup("a b")) { try await stream.commit(1, partition: 0, group: "a b") }
    }
}
