import Foundation
import Testing

/// Paths, scratch files and processes shared by the Alerting tests.
enum Support {
    /// The repository root, found from this file's path.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Debian's `prometheus-alertmanager` amtool, if installed.
    static let amtool: String? = ["/usr/bin/amtool", "/usr/local/bin/amtool"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The `pharos` binary `swift build` made, if it did.
    static let pharos: String? = {
        let candidate = repositoryRoot + "/.build/debug/pharos"
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }()

    /// A fresh empty directory under the system temporary directory.
    static func scratchDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "pharos-alerting-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `text` to a new file in a fresh directory and returns its path.
    static func writeTemporary(_ text: String, name: String = "alertmanager.yml") throws -> String {
        let path = try scratchDirectory() + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs `executable arguments...`; returns the exit status, standard output and standard error.
    /// Output goes to files rather than pipes: Foundation's pipe reads trap on `EINTR` when many
    /// tests start processes at once.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let directory = try scratchDirectory()
        let outputPath = directory + "/stdout", errorPath = directory + "/stderr"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let error = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer {
            try? output.close()
            try? error.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = error
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus,
            try String(contentsOfFile: outputPath, encoding: .utf8),
            try String(contentsOfFile: errorPath, encoding: .utf8)
        )
    }
}
