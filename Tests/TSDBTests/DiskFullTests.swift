import Foundation
import Model
import Testing

@testable import TSDB

#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted for one test (root only: `mount -t tmpfs`), unmounted by `remove()`.
struct SmallFileSystem {
    let directory: TemporaryDirectory
    var path: String { directory.path + "/mnt" }

    init(bytes: Int) throws {
        directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/mnt", withIntermediateDirectories: true)
        let (status, output) = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", directory.path + "/mnt"])
        guard status == 0 else {
            directory.remove()
            throw TSDBError.io(path: output, operation: "mount", errno: EPERM)
        }
    }

    func remove() {
        _ = try? run("/bin/umount", [path])
        directory.remove()
    }

    /// Whether this process may mount file systems (root, and `mount` present).
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")
    }
}

@Suite(.enabled(if: SmallFileSystem.available, "needs root to mount a small tmpfs"))
struct DiskFullTests {
    /// Commits until the file system is full: the failing commit (and every later one)
    /// throws an I/O error saying so, naming the WAL segment; every acknowledged batch is
    /// still served and survives reopening (from a copy of the directory with room again).
    @Test func aFullDiskFailsCommitsClearlyAndLosesNothingAcknowledged() throws {
        let disk = try SmallFileSystem(bytes: 512 * 1024)
        defer { disk.remove() }
        var options = Head.Options()
        options.walSegmentSize = 64 * 1024
        let data = disk.path + "/data"
        let head = try Head.open(directory: data, options: options)
        let series = (0..<50).map { Labels(["__name__": "full", "i": String($0)]) }
        var app = head.appender()
        var acknowledged = 0
        var failure: TSDBError?
        for batch in 1...20_000 {
            for labels in series { try app.append(labels, timestamp: Int64(batch), value: Double(batch)) }
            do throws(TSDBError) {
                try app.commit()
                acknowledged = batch
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "the file system never filled up")
        guard case .io(let path, _, let code) = error else {
            Issue.record("expected an I/O error, got \(error)")
            return
        }
        #expect(code == ENOSPC && path.hasPrefix(data + "/wal/"), "\(error)")
        #expect("\(error)".contains("No space left on device"), "\(error)")
        #expect(acknowledged > 100, "the disk filled after \(acknowledged) batches")
        // Later commits are refused with the same error; what was acknowledged is served.
        try app.append(series[0], timestamp: Int64(acknowledged + 2), value: 0)
        #expect(throws: error) { try app.commit() }
        let served = try readAll(head.querier(), [matcher(.equal, "__name__", "full")])
        #expect(served.count == series.count && served.allSatisfy { $0.1.count >= acknowledged })
        try? head.close()

        let copy = try TemporaryDirectory()
        defer { copy.remove() }
        try FileManager.default.removeItem(atPath: copy.path)
        try FileManager.default.copyItem(atPath: data, toPath: copy.path)
        let reopened = try Head.open(directory: copy.path, options: options)
        let result = try readAll(reopened.querier(), [matcher(.equal, "__name__", "full")])
        #expect(result.count == series.count)
        for (labels, samples) in result {
            #expect(samples.count >= acknowledged, "\(labels): \(samples.count) of \(acknowledged) acknowledged")
            #expect(samples.map(\.0) == (1...samples.count).map(Int64.init), "\(labels)")
        }
        try reopened.close()
    }
}
