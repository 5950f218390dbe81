import Benchmark
import FoundationEssentials  // not Foundation: its Stream class would shadow the protocol
import Ingest
import Logging
import Model
import Stream
import TSDB

/// Ingest throughput of the three write paths into a TSDB head (with its WAL on disk): direct
/// appends (the single process), and through `StreamAppendable` → a `LocalLog` or a `KafkaLog`
/// on librdkafka's mock cluster → a `PartitionIngester` (a distributor and an ingester in one
/// process). An iteration commits `requests` concurrent remote-write-sized batches of
/// `seriesPerRequest` series × 1 sample and, for the stream paths, waits until the ingester has
/// consumed them. `cpuTotal` is the CPU time of the whole process (for Kafka it includes the
/// mock brokers), so samples per CPU second = samples/s per core.
func ingestThroughputBenchmarks(logger: Logger) {
    let requests = 16, seriesPerRequest = 2000
    let labels = (0..<requests).map { request in
        (0..<seriesPerRequest).map { i in
            Labels(["__name__": "node_cpu_seconds_total", "cpu": String(i % 32), "mode": ["idle", "user", "system", "iowait"][i % 4],
                    "instance": "host-\(request)-\(i / 128):9100", "job": "node"])
        }
    }
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal], maxDuration: .seconds(10), maxIterations: 400)

    /// Commits one round of every request into `sink`, at scrape step `step`.
    @Sendable func appendRound(_ sink: any SampleAppendable, step: Int64) async {
        await withTaskGroup(of: Void.self) { group in
            for request in labels {
                group.addTask {
                    var appender = sink.makeAppender()
                    for (i, series) in request.enumerated() {
                        _ = try? appender.append(ref: 0, labels: series, timestamp: 1_700_000_000_000 + step * 15_000, value: Double(i) + Double(step))
                    }
                    guard (try? await appender.commitBatchAsync()) == seriesPerRequest else { fatalError("a batch was not committed") }
                }
            }
        }
    }

    /// Runs `benchmark` with rounds committed to `sink`; `consumed` waits until the ingester has
    /// what `sink` acknowledged.
    func measureRounds(_ benchmark: Benchmark, sink: any SampleAppendable, consumed: @escaping @Sendable () async -> Void) async {
        var step: Int64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            step += 1
            await appendRound(sink, step: step)
            await consumed()
        }
        benchmark.stopMeasurement()
    }

    /// A head in a fresh temporary directory, removed by `body`'s end.
    func withHead(_ body: (Head) async -> Void) async {
        let directory = FileManager.default.temporaryDirectory.path + "/pharos-ingest-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard let head = try? Head.open(directory: directory) else { fatalError("open a head in \(directory)") }
        await body(head)
        try? head.close()
    }

    /// Consumes partition 0 of `stream` into `head` while `body` runs.
    func withIngester<Log: Stream>(_ stream: Log, into head: Head, _ body: (IngestProgress) async -> Void) async {
        let progress = IngestProgress(owned: [0])
        var ingester = PartitionIngester(stream: stream, partition: 0, group: "bench", sink: { head }, progress: progress, logger: logger)
        ingester.maxRecordsPerPoll = 1024
        let consuming = Task { [ingester] in await ingester.run() }
        await body(progress)
        consuming.cancel()
        await consuming.value
    }

    /// Waits until the ingester's position reaches the partition's end offset.
    @Sendable func caughtUp<Log: Stream>(_ stream: Log, _ progress: IngestProgress) async {
        guard let end = try? await stream.partitions().first?.endOffset else { fatalError("partitions") }
        for _ in 0..<100_000 {
            if let position = progress.position(of: 0), position >= end { return }
            try? await Task.sleep(for: .microseconds(200))
        }
        fatalError("the ingester did not catch up")
    }

    let samples = requests * seriesPerRequest
    Benchmark("Ingest/direct TSDB head/\(samples) samples", configuration: configuration) { benchmark in
        await withHead { head in await measureRounds(benchmark, sink: head) {} }
    }
    Benchmark("Ingest/LocalLog then ingester/\(samples) samples", configuration: configuration) { benchmark in
        let directory = FileManager.default.temporaryDirectory.path + "/pharos-ingest-bench-log-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard let log = try? LocalLog.open(directory: directory, logger: logger) else { fatalError("open \(directory)") }
        await withHead { head in
            await withIngester(log, into: head) { progress in
                await measureRounds(benchmark, sink: StreamAppendable(stream: log, partitioner: StreamPartitioner(partitionCount: 1))) {
                    await caughtUp(log, progress)
                }
            }
        }
        await log.close()
    }
    Benchmark("Ingest/KafkaLog (mock cluster, 3 brokers, RF 3) then ingester/\(samples) samples", configuration: configuration) { benchmark in
        // fetch.wait.max.ms: the mock cluster holds an empty fetch for this long even when data arrives meanwhile.
        guard let cluster = try? KafkaMockCluster(), (try? cluster.createTopic("bench", partitions: 1, replicationFactor: 3)) != nil,
              let log = try? KafkaLog(
                options: KafkaLog.Options(brokers: [cluster.bootstraps], topic: "bench", partitionCount: 1, replicationFactor: 3,
                                          client: ["fetch.wait.max.ms": "5"]),
                logger: logger)
        else { fatalError("mock cluster") }
        await withHead { head in
            await withIngester(log, into: head) { progress in
                await measureRounds(benchmark, sink: StreamAppendable(stream: log, partitioner: StreamPartitioner(partitionCount: 1))) {
                    await caughtUp(log, progress)
                }
            }
        }
        await log.close()
    }
}
