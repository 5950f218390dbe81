// Appends batches to the TSDB in a directory until killed, for TSDBTests' kill -9 test.
//
// Usage: pharos-tsdb-crash-helper DIR SERIES MAX_BATCHES [compact|out-of-order]
// Batch n appends timestamp n (continuing after the newest batch) with value n to SERIES
// series and commits; after commit returns (the WAL is fsynced) it prints "n" on stdout. So
// every printed batch was acknowledged and must survive a SIGKILL.
//
// With `compact`, the directory is opened as a `DB`, batch n is at n minutes (so the head
// soon spans the 3 h that make it compactable), and a task calls `compact()` all the time:
// kills also land in block writes, head truncations and WAL checkpoints.
//
// With `out-of-order`, as `compact` with a 1 h out-of-order time window, and batch n also
// appends, after timestamp n minutes, the out-of-order sample at n - 0.5 minutes (value
// n - 0.5) to every series: kills also land in write-behind-log writes and in compactions
// of out-of-order samples.
import Model
import TSDB

#if canImport(Glibc)
import Glibc
#endif

/// Writes "n\n" straight to the stdout descriptor: unbuffered, so the line is out before the
/// next batch starts.
func acknowledge(_ n: Int64) {
    var line = "\(n)\n"
    line.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 { exit(3) }
            offset += n
        }
    }
}

/// Appends and acknowledges batches `first`, `first + 1`, ... at `step` ms per batch.
func appendBatches(to sink: any SampleAppendable, seriesCount: Int, first: Int64, step: Int64, count: Int,
                   outOfOrder: Bool = false) throws {
    let series = (0..<seriesCount).map { Labels(["__name__": "crash_test", "i": String($0)]) }
    var refs = [UInt64](repeating: 0, count: seriesCount)
    var appender = sink.makeAppender()
    for n in first..<(first + Int64(count)) {
        for i in series.indices {
            refs[i] = try appender.append(ref: refs[i], labels: series[i], timestamp: n * step, value: Double(n))
            if outOfOrder {
                try appender.append(ref: refs[i], labels: series[i], timestamp: n * step - step / 2, value: Double(n) - 0.5)
            }
        }
        try appender.commitBatch()
        acknowledge(n)
    }
}

let arguments = CommandLine.arguments
guard (4...5).contains(arguments.count), let seriesCount = Int(arguments[2]), let maxBatches = Int(arguments[3]),
      arguments.count == 4 || ["compact", "out-of-order"].contains(arguments[4])
else {
    print("usage: pharos-tsdb-crash-helper DIR SERIES MAX_BATCHES [compact|out-of-order]")
    exit(2)
}
do {
    var headOptions = Head.Options()
    headOptions.walSegmentSize = 64 * 1024  // small segments, so kills also land around rotation
    if arguments.count == 5 {
        let outOfOrder = arguments[4] == "out-of-order"
        if outOfOrder { headOptions.outOfOrderTimeWindow = 60 * 60 * 1000 }
        var options = DB.Options()
        options.head = headOptions
        let db = try DB.open(directory: arguments[1], options: options)
        let step: Int64 = 60_000
        Task.detached {
            while true {
                try? db.compact()
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        // Continue after the newest batch, wherever it is stored.
        var last: Int64 = 0
        for series in try db.querier(mint: .min, maxt: .max).select([], mint: .min, maxt: .max) {
            var iterator = series.makeIterator()
            while iterator.next() { last = max(last, iterator.timestamp) }
        }
        try appendBatches(to: db, seriesCount: seriesCount, first: last / step + 1, step: step, count: maxBatches,
                          outOfOrder: outOfOrder)
        try db.close()
    } else {
        let head = try Head.open(directory: arguments[1], options: headOptions)
        try appendBatches(to: head, seriesCount: seriesCount, first: (head.maxTime ?? 0) + 1, step: 1, count: maxBatches)
        try head.close()
    }
} catch {
    print("error: \(error)")
    exit(1)
}
