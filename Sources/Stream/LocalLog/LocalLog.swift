#if canImport(Glibc)
private import Glibc
#endif

internal import Foundation
internal import Synchronization
package import Logging

/// The embedded `Stream`: partitions of segment files in a directory on this machine.
///
/// - Every record carries a CRC32C; on open, each segment is checked and a torn or corrupt
///   tail of the newest one (what a crash during a write leaves) is cut off with a warning.
/// - Appends are group-committed: one I/O thread writes whatever appenders queued while its
///   previous `fdatasync` ran, syncs once, and only then acknowledges all of them. No fsync or
///   write runs on the Swift concurrency pool.
/// - Consumers see only durable records. Committed offsets are files replaced atomically.
/// - Retention deletes whole segments, oldest first, beyond a size or older than a time, as
///   Kafka does; a consumer behind it gets `StreamError.offsetOutOfRange`.
///
/// Layout: `DIR/partition-0000/00000000000000000000.log`, ..., `DIR/consumer-offsets/GROUP`
/// (docs/stream.md).
package final class LocalLog: Stream {
    /// Sizes and limits.
    package struct Options: Sendable {
        /// The number of partitions; can grow between opens, never shrink.
        package var partitionCount = 1
        /// A segment is sealed and a new one started once it would grow past this size.
        package var segmentBytes: Int64 = 64 << 20
        /// Per partition, sealed segments are deleted oldest first while the partition is larger.
        package var retentionBytes: Int64?
        /// Sealed segments whose newest record is older than this are deleted.
        package var retentionTime: Duration?
        /// The largest payload accepted (and read back: a larger length is corruption).
        package var maxRecordBytes = 16 << 20
        /// Milliseconds since the epoch: the append time of records and the age retention uses.
        package var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

        /// The defaults: one partition, 64 MiB segments, no retention limit.
        package init() {}
    }

    /// The directory of the log.
    package let directory: String
    /// The options in force.
    package let options: Options
    let logger: Logger
    let state: LocalLogState
    private let writer: LocalLogWriter

    private init(directory: String, options: Options, logger: Logger, partitions: [PartitionIndex], writer: LocalLogWriter) {
        self.directory = directory
        self.options = options
        self.logger = logger
        self.state = LocalLogState(partitions: partitions)
        self.writer = writer
        writer.start(log: self)
    }

    /// Opens (creating if needed) the log in `directory`, checking every segment.
    /// - Throws: `StreamError.io` when the directory cannot be read or written,
    ///   `.partitionCountMismatch` when it holds more partitions than `options.partitionCount`.
    package static func open(directory: String, options: Options = Options(), logger: Logger) throws(StreamError) -> LocalLog {
        precondition(options.partitionCount >= 1, "BUG: a stream has at least one partition")
        try FileIO.makeDirectory(directory)
        let existing = try FileIO.list(directory).filter { $0.hasPrefix("partition-") }.count
        guard existing <= options.partitionCount else {
            throw .partitionCountMismatch(found: existing, configured: options.partitionCount, path: directory)
        }
        var partitions: [PartitionIndex] = []
        var files: [LocalLogWriter.ActiveSegment] = []
        for partition in 0..<options.partitionCount {
            let (index, active) = try recover(
                partitionDirectory: directory + "/" + partitionDirectoryName(partition), options: options, logger: logger)
            partitions.append(index)
            files.append(active)
        }
        let writer = LocalLogWriter(active: files)
        return LocalLog(directory: directory, options: options, logger: logger, partitions: partitions, writer: writer)
    }

    static func partitionDirectoryName(_ partition: Int) -> String {
        let digits = String(partition)
        return "partition-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Reads and checks a partition's segments; cuts a bad tail off the newest one.
    private static func recover(
        partitionDirectory path: String, options: Options, logger: Logger
    ) throws(StreamError) -> (PartitionIndex, LocalLogWriter.ActiveSegment) {
        try FileIO.makeDirectory(path)
        let bases = try FileIO.list(path).compactMap(LogSegment.baseOffset(fileName:)).sorted()
        var segments: [SegmentIndex] = []
        for (i, base) in bases.enumerated() {
            let file = path + "/" + LogSegment.fileName(baseOffset: base)
            let bytes = try FileIO.readAll(file)
            let scan = bytes.withUnsafeBytes { LogSegment.scan($0, baseOffset: base, maxPayloadBytes: options.maxRecordBytes) }
            if let previous = segments.last, base < previous.endOffset {
                throw .corruptRecord(path: file, position: 0, reason: "segment starts at offset \(base), inside the previous segment (ends at \(previous.endOffset))")
            }
            var segment = SegmentIndex(baseOffset: base, path: file)
            segment.positions = scan.records.map { Int64($0.position) }
            segment.durableBytes = Int64(scan.validBytes)
            segment.lastTimestampMs = scan.records.last?.timestampMs ?? .min
            if let problem = scan.problem {
                if i == bases.count - 1 {
                    logger.warning("truncating torn or corrupt tail of the stream log", metadata: [
                        "segment": "\(file)", "position": "\(scan.validBytes)", "bytes_dropped": "\(bytes.count - scan.validBytes)",
                        "reason": "\(problem)",
                    ])
                    let fd = try FileIO.open(file)
                    defer { Glibc.close(fd) }
                    if scan.validBytes < LogSegment.header.count {
                        try FileIO.truncate(fd, to: 0, path: file)
                        try FileIO.write(fd, LogSegment.header, at: 0, path: file)
                        segment.durableBytes = Int64(LogSegment.header.count)
                    } else {
                        try FileIO.truncate(fd, to: Int64(scan.validBytes), path: file)
                    }
                    try FileIO.sync(fd, path: file)
                } else {
                    // A sealed segment was fsynced before the next one began: damage here is not
                    // a crash's torn write. Its valid prefix stays readable; reads of the rest fail.
                    logger.warning("corrupt record in a sealed stream log segment; later records of this segment cannot be read", metadata: [
                        "segment": "\(file)", "position": "\(scan.validBytes)", "reason": "\(problem)",
                    ])
                }
            }
            segments.append(segment)
        }
        if segments.isEmpty {
            let segment = try LocalLogWriter.createSegment(directory: path, baseOffset: 0)
            segments.append(segment)
        }
        let last = segments[segments.count - 1]
        let active = LocalLogWriter.ActiveSegment(
            fd: try FileIO.open(last.path), path: last.path, directory: path, baseOffset: last.baseOffset, sizeBytes: last.durableBytes, recordCount: last.positions.count)
        return (PartitionIndex(directory: path, segments: segments), active)
    }

    /// How many `fdatasync` calls appends have needed so far: fewer than appends when
    /// concurrent appenders share them (group commit).
    package var syncCount: Int { writer.syncCount.load(ordering: .relaxed) }

    /// Finishes queued work, stops the I/O thread and closes the files. Later calls fail with
    /// `StreamError.closed`.
    package func close() async {
        await writer.stop(state: state)
    }

    // MARK: Stream

    package func partitions() async throws(StreamError) -> [StreamPartitionInfo] {
        try state.withLock { state throws(StreamError) in
            guard !state.closed else { throw .closed }
            return state.partitions.enumerated().map { id, partition in
                StreamPartitionInfo(id: id, startOffset: partition.startOffset, endOffset: partition.endOffset)
            }
        }
    }

    package func enqueue(_ payloads: [[UInt8]], to partition: Int,
                         completion: @escaping @Sendable (Result<[Int64], StreamError>) -> Void) {
        do throws(StreamError) {
            try checkPartition(partition)
            for payload in payloads where payload.count > options.maxRecordBytes {
                throw .recordTooLarge(bytes: payload.count, limitBytes: options.maxRecordBytes, setting: "the local log's max record size")
            }
        } catch {
            return completion(.failure(error))
        }
        guard !payloads.isEmpty else { return completion(.success([])) }
        writer.enqueue(.append(partition: partition, payloads: payloads), state: state, completion: completion)
    }

    package func consumer(partition: Int, from offset: Int64) async throws(StreamError) -> LocalLogConsumer {
        try checkPartition(partition)
        let range = try state.withLock { state throws(StreamError) in
            guard !state.closed else { throw .closed }
            return state.partitions[partition].startOffset...state.partitions[partition].endOffset
        }
        guard range.contains(offset) else { throw .offsetOutOfRange(offset, partition: partition, valid: range) }
        return LocalLogConsumer(log: self, partition: partition, offset: offset)
    }

    package func commit(_ offset: Int64, partition: Int, group: String) async throws(StreamError) {
        try checkPartition(partition)
        try StreamError.checkGroup(group)
        _ = try await writer.submit(.commit(group: group, partition: partition, offset: offset), state: state).get()
    }

    package func committedOffset(partition: Int, group: String) async throws(StreamError) -> Int64? {
        try checkPartition(partition)
        try StreamError.checkGroup(group)
        return try committedOffsets(group: group)[partition]
    }

    /// Deletes what retention no longer keeps, judging age at `nowMs` (the I/O thread also does
    /// this with the clock after every segment it seals).
    package func enforceRetention(nowMs: Int64) async throws(StreamError) {
        _ = try await writer.submit(.retention(nowMs: nowMs), state: state).get()
    }

    private func checkPartition(_ partition: Int) throws(StreamError) {
        guard (0..<options.partitionCount).contains(partition) else {
            throw .noSuchPartition(partition, count: options.partitionCount)
        }
    }

    var offsetsDirectory: String { directory + "/consumer-offsets" }

    /// The committed offsets of `group`, read from its file on first use.
    func committedOffsets(group: String) throws(StreamError) -> [Int: Int64] {
        if let cached = state.withLock({ $0.groups[group] }) { return cached }
        let path = offsetsDirectory + "/" + group
        let offsets: [Int: Int64]
        if access(path, F_OK) == 0 {
            offsets = try ConsumerOffsetsFile.decode(try FileIO.readAll(path), path: path)
        } else {
            offsets = [:]
        }
        state.withLock { state in
            if state.groups[group] == nil { state.groups[group] = offsets }
        }
        return offsets
    }
}

/// The state `LocalLog`'s appenders, consumers and I/O thread share, under one lock.
final class LocalLogState: @unchecked Sendable {
    // @unchecked: every stored property but `lock` is read and written only inside
    // `withLock`, which holds `lock`.
    struct Shared {
        var partitions: [PartitionIndex]
        var requests: [LocalLogWriter.Request] = []
        /// Consumers waiting for the next durable append, by partition.
        var waiters: [Int: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var nextWaiterID: UInt64 = 0
        /// Waiters whose timeout fired before they were registered.
        var expiredWaiters: Set<UInt64> = []
        /// Committed offsets of the groups read so far.
        var groups: [String: [Int: Int64]] = [:]
        var closed = false
    }

    let lock = NSCondition()
    private var shared: Shared

    init(partitions: [PartitionIndex]) {
        shared = Shared(partitions: partitions)
    }

    func withLock<R, E: Error>(_ body: (inout Shared) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&shared)
    }

    /// Blocks the I/O thread until there is work or the log is closing; returns the work.
    func waitForRequests() -> (requests: [LocalLogWriter.Request], closing: Bool) {
        lock.lock()
        defer { lock.unlock() }
        while shared.requests.isEmpty && !shared.closed { lock.wait() }
        let requests = shared.requests
        shared.requests.removeAll()
        return (requests, shared.closed)
    }
}
