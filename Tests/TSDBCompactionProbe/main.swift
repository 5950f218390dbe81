// Measures the memory that block compaction and block opening need, for TSDBTests'
// streaming-compaction and mapped-block tests.
//
// Usage:
//   pharos-tsdb-compaction-probe DIR SERIES SAMPLES
//     Writes three adjacent 2 h blocks into DIR, each with SERIES series of SAMPLES samples
//     (and a fourth, later block so the three are not the newest), reopens the directory as
//     a `DB` (blocks loaded), resets the peak-RSS counter (/proc/self/clear_refs), runs one
//     `compact()` (the three merge into a 6 h block) and prints
//     `rss=<bytes before> peak=<peak bytes during> samples=<samples merged> blocks=<count after>`.
//   pharos-tsdb-compaction-probe write-block DIR SERIES SAMPLES [WINDOW]
//     Writes one 2 h block (the WINDOW-th from the epoch, default 0) of SERIES series with
//     SAMPLES random values each (hardly compressible, so the block is about 9 bytes per
//     sample); bench/tsdb_block_open_compare.py writes its data directories with it.
//   pharos-tsdb-compaction-probe open DIR
//     Opens the block in DIR once and closes it (so the code involved is paged in), then
//     prints the resident set size before and after opening it again, the block's size and
//     the samples of its first series: `before=<bytes> after=<bytes> anonymous=<growth of
//     RssAnon, the part that is not mapped file pages> size=<bytes> samples=<n>`.
//   pharos-tsdb-compaction-probe write-wal DIR SERIES SAMPLES
//     Appends SAMPLES rounds of one sample to each of SERIES node_exporter-like series (one
//     commit per round and 10,000 series, as scrapes commit) to a head with its WAL in DIR,
//     and prints the steady state of that head: `heap=<heap bytes in use, after minus
//     before> rss=<RSS growth> wal=<bytes of the WAL>`.
//   pharos-tsdb-compaction-probe replay DIR
//     Opens the head in DIR (replaying its WAL) and prints `rss=<RSS before> peak=<peak RSS
//     while opening> heap=<heap bytes in use after, minus before> peakheap=<the most heap
//     bytes in use seen while opening (sampled every 2 ms), minus before> series=<n> samples=<n>`.
import Foundation
import Model
import PharosTestSupport
import Synchronization
import TSDB

#if canImport(Glibc)
import Glibc
#endif

let hour: Int64 = 3_600_000

/// SERIES series of SAMPLES samples each over the 2 h from `start`, values from `value`.
func makeSeries(_ seriesCount: Int, _ samples: Int, start: Int64, value: (Int, Int) -> Double) -> [BlockWriter.SeriesSamples] {
    let step = 2 * hour / Int64(samples)
    var series = [BlockWriter.SeriesSamples]()
    for k in 0..<seriesCount {
        let labels = Labels(["__name__": "probe", "instance": "host-\(k / 50)", "i": String(k % 50)])
        series.append(BlockWriter.SeriesSamples(labels: labels, samples: (0..<samples).map { n in
            (start + Int64(n) * step, value(k, n))
        }))
    }
    return series
}

/// Merges three blocks and reports the peak RSS of `compact()`.
func compaction(_ directory: String, _ seriesCount: Int, _ samples: Int) throws {
    for block in 0..<4 {
        let start = Int64(block) * 2 * hour
        try BlockWriter.write(makeSeries(seriesCount, samples, start: start) { k, n in Double(k * n % 1000) * 0.5 },
                              into: directory, ulid: ULID.make(milliseconds: UInt64(block + 1)), timeRange: start..<(start + 2 * hour))
    }
    var options = DB.Options()
    options.retentionDuration = 0
    let db = try DB.open(directory: directory, options: options)
    let before = ProcessMemory.status("VmRSS")
    ProcessMemory.resetPeakResident()
    try db.compact()
    let peak = ProcessMemory.status("VmHWM")
    let merged = db.blocks.first.map { Int($0.meta.numSamples) } ?? 0
    print("rss=\(before) peak=\(peak) samples=\(merged) blocks=\(db.blocks.count)")
    try db.close()
}

/// Builds a head with its WAL in `directory` by appends and reports its steady state.
func writeWAL(_ directory: String, _ seriesCount: Int, _ samples: Int) throws {
    let heapBefore = ProcessMemory.heapInUse(), rssBefore = ProcessMemory.status("VmRSS")
    let head = try Head.open(directory: directory)
    var app = head.appender(durability: .written)
    var refs = [SeriesRef](repeating: SeriesRef(rawValue: 0), count: seriesCount)
    var values = (0..<seriesCount).map { Double($0 % 1000) }
    var rng = SystemRandomNumberGenerator()
    for round in 0..<samples {
        let t = Int64(round) * 15_000
        for i in 0..<seriesCount {
            values[i] += Double(Int.random(in: -3...3, using: &rng)) * 0.25
            if round == 0 {
                refs[i] = try app.append(Labels(NodeLikeSeries.labels(i).map { Label(name: $0.name, value: $0.value) }), timestamp: t, value: values[i])
            } else {
                try app.append(refs[i], timestamp: t, value: values[i])
            }
            if i % 10_000 == 9_999 { _ = try app.commit() }
        }
        _ = try app.commit()
    }
    let heap = ProcessMemory.heapInUse() - heapBefore, rss = ProcessMemory.status("VmRSS") - rssBefore
    try head.close()
    var walBytes = 0
    for name in try listEntries(directory + "/wal") {
        var info = stat()
        if stat(directory + "/wal/" + name, &info) == 0 { walBytes += Int(info.st_size) }
    }
    print("heap=\(heap) rss=\(rss) wal=\(walBytes)")
}

