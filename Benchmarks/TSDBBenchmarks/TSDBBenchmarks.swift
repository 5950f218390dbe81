import Benchmark
import Foundation
import Model
import TSDB

/// Head append and XOR chunk throughput. Run with
/// `PHAROS_BENCHMARKS=1 swift package benchmark --target TSDBBenchmarks` (see docs/benchmarks.md).
/// Every iteration handles `samplesPerIteration` samples, so samples/s = 10,000 / p50.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .instructions, .mallocCountTotal, .retainCount, .releaseCount],
        maxDuration: .seconds(3), maxIterations: 10_000)
    // Retain/release counting (runtime hooks) crashes the head benchmarks under Swift 6.3
    // without ordo-one's runtime interposer, so they count wall clock and mallocs only.
    let headConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .instructions, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 10_000)

    let samplesPerIteration = 10_000

    func labels(_ i: Int, job: String = "bench") -> Labels {
        Labels(["__name__": "http_requests_total", "job": job, "instance": "host-\(i % 100):9100",
                "path": "/api/v1/item/\(i)"])
    }

    /// A scratch directory on tmpfs when there is one, so WAL numbers measure our code
    /// rather than the disk.
    func walDirectory() -> String {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return base + "/pharos-tsdb-bench-\(UUID().uuidString)"
    }

    func makeHead(wal: Bool) -> (Head, String?) {
        if wal {
            let dir = walDirectory()
            if let head = try? Head.open(directory: dir) { return (head, dir) }
            fatalError("cannot open a head in \(dir)")
        }
        return (Head(), nil)
    }

    /// `series` series, `perSeries` consecutive samples of each per commit, by ref.
    func appendByRef(_ benchmark: Benchmark, series: Int, perSeries: Int, wal: Bool) {
        let (head, dir) = makeHead(wal: wal)
        defer {
            try? head.close()
            if let dir { try? FileManager.default.removeItem(atPath: dir) }
        }
        var app = head.appender()
        var refs = [SeriesRef]()
        for i in 0..<series {
            guard let ref = try? app.append(labels(i), timestamp: 0, value: 0) else { fatalError("append") }
            refs.append(ref)
        }
        _ = try? app.commit()
        var t: Int64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for ref in refs {
                for k in 1...perSeries {
                    try? app.append(ref, timestamp: t + Int64(k) * 15_000, value: Double(t + Int64(k)))
                }
            }
            t += Int64(perSeries) * 15_000
            blackHole(try? app.commit())
        }
        benchmark.stopMeasurement()
    }

    for wal in [false, true] {
        let suffix = wal ? "WAL on tmpfs" : "no WAL"
        Benchmark("Head/append by ref/100 series x 100 samples per commit/\(suffix)",
                  configuration: headConfiguration) { benchmark in
            appendByRef(benchmark, series: 100, perSeries: 100, wal: wal)
        }
        Benchmark("Head/append by ref/10000 series x 1 sample per commit/\(suffix)",
                  configuration: headConfiguration) { benchmark in
            appendByRef(benchmark, series: samplesPerIteration, perSeries: 1, wal: wal)
        }
    }

    Benchmark("Head/append by labels/10000 new series per commit/no WAL",
              configuration: .init(metrics: [.wallClock, .instructions, .mallocCountTotal],
                                   maxDuration: .seconds(3), maxIterations: 200)) { benchmark in
        let sets = (0..<samplesPerIteration).map { labels($0) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let head = Head()
            var app = head.appender()
            for set in sets { blackHole(try? app.append(set, timestamp: 1000, value: 1)) }
            blackHole(try? app.commit())
        }
        benchmark.stopMeasurement()
    }

    // A realistic chunk: 15 s scrapes with millisecond jitter, a slowly moving gauge.
    var timestamps = [Int64](), values = [Double]()
    var rng = SystemRandomNumberGenerator()
    var t: Int64 = 1_700_000_000_000, v = 100.0
    for _ in 0..<120 {
        t += 15_000 + Int64.random(in: -5...5, using: &rng)
        v += Double(Int.random(in: -3...3, using: &rng)) * 0.25
        timestamps.append(t)
        values.append(v)
    }
    var encoded = XORChunk()
    for i in timestamps.indices { encoded.append(timestamp: timestamps[i], value: values[i]) }
    let chunk = encoded
    let chunksPerIteration = samplesPerIteration / 120

    Benchmark("XOR/encode/120-sample chunks x \(chunksPerIteration)") { benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<chunksPerIteration {
                var c = XORChunk()
                for i in timestamps.indices { c.append(timestamp: timestamps[i], value: values[i]) }
                blackHole(c)
            }
        }
    }
    Benchmark("XOR/decode/120-sample chunks x \(chunksPerIteration)") { benchmark in
        var it = XORIterator()
        let bytes = chunk.bytes
        for _ in benchmark.scaledIterations {
            var sum = 0.0
            for _ in 0..<chunksPerIteration {
                it.reset(bytes: bytes, range: bytes.indices)
                while it.next() { sum += it.value }
            }
            blackHole(sum)
        }
    }
}
