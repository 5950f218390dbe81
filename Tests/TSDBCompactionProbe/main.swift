// Measures the memory a block compaction needs, for TSDBTests' streaming-compaction test.
//
// Usage: pharos-tsdb-compaction-probe DIR SERIES SAMPLES
// Writes three adjacent 2 h blocks into DIR, each with SERIES series of SAMPLES samples (and
// a fourth, later block so the three are not the newest), exits the writing phase by
// reopening the directory as a `DB` (blocks loaded), resets the peak-RSS counter
// (/proc/self/clear_refs), runs one `compact()` (the three merge into a 6 h block) and prints
// `rss=<bytes before> peak=<peak bytes during> samples=<samples merged> blocks=<count after>`.
import Model
import TSDB

#if canImport(Glibc)
import Glibc
#endif

/// A `/proc/self/status` size field in bytes.
func status(_ field: String) -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(cString: line)
        if text.hasPrefix(field + ":") {
            return (Int(text.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
        }
    }
    return 0
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let seriesCount = Int(arguments[2]), let samples = Int(arguments[3]) else {
    print("usage: pharos-tsdb-compaction-probe DIR SERIES SAMPLES")
    exit(2)
}
let directory = arguments[1]
let hour: Int64 = 3_600_000
do {
    for block in 0..<4 {
        let start = Int64(block) * 2 * hour
        let step = 2 * hour / Int64(samples)
        var series = [BlockWriter.SeriesSamples]()
        for k in 0..<seriesCount {
            let labels = Labels(["__name__": "probe", "instance": "host-\(k / 50)", "i": String(k % 50)])
            var points = [(timestamp: Int64, value: Double)]()
            for n in 0..<samples {
                let value = Double(k * n % 1000) * 0.5
                points.append((start + Int64(n) * step, value))
            }
            series.append(BlockWriter.SeriesSamples(labels: labels, samples: points))
        }
        try BlockWriter.write(series, into: directory, ulid: ULID.make(milliseconds: UInt64(block + 1)),
                              timeRange: start..<(start + 2 * hour))
    }
    var options = DB.Options()
    options.retentionDuration = 0
    let db = try DB.open(directory: directory, options: options)
    let before = status("VmRSS")
    if let file = fopen("/proc/self/clear_refs", "w") {
        fputs("5", file)
        fclose(file)
    }
    try db.compact()
    let peak = status("VmHWM")
    let merged = db.blocks.first.map { Int($0.meta.numSamples) } ?? 0
    print("rss=\(before) peak=\(peak) samples=\(merged) blocks=\(db.blocks.count)")
    try db.close()
} catch {
    print("error: \(error)")
    exit(1)
}
