// Appends to a LocalLog until killed, for StreamTests' kill -9 test.
//
// Usage: pharos-stream-crash-helper DIR ROUND APPENDERS MAX_APPENDS
// APPENDERS tasks append concurrently (so acknowledgements come from shared group commits),
// appender a to partition a % 2, batches of 1 to 3 records "ROUND a n k" padded to varying
// sizes. After an append returns, it prints "a n offset" for each record on stdout: every
// printed record was acknowledged and must survive a SIGKILL.
import Logging
import Stream

#if canImport(Glibc)
import Glibc
#endif

/// Writes `line` straight to the stdout descriptor: one `write` per line, shorter than
/// PIPE_BUF, so lines from concurrent appenders never interleave.
func acknowledge(_ line: String) {
    var line = line
    line.withUTF8 { buffer in
        if write(1, buffer.baseAddress, buffer.count) != buffer.count { exit(3) }
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 5, let round = Int(arguments[2]), let appenders = Int(arguments[3]), let maxAppends = Int(arguments[4]) else {
    print("usage: pharos-stream-crash-helper DIR ROUND APPENDERS MAX_APPENDS")
    exit(2)
}
var options = LocalLog.Options()
options.partitionCount = 2
options.segmentBytes = 64 << 10  // small segments, so kills also land around rotation
do {
    let log = try LocalLog.open(directory: arguments[1], options: options, logger: Logger(label: "crash-helper"))
    try await withThrowingTaskGroup(of: Void.self) { group in
        for appender in 0..<appenders {
            group.addTask {
                for n in 0..<maxAppends {
                    let count = 1 + (n + appender) % 3
                    let payloads = (0..<count).map { k in
                        Array("\(round) \(appender) \(n) \(k) ".utf8) + [UInt8](repeating: UInt8(k), count: (n * 37 + k * 101) % 700)
                    }
                    let offsets = try await log.append(payloads, to: appender % 2)
                    acknowledge(offsets.enumerated().map { k, offset in "\(appender) \(n) \(k) \(offset)\n" }.joined())
                }
            }
        }
        try await group.waitForAll()
    }
    await log.close()
} catch {
    print("error: \(error)")
    exit(1)
}
