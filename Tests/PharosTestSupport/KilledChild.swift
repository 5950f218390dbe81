import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Crash tests' child processes: runs `executable`, hands each line it prints on standard
/// output to `onLine` (the child prints a line per acknowledged write) until `onLine` has
/// accepted `lines` of them or returns `false`, then kills the child with SIGKILL and waits.
/// - Returns: whether the child died of the signal (rather than exiting by itself first).
package func runAndKill(
    _ executable: String, _ arguments: [String], afterLines lines: Int, onLine: (String) -> Bool
) throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    var seen = 0
    var buffer = [UInt8]()
    let fd = pipe.fileHandleForReading.fileDescriptor
    var chunk = [UInt8](repeating: 0, count: 4096)
    var stopped = false
    /// Hands the complete lines of `bytes` to `onLine`; `false` once it refused one.
    func consume(_ bytes: ArraySlice<UInt8>) -> Bool {
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                buffer.append(byte)
                continue
            }
            let line = String(decoding: buffer, as: UTF8.self)
            buffer.removeAll()
            guard onLine(line) else { return false }
            seen += 1
        }
        return true
    }
    while seen < lines {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        if !consume(chunk[..<n]) {
            stopped = true
            break
        }
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    // Lines the child printed before it died but not yet read are acknowledgements too: a
    // write after them may be in the data. Read what the pipe still holds, without blocking.
    if !stopped {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 || !consume(chunk[..<n]) { break }
        }
    }
    return process.terminationReason == .uncaughtSignal
}
