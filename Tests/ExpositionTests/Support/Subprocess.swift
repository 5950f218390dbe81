import Foundation

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

    static func findOnPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The `pharos` binary built beside the test bundle (`.build/debug/pharos` after
    /// `swift build --build-tests`).
    static let pharos: URL? = {
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        candidates.append(executable.deletingLastPathComponent().appendingPathComponent("pharos"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("pharos"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("pharos"))
        candidates.append(TestData.packageRoot.appendingPathComponent(".build/debug/pharos"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()
}
