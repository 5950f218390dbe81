#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, error-checked POSIX calls for the WAL, blocks and the database directory: they need
/// `fsync`, `rename` and exact control of what is written when, which Foundation's file APIs
/// do not promise.
enum FileIO {
    static func openForAppend(_ path: String) throws(TSDBError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>, path: String) throws(TSDBError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", errno: errno)
            }
            written += n
        }
    }

    static func sync(_ fd: Int32, path: String) throws(TSDBError) {
        guard fsync(fd) == 0 else { throw .io(path: path, operation: "fsync", errno: errno) }
    }

    /// Makes a directory's entries (new or removed files) durable.
    static func syncDirectory(_ path: String) throws(TSDBError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open directory", errno: errno) }
        defer { close(fd) }
        try sync(fd, path: path)
    }

    static func closeFile(_ fd: Int32, path: String) throws(TSDBError) {
        guard close(fd) == 0 else { throw .io(path: path, operation: "close", errno: errno) }
    }

    static func makeDirectory(_ path: String) throws(TSDBError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .io(path: path, operation: "mkdir", errno: errno) }
    }

    static func truncateFile(_ path: String, to length: Int) throws(TSDBError) {
        guard truncate(path, off_t(length)) == 0 else { throw .io(path: path, operation: "truncate", errno: errno) }
    }

    static func removeFile(_ path: String) throws(TSDBError) {
        guard unlink(path) == 0 else { throw .io(path: path, operation: "unlink", errno: errno) }
    }

    /// The whole file, or the bytes from `offset` on, at most `limit` of them.
    static func readFile(_ path: String, from offset: Int = 0, limit: Int = .max) throws(TSDBError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 { throw .io(path: path, operation: "lseek", errno: errno) }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while out.count < limit {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, limit - out.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[..<n])
        }
        return out
    }

    /// Calls `body` with the file's bytes `size` at a time (the last block shorter) until the
    /// end or until `body` returns `false`; one buffer is reused, so memory stays at `size`.
    static func forEachBlock(of path: String, size: Int, _ body: ([UInt8]) throws(TSDBError) -> Bool) throws(TSDBError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: size)
        while true {
            var filled = 0
            while filled < size {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, size - filled) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .io(path: path, operation: "read", errno: errno)
                }
                if n == 0 { break }
                filled += n
            }
            if filled < size {
                if filled > 0 { _ = try body(Array(buffer[..<filled])) }
                return
            }
            guard try body(buffer) else { return }
        }
    }

    /// The names in a directory (without `.` and `..`).
    static func listDirectory(_ path: String) throws(TSDBError) -> [String] {
        guard let dir = opendir(path) else { throw .io(path: path, operation: "opendir", errno: errno) }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The size of a regular file, 0 if it does not exist.
    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Whether `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR)
    }

    /// The bytes of every regular file under `path`, recursively.
    static func treeSize(_ path: String) -> Int {
        guard isDirectory(path) else { return fileSize(path) }
        return ((try? listDirectory(path)) ?? []).reduce(0) { $0 + treeSize(path + "/" + $1) }
    }

    static func rename(_ from: String, to: String) throws(TSDBError) {
        #if canImport(Glibc)
        let result = Glibc.rename(from, to)
        #else
        let result = Darwin.rename(from, to)
        #endif
        guard result == 0 else { throw .io(path: from, operation: "rename to \(to)", errno: errno) }
    }

    /// Removes a file or a directory with everything in it.
    static func removeTree(_ path: String) throws(TSDBError) {
        guard isDirectory(path) else {
            if unlink(path) != 0 && errno != ENOENT { throw .io(path: path, operation: "unlink", errno: errno) }
            return
        }
        for name in try listDirectory(path) { try removeTree(path + "/" + name) }
        guard rmdir(path) == 0 else { throw .io(path: path, operation: "rmdir", errno: errno) }
    }

    /// Writes a whole file (created or replaced) and fsyncs it.
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(TSDBError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        do {
            try writeAll(fd, bytes[...], path: path)
            try sync(fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        try closeFile(fd, path: path)
    }

    /// Recreates the tree `source` at `target` with hard links to its files, or copies
    /// where linking is impossible (another file system).
    static func linkTree(_ source: String, to target: String) throws(TSDBError) {
        guard isDirectory(source) else {
            guard link(source, target) != 0 else { return }
            guard errno == EXDEV || errno == EPERM || errno == EMLINK else {
                throw .io(path: source, operation: "link to \(target)", errno: errno)
            }
            try writeFile(target, readFile(source))
            return
        }
        try makeDirectory(target)
        for name in try listDirectory(source) { try linkTree(source + "/" + name, to: target + "/" + name) }
        try syncDirectory(target)
    }
}