/// Replays the head in `directory` and reports the memory that took; the heap in use is
/// sampled every 2 ms meanwhile.
func replay(_ directory: String) throws {
    let heapBefore = ProcessMemory.heapInUse(), rssBefore = ProcessMemory.status("VmRSS")
    let peakHeap = Mutex(heapBefore), done = Atomic(false)
    let sampler = Thread {
        while !done.load(ordering: .acquiring) {
            let now = ProcessMemory.heapInUse()
            peakHeap.withLock { $0 = max($0, now) }
            usleep(2_000)
        }
    }
    sampler.start()
    ProcessMemory.resetPeakResident()
    let head = try Head.open(directory: directory)
    let peak = ProcessMemory.status("VmHWM")
    done.store(true, ordering: .releasing)
    let heap = ProcessMemory.heapInUse() - heapBefore
    let heapPeak = peakHeap.withLock { $0 } - heapBefore
    print("rss=\(rssBefore) peak=\(peak) heap=\(heap) peakheap=\(max(heapPeak, heap)) series=\(head.seriesCount) samples=\(head.samplesAppended)")
    try head.close()
}

/// Reports the RSS before and after opening the block in `directory`.
func openBlock(_ directory: String) throws {
    let names = try listBlocks(directory)
    guard names.count == 1 else {
        print("error: expected one block in \(directory), found \(names.count)")
        exit(1)
    }
    let path = directory + "/" + names[0]
    _ = try Block(directory: path)
    let before = ProcessMemory.status("VmRSS"), anonymousBefore = ProcessMemory.status("RssAnon")
    let block = try Block(directory: path)
    let after = ProcessMemory.status("VmRSS"), anonymousAfter = ProcessMemory.status("RssAnon")
    let first = try block.querier().select([try Matcher(.equal, "i", "0"), try Matcher(.equal, "instance", "host-0")],
                                           mint: .min, maxt: .max)
    var iterator = SeriesIterator()
    var samples = 0
    if let series = first.first {
        iterator.reset(series)
        while iterator.next() { samples += 1 }
    }
    print("before=\(before) after=\(after) anonymous=\(anonymousAfter - anonymousBefore) size=\(block.sizeBytes) samples=\(samples)")
}

/// The ULID-named entries of `directory`.
func listBlocks(_ directory: String) throws -> [String] {
    try listEntries(directory).filter { ULID($0) != nil }
}

/// The entries of `directory`.
func listEntries(_ directory: String) throws -> [String] {
    guard let dir = opendir(directory) else {
        print("error: cannot list \(directory)")
        exit(1)
    }
    defer { closedir(dir) }
    var names = [String]()
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != ".", name != ".." { names.append(name) }
    }
    return names
}

func usage() -> Never {
    print("usage: pharos-tsdb-compaction-probe DIR SERIES SAMPLES | write-block DIR SERIES SAMPLES | open DIR"
        + " | write-wal DIR SERIES SAMPLES | replay DIR")
    exit(2)
}

let arguments = CommandLine.arguments
do {
    switch (arguments.count, arguments.dropFirst().first) {
    case (5, "write-block"), (6, "write-block"):
        guard let seriesCount = Int(arguments[3]), let samples = Int(arguments[4]),
              let window = arguments.count == 6 ? Int64(arguments[5]) : 0 else { usage() }
        let start = window * 2 * hour
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(window)
        try BlockWriter.write(makeSeries(seriesCount, samples, start: start) { _, _ in
            // xorshift64: values whose XOR with the previous one has few zero bits.
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state >> 11) / Double(1 << 53)
        }, into: arguments[2], ulid: ULID.make(milliseconds: UInt64(window + 1)), timeRange: start..<(start + 2 * hour))
    case (3, "open"):
        try openBlock(arguments[2])
    case (5, "write-wal"):
        guard let seriesCount = Int(arguments[3]), let samples = Int(arguments[4]) else { usage() }
        try writeWAL(arguments[2], seriesCount, samples)
    case (3, "replay"):
        try replay(arguments[2])
    case (4, _):
        guard let seriesCount = Int(arguments[2]), let samples = Int(arguments[3]) else { usage() }
        try compaction(arguments[1], seriesCount, samples)
    default:
        usage()
    }
} catch {
    print("error: \(error)")
    exit(1)
}
