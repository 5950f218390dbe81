#if canImport(Glibc)
internal import Glibc
#endif

/// The POSIX calls `LocalLog` makes, each turning a failure into `StreamError.io` with the path.
enum FileIO {
    /// Opens (creating with mode 0644 when `create`) `path` for reading and writing.
    static func open(_ path: String, create: Bool = false) throws(StreamError) -> Int32 {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        return fd
    }

    /// Opens `path` read-only.
    static func openForReading(_ path: String) throws(StreamError) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        return fd
    }

    /// Writes all of `bytes` at `position`.
    static func write(_ fd: Int32, _ bytes: [UInt8], at position: Int64, path: String) throws(StreamError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + written, $0.count - written, off_t(position) + off_t(written)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            written += n
        }
    }

    /// Reads `count` bytes at `position`; fewer only at the end of the file.
    static func read(_ fd: Int32, count: Int, at position: Int64, path: String) throws(StreamError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(position) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        bytes.removeLast(count - done)
        return bytes
    }

    /// The whole file at `path`.
    static func readAll(_ path: String) throws(StreamError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        return try read(fd, count: Int(status.st_size), at: 0, path: path)
    }

    /// Flushes the file's data (and its size) to stable storage.
    static func sync(_ fd: Int32, path: String) throws(StreamError) {
        guard fdatasync(fd) == 0 else { throw .io(operation: "fdatasync", path: path, errno: errno) }
    }

    /// Makes the entries of directory `path` (created, renamed, removed files) durable.
    static func syncDirectory(_ path: String) throws(StreamError) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    /// Cuts the file to `size` bytes.
    static func truncate(_ fd: Int32, to size: Int64, path: String) throws(StreamError) {
        guard ftruncate(fd, off_t(size)) == 0 else { throw .io(operation: "truncate", path: path, errno: errno) }
    }

    /// Creates directory `path` and its parents if missing.
    static func makeDirectory(_ path: String) throws(StreamError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// The names in directory `path`.
    static func list(_ path: String) throws(StreamError) -> [String] {
        guard let dir = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsynced, renamed over `path`, and
    /// the directory fsynced, so a crash leaves the old content or the new, never a mix.
    static func replace(_ path: String, with bytes: [UInt8], directory: String) throws(StreamError) {
        let temporary = path + ".tmp"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: temporary, errno: errno) }
        do throws(StreamError) {
            try write(fd, bytes, at: 0, path: temporary)
            guard fsync(fd) == 0 else { throw StreamError.io(operation: "fsync", path: temporary, errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw .io(operation: "rename", path: temporary, errno: errno) }
        try syncDirectory(directory)
    }

    /// Removes the file at `path`.
    static func remove(_ path: String) throws(StreamError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .io(operation: "unlink", path: path, errno: errno) }
    }
}
