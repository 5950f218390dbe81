import Benchmark
import Foundation
import Glibc
import Model
import PharosTestSupport
import TSDB

/// Head append and XOR chunk throughput. Run with
/// `PHAROS_BENCHMARKS=1 swift package benchmark --target TSDBBenchmarks` (see docs/benchmarks.md).
/// Every iteration handles `samplesPerIteration` samples, so samples/s = 10,000 / p50.
let benchmarks: @Sendable () -> Void = {
    // Retain/release counting (runtime hooks) crashes these benchmarks under Swift 6.3
    // without ordo-one's runtime interposer, so they count wall clock and mallocs only.
    Benchmark.defaultConfiguration = .init(
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

    /// `series` series made once (in the benchmark's setup), then per iteration `perSeries`
    /// consecutive samples of each appended by ref and committed, at timestamps that keep
    /// increasing across iterations: the steady state of a scrape target's head, chunks cut
    /// every 120 samples as in production. At most 1,000 iterations, so the WAL on tmpfs
    /// stays within about 100 MB.
    func appendByRef(series: Int, perSeries: Int, wal: Bool) {
        let suffix = wal ? "WAL on tmpfs" : "no WAL"
        let name = "Head/append by ref/\(series) series x \(perSeries) sample\(perSeries == 1 ? "" : "s") per commit/\(suffix)"
        let fixture = AppendFixture()
        Benchmark(name, configuration: .init(metrics: Benchmark.defaultConfiguration.metrics, maxDuration: .seconds(3), maxIterations: 1000),
                  closure: { benchmark in
            guard let head = fixture.head else { fatalError("setup did not run") }
            var app = head.appender()
            let refs = fixture.refs
            var t = fixture.time
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
            fixture.time = t
        }, setup: {
            let (head, dir) = makeHead(wal: wal)
            var app = head.appender()
            fixture.refs = (0..<series).map { i in
                guard let ref = try? app.append(labels(i), timestamp: 0, value: 0) else { fatalError("append") }
                return ref
            }
            _ = try? app.commit()
            (fixture.head, fixture.directory) = (head, dir)
        }, teardown: {
            try? fixture.head?.close()
            if let dir = fixture.directory { try? FileManager.default.removeItem(atPath: dir) }
            fixture.head = nil
        })
    }

    for wal in [false, true] {
        appendByRef(series: 100, perSeries: 100, wal: wal)
        appendByRef(series: samplesPerIteration, perSeries: 1, wal: wal)
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

    // Head memory per active series: `seriesCount` series with node_exporter-like labels
    // (1,000 per instance in five families, as bench/fake_exporters.py), 120 samples each at
    // 15 s (one full chunk) of slowly moving values. Reported as heap bytes in use (glibc's
    // count: allocated blocks plus mmapped ones) after the head is built, minus before,
    // divided by the series count; one iteration, the figure is exact, not timed.
    func nodeLikeLabels(_ i: Int) -> Labels {
        Labels(NodeLikeSeries.labels(i).map { Label(name: $0.name, value: $0.value) })
    }
    for seriesCount in [100_000, 1_000_000] {
        Benchmark("Head/memory/\(seriesCount) node-like series x 120 samples",
                  configuration: .init(metrics: [.custom("head bytes per series", useScalingFactor: false)],
                                       maxDuration: .seconds(1), maxIterations: 1)) { benchmark in
            // The benchmark's own arrays exist before the first measurement; the labels are
            // made inside it, as the head keeps them.
            var refs = [SeriesRef]()
            refs.reserveCapacity(seriesCount)
            var values = (0..<seriesCount).map { Double($0 % 1000) }
            var rng = SystemRandomNumberGenerator()
            let before = ProcessMemory.heapInUse()
            let head = Head()
            var app = head.appender()
            for i in 0..<seriesCount {
                guard let ref = try? app.append(nodeLikeLabels(i), timestamp: 0, value: values[i]) else { fatalError("append") }
                refs.append(ref)
                if i % 10_000 == 9_999 { _ = try? app.commit() }
            }
            _ = try? app.commit()
            for k in 1..<120 {
                let t = Int64(k) * 15_000  // aligned, as the scrape loop aligns them
                for i in refs.indices {
                    values[i] += Double(Int.random(in: -3...3, using: &rng)) * 0.25
                    try? app.append(refs[i], timestamp: t, value: values[i])
                    if i % 10_000 == 9_999 { _ = try? app.commit() }
                }
                _ = try? app.commit()
            }
            benchmark.measurement(.custom("head bytes per series", useScalingFactor: false),
                                  (ProcessMemory.heapInUse() - before) / seriesCount)
            blackHole(head)
            blackHole(refs)
        }
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
    // The same values at exactly 15 s steps, as Pharos's scrape loop aligns timestamps: every
    // delta-of-delta is 0.
    var alignedChunk = XORChunk()
    for i in timestamps.indices { alignedChunk.append(timestamp: 1_700_000_000_000 + Int64(i) * 15_000, value: values[i]) }
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
    // The same samples in XOR2 chunks (`--enable-feature=st-storage`): a counter's constant
    // start timestamp, and a delta series whose start is the previous sample's time.
    let starts: [(String, [Int64])] = [
        ("constant start", Array(repeating: timestamps[0] - 60_000, count: timestamps.count)),
        ("start = previous sample", [timestamps[0] - 15_000] + timestamps.dropLast()),
    ]
    for (name, sts) in starts {
        Benchmark("XOR2/encode/120-sample chunks x \(chunksPerIteration), \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                for _ in 0..<chunksPerIteration {
                    var c = XOR2Chunk()
                    for i in timestamps.indices { c.append(startTimestamp: sts[i], timestamp: timestamps[i], value: values[i]) }
                    blackHole(c)
                }
            }
        }
        var encodedWithStarts = XOR2Chunk()
        for i in timestamps.indices { encodedWithStarts.append(startTimestamp: sts[i], timestamp: timestamps[i], value: values[i]) }
        let bytes = encodedWithStarts.bytes
        Benchmark("XOR2/decode/120-sample chunks x \(chunksPerIteration), \(name)") { benchmark in
            var it = XOR2Iterator()
            for _ in benchmark.scaledIterations {
                var sum = 0.0
                for _ in 0..<chunksPerIteration {
                    it.reset(bytes: bytes, range: bytes.indices)
                    while it.next() { sum += it.value + Double(it.startTimestamp) }
                }
                blackHole(sum)
            }
        }
    }
    for (name, decoded) in [("", chunk), (", aligned timestamps", alignedChunk)] {
        Benchmark("XOR/decode/120-sample chunks x \(chunksPerIteration)\(name)") { benchmark in
            var it = XORIterator()
            let bytes = decoded.bytes
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
}

/// The head an append benchmark's setup made, shared with its iterations (one benchmark runs
/// at a time, so nothing here is accessed concurrently).
final class AppendFixture: @unchecked Sendable {
    var head: Head?
    var directory: String?
    var refs: [SeriesRef] = []
    /// The timestamp the next iteration appends after.
    var time: Int64 = 0
}
