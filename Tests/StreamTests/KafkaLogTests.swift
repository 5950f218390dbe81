import Exposition
import Foundation
import PharosTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import Stream

/// KafkaLog against librdkafka's mock cluster: 3 brokers in this process speaking the real Kafka
/// protocol on loopback, a topic with replication factor 3. (No Kafka broker can be installed
/// here; see KafkaMockCluster.)
@Suite(.serialized) struct KafkaLogTests {
    private func makeLog(_ cluster: KafkaMockCluster, topic: String, partitions: Int, client: [String: String] = [:]) throws -> KafkaLog {
        try KafkaLog(
            options: KafkaLog.Options(brokers: cluster.bootstraps.split(separator: ",").map(String.init), topic: topic,
                                      partitionCount: partitions, replicationFactor: 3, client: client),
            logger: quietLogger)
    }

    @Test func recordsRoundTripThroughTheCluster() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("samples", partitions: 3, replicationFactor: 3)
        let log = try makeLog(cluster, topic: "samples", partitions: 3)
        var codec = StreamRecordCodec()
        let batch = sampleBatch()
        let parts = StreamPartitioner(partitionCount: 3).split(batch)
        var expected: [Int: [[UInt8]]] = [:]
        for (partition, part) in parts {
            let payloads = [codec.encode(part), codec.encode(part)]
            #expect(try await log.append(payloads, to: partition) == [0, 1])
            expected[partition] = payloads
        }
        #expect(try await log.append([[1, 2, 3]], to: parts[0].partition) == [2])
        let infos = try await log.partitions()
        #expect(infos.map(\.id) == [0, 1, 2])
        for info in infos {
            #expect(info.startOffset == 0)
            #expect(info.endOffset == Int64(expected[info.id]?.count ?? 0) + (info.id == parts[0].partition ? 1 : 0))
        }
        var seriesSeen = 0
        for (partition, payloads) in expected {
            let records = try await readAll(log, partition: partition, maxWait: .seconds(1))
            #expect(Array(records.map(\.payload).prefix(2)) == payloads)
            #expect(records.map(\.offset) == Array(0..<Int64(records.count)))
            var decoded = RemoteWriteBatch()
            try codec.decode(records[0].payload, offset: records[0].offset, into: &decoded)
            seriesSeen += decoded.seriesCount
        }
        #expect(seriesSeen == batch.seriesCount)
        await #expect(throws: StreamError.noSuchPartition(3, count: 3)) { try await log.append([[1]], to: 3) }
        await log.close()
    }

    @Test func checkTopicNamesAMissingOrMisSizedTopic() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("samples", partitions: 2, replicationFactor: 3)
        let good = try makeLog(cluster, topic: "samples", partitions: 2)
        try await good.checkTopic()
        await good.close()
        let misSized = try makeLog(cluster, topic: "samples", partitions: 4)
        await #expect(throws: StreamError.partitionCountMismatch(found: 2, configured: 4, path: "kafka topic samples")) {
            try await misSized.checkTopic()
        }
        await misSized.close()
        cluster.answerUnknownTopic("absent")
        let missing = try makeLog(cluster, topic: "absent", partitions: 2)
        await #expect(throws: StreamError.topicMissing(topic: "absent", partitions: 2, replicationFactor: 3)) {
            try await missing.checkTopic()
        }
        await missing.close()
    }

    @Test func committedOffsetsAreResumedByANewClient() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("samples", partitions: 2, replicationFactor: 3)
        let log = try makeLog(cluster, topic: "samples", partitions: 2)
        _ = try await log.append((0..<5).map { [UInt8($0)] }, to: 1)
        #expect(try await log.committedOffset(partition: 1, group: "ingester-a") == nil)
        let consumer = try await log.consumer(partition: 1, from: 0)
        var consumed: [StreamRecord] = []
        for _ in 0..<50 where consumed.count < 3 {
            consumed += try await consumer.poll(maxRecords: 3 - consumed.count, maxWait: .seconds(1))
        }
        #expect(consumed.map(\.offset) == [0, 1, 2])
        try await log.commit(3, partition: 1, group: "ingester-a")
        await consumer.close()
        await log.close()

        // A restarted ingester: a new client finds the commit and reads on from there.
        let restarted = try makeLog(cluster, topic: "samples", partitions: 2)
        let offset = try #require(try await restarted.committedOffset(partition: 1, group: "ingester-a"))
        #expect(offset == 3)
        #expect(try await restarted.committedOffset(partition: 0, group: "ingester-a") == nil)
        #expect(try await readAll(restarted, partition: 1, from: offset, maxWait: .seconds(1)).map(\.payload) == [[3], [4]])
        await restarted.close()
    }

    /// Appends run while the partition's leader goes down and leadership moves to another
    /// broker, twice (brokers 1 and 2 down, broker 3 leading at the end): every append is acknowledged eventually, and every acknowledged record is in
    /// the partition exactly once, at the offset its acknowledgement gave.
    @Test func brokerDownAndLeaderChangeLoseNothingAcknowledged() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("samples", partitions: 1, replicationFactor: 3)
        cluster.setLeader(topic: "samples", partition: 0, broker: 1)
        let log = try makeLog(cluster, topic: "samples", partitions: 1, client: ["retry.backoff.ms": "20", "reconnect.backoff.ms": "20"])
        var acknowledged: [String: Int64] = [:]
        for i in 0..<60 {
            if i == 20 {
                cluster.setDown(broker: 1)
                cluster.setLeader(topic: "samples", partition: 0, broker: 2)
            }
            if i == 40 {
                cluster.setDown(broker: 2)
                cluster.setLeader(topic: "samples", partition: 0, broker: 3)
            }
            let payloads = (0..<3).map { Array("record \(i) \($0)".utf8) }
            let offsets = try await log.append(payloads, to: 0)
            for (payload, offset) in zip(payloads, offsets) { acknowledged[String(decoding: payload, as: UTF8.self)] = offset }
        }
        let records = try await readAll(log, partition: 0, maxWait: .seconds(1))
        var found: [String: Int64] = [:]
        for record in records {
            let key = String(decoding: record.payload, as: UTF8.self)
            #expect(found[key] == nil, "\(key) duplicated")
            found[key] = record.offset
        }
        #expect(acknowledged.count == 180)
        #expect(found == acknowledged)
        await log.close()
    }

    /// With no broker leading the partition, an append is not acknowledged: it fails once
    /// `message.timeout.ms` has passed, with librdkafka's error, instead of hanging or
    /// pretending success.
    @Test func appendFailsWhenNoBrokerAcknowledges() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("samples", partitions: 1, replicationFactor: 3)
        let log = try makeLog(cluster, topic: "samples", partitions: 1, client: ["message.timeout.ms": "500"])
        #expect(try await log.append([[1]], to: 0) == [0])
        // No leader rather than every broker down: taking a mock broker down re-binds its port at
        // once and aborts the process if another test took the port meanwhile (librdkafka 2.0).
        cluster.setLeader(topic: "samples", partition: 0, broker: nil)
        do {
            _ = try await log.append([[2], [3]], to: 0)
            Issue.record("an append no broker acknowledged succeeded")
        } catch {
            guard case .kafka(let code, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(code == "_MSG_TIMED_OUT")
        }
        await log.close()
    }

    /// `enqueue` (what a chain writer and the rule evaluator's synchronous commit use) queues
    /// records in call order and reports on librdkafka's poll thread, so a thread blocked on a
    /// semaphore gets the offsets; with no leader the report is the failure, after
    /// `message.timeout.ms`, not an early success.
    @Test func enqueuedRecordsLandInOrderAndReportOffThePool() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("samples", partitions: 2, replicationFactor: 3)
        let log = try makeLog(cluster, topic: "samples", partitions: 2, client: ["message.timeout.ms": "500"])
        let reports = Mutex<[Int: Result<[Int64], StreamError>]>([:])
        let done = DispatchSemaphore(value: 0)
        for i in 0..<20 {
            log.enqueue([[UInt8(i)], [UInt8(100 + i)]], to: i % 2) { result in
                reports.withLock { $0[i] = result }
                done.signal()
            }
        }
        for _ in 0..<20 { done.wait() }
        for i in 0..<20 {
            let base = Int64(i / 2) * 2
            #expect(try reports.withLock { $0[i] }?.get() == [base, base + 1])
        }
        #expect(try await readAll(log, partition: 1, maxWait: .seconds(1)).map(\.payload).prefix(4) == [[1], [101], [3], [103]])
        log.enqueue([[1]], to: 2) { result in reports.withLock { $0[99] = result } }
        #expect(reports.withLock { $0[99] } == .failure(.noSuchPartition(2, count: 2)))
        // No leader rather than every broker down: taking a mock broker down re-binds its port at
        // once and aborts the process if another test took the port meanwhile (librdkafka 2.0).
        cluster.setLeader(topic: "samples", partition: 0, broker: nil)
        let failed = Mutex<Result<[Int64], StreamError>?>(nil)
        log.enqueue([[7], [8]], to: 0) { result in
            failed.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard case .failure(.kafka(let code, _)) = failed.withLock({ $0 }) else {
            Issue.record("an append no broker acknowledged: \(String(describing: failed.withLock { $0 }))")
            return
        }
        #expect(code == "_MSG_TIMED_OUT")
        await log.close()
    }

    /// kcat (Debian's Kafka client, itself on librdkafka) reads the topic: the records are
    /// ordinary Kafka records, readable by any client.
    @Test(.enabled(if: TestBinaries.onPath("kcat") != nil, "needs kcat (Debian package kcat)"))
    func kcatReadsTheRecords() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("samples", partitions: 2, replicationFactor: 3)
        let log = try makeLog(cluster, topic: "samples", partitions: 2)
        var codec = StreamRecordCodec()
        let encoded = codec.encode(sampleBatch())
        _ = try await log.append([Array("first".utf8), Array("second".utf8)], to: 1)
        _ = try await log.append([encoded], to: 1)
        await log.close()

        let kcat = try #require(TestBinaries.onPath("kcat"))
        let common = ["-b", cluster.bootstraps, "-C", "-t", "samples", "-p", "1", "-o", "beginning", "-e", "-q"]
        #expect(try run(kcat, common + ["-f", "%t %p %o %S\n"]) == "samples 1 0 5\nsamples 1 1 6\nsamples 1 2 \(encoded.count)\n")
        #expect(try run(kcat, common + ["-c", "2", "-f", "%s\n"]) == "first\nsecond\n")
    }

    /// Runs `executable` to completion (killed after 60 s) and returns its standard output.
    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let deadline = DispatchTime.now() + .seconds(60)
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: watchdog)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        #expect(process.terminationStatus == 0, "\(executable) \(arguments)")
        return output
    }
}
