#if canImport(Glibc)
import Glibc
#endif

/// Process paths the status API reports.
enum FileSystemPaths {
    /// The working directory (`getcwd`), `""` if it cannot be read.
    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
