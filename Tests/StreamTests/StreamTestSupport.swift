import Foundation
import Logging
import Stream

/// A fresh directory under the system's temporary directory; remove it when done.
func makeTemporaryDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A logger for code under test that writes nowhere.
let quietLogger = Logger(label: "stream-test") { _ in SwiftLogNoOpLogHandler() }

/// Removes a directory made by `makeTemporaryDirectory`.
func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}
