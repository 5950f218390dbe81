import Benchmark
import Exposition
import Foundation
import Logging
import Model
import Stream

/// Append throughput of the two `Stream`s and the cost of encoding records. Run with
/// `PHAROS_BENCHMARKS=1 swift package benchmark --target StreamBenchmarks` (docs/benchmarks.md).
/// Every append carries one record of `samplesPerRecord` samples (a remote-write request's
/// worth: 2000 series, one sample each), so samples/s = appends per iteration × 2000 / p50.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 2_000)

    let seriesPerRecord = 2000
    let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

    /// A remote-write request's worth of series, one sample each, at scrape `step`.
    func batch(step: Int64) -> RemoteWriteBatch {
        var batch = RemoteWriteBatch()
        for i in 0..<seriesPerRecord {
            let labels = Labels(["__name__": "node_cpu_seconds_total", "cpu": String(i % 32), "mode": ["idle", "user", "system", "iowait"][i % 4],
                                 "instance": "host-\(i / 128):9100", "job": "node"])
            batch.appendSeries(labels, samples: [Sample(timestampMs: 1_700_000_000_000 + step * 15_000, value: Double(i) * 1.5 + Double(step))])
        }
        return batch
    }
    var codec = StreamRecordCodec()
    let payload = codec.encode(batch(step: 0))

    Benchmark("StreamRecordCodec/encode 2000 samples") { benchmark in
        let input = batch(step: 1)
        var codec = StreamRecordCodec()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(codec.encode(input)) }
    }

    /// `concurrency` calls of `append` (one record each), started together, per iteration.
    /// (A closure, not `some Stream`: Foundation's `Stream` class shadows the protocol here.)
    func appendConcurrently(_ benchmark: Benchmark, concurrency: Int, append: @escaping @Sendable () async -> Void) async {
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<concurrency { group.addTask { await append() } }
            }
        }
        benchmark.stopMeasurement()
    }

    for concurrency in [1, 16] {
        for (place, base) in [("disk", NSTemporaryDirectory()), ("tmpfs", "/dev/shm/")] {
            Benchmark("LocalLog/append/\(concurrency) concurrent/\(place)") { benchmark in
                let directory = base + "pharos-stream-bench-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: directory) }
                guard let log = try? LocalLog.open(directory: directory, logger: logger) else { fatalError("open \(directory)") }
                await appendConcurrently(benchmark, concurrency: concurrency) { blackHole(try? await log.append([payload], to: 0)) }
                await log.close()
            }
        }
        Benchmark("KafkaLog/append/\(concurrency) concurrent/mock cluster, 3 brokers, RF 3") { benchmark in
            guard let cluster = try? KafkaMockCluster(), (try? cluster.createTopic("bench", partitions: 1, replicationFactor: 3)) != nil,
                  let log = try? KafkaLog(
                    options: KafkaLog.Options(brokers: [cluster.bootstraps], topic: "bench", partitionCount: 1, replicationFactor: 3),
                    logger: logger)
            else { fatalError("mock cluster") }
            _ = try? await log.append([payload], to: 0)  // connect and learn the leader first
            await appendConcurrently(benchmark, concurrency: concurrency) { blackHole(try? await log.append([payload], to: 0)) }
            await log.close()
        }
    }
}
