import Foundation
import PharosTestSupport

/// Runs real programs (`pharos`, `promtool`) with a file as standard input.
enum Subprocess {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `executable` with `arguments`, standard input read from `input` (a file), and
    /// waits for it to exit. Output is read after exit: the programs used print little.
    static func run(_ executable: URL, _ arguments: [String], input: URL) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: input)
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// `promtool` on the PATH (Debian's `prometheus` package), or `nil`.
    static let promtool: URL? = findOnPath("promtool")

    /// `name` on the PATH, or `nil`.
    static func findOnPath(_ name: String) -> URL? {
        TestBinaries.onPath(name).map { URL(fileURLWithPath: $0) }
    }

    /// The `pharos` binary built beside the test bundle (`.build/debug/pharos` after
    /// `swift build --build-tests`).
    static let pharos: URL? = TestBinaries.built("pharos").map { URL(fileURLWithPath: $0) }
}
