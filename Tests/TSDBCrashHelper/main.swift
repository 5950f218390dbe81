// Appends batches to the TSDB in a directory until killed, for TSDBTests' kill -9 test.
//
// Usage: pharos-tsdb-crash-helper DIR SERIES MAX_BATCHES
// Each batch appends timestamp t (continuing after the head's newest) with value t to SERIES
// series and commits; after commit returns (the WAL is fsynced) it prints "t" on stdout. So
// every printed timestamp was acknowledged and must survive a SIGKILL.
import Model
import TSDB

#if canImport(Glibc)
import Glibc
#endif

/// Writes "t\n" straight to the stdout descriptor: unbuffered, so the line is out before the
/// next batch starts.
func acknowledge(_ t: Int64) {
    var line = "\(t)\n"
    line.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 { exit(3) }
            offset += n
        }
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let seriesCount = Int(arguments[2]), let maxBatches = Int(arguments[3]) else {
    print("usage: pharos-tsdb-crash-helper DIR SERIES MAX_BATCHES")
    exit(2)
}
do {
    var options = Head.Options()
    options.walSegmentSize = 64 * 1024  // small segments, so kills also land around rotation
    let head = try Head.open(directory: arguments[1], options: options)
    let series = (0..<seriesCount).map { Labels(["__name__": "crash_test", "i": String($0)]) }
    var refs = [SeriesRef?](repeating: nil, count: seriesCount)
    var t = (head.maxTime ?? 0) + 1
    var appender = head.appender()
    for _ in 0..<maxBatches {
        for i in series.indices {
            if let ref = refs[i] {
                try appender.append(ref, timestamp: t, value: Double(t))
            } else {
                refs[i] = try appender.append(series[i], timestamp: t, value: Double(t))
            }
        }
        try appender.commit()
        acknowledge(t)
        t += 1
    }
    try head.close()
} catch {
    print("error: \(error)")
    exit(1)
}
