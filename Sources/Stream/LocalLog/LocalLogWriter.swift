internal import Foundation
internal import Model
internal import Logging
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// The I/O thread of a `LocalLog`: appends, fsyncs, commits and retention, one group at a time.
///
/// Group commit: appenders queue requests and suspend; the thread takes every request queued
/// so far, writes each touched partition's records with one `pwrite`, `fdatasync`s each file
/// once, publishes the records to consumers and only then resumes the appenders. Requests
/// that arrive during the sync form the next group, so one fsync serves many appenders.
final class LocalLogWriter: @unchecked Sendable {
    // @unchecked: `active` is touched only by the I/O thread once `start` has run (and by
    // `init` before); `thread` and `finished` are set once, in `start` and `stop`.

    /// A request for the I/O thread and what to call when it is carried out.
    struct Request {
        enum Kind {
            case append(partition: Int, payloads: [[UInt8]])
            case commit(group: String, partition: Int, offset: Int64)
            case retention(nowMs: Int64)
        }
        var kind: Kind
        var completion: @Sendable (Result<[Int64], StreamError>) -> Void
    }

    /// The segment a partition appends to.
    struct ActiveSegment {
        var fd: Int32
        var path: String
        let directory: String
        var baseOffset: Int64
        /// Bytes written and durable.
        var sizeBytes: Int64
        var recordCount: Int
    }

    private var active: [ActiveSegment]
    /// How many times a segment was fdatasync'ed for appends (group commits).
    let syncCount = Atomic<Int>(0)
    private var finished: CheckedContinuation<Void, Never>?
    private let done = NSCondition()
    private var isDone = false

    init(active: [ActiveSegment]) {
        self.active = active
    }

    func start(log: LocalLog) {
        let thread = Thread { [self] in run(log: log) }
        thread.name = "pharos-local-log"
        thread.start()
    }

    /// Queues `kind` (after every request queued before) and calls `completion` on the I/O
    /// thread once it is carried out, or right away with `.closed`.
    func enqueue(_ kind: Request.Kind, state: LocalLogState, completion: @escaping @Sendable (Result<[Int64], StreamError>) -> Void) {
        let accepted = state.withLock { shared in
            guard !shared.closed else { return false }
            shared.requests.append(Request(kind: kind, completion: completion))
            state.lock.signal()
            return true
        }
        if !accepted { completion(.failure(.closed)) }
    }

    /// Queues `kind` and suspends until the I/O thread has carried it out.
    func submit(_ kind: Request.Kind, state: LocalLogState) async -> Result<[Int64], StreamError> {
        await withCheckedContinuation { continuation in
            enqueue(kind, state: state) { continuation.resume(returning: $0) }
        }
    }

    /// Closes the log: queued requests are still carried out; then the thread ends.
    func stop(state: LocalLogState) async {
        let waiters = state.withLock { shared in
            shared.closed = true
            state.lock.signal()
            let waiters = shared.waiters.values.flatMap(\.values)
            shared.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
        // Waits on a thread, not the pool: the I/O thread finishes within one group.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                done.lock()
                while !isDone { done.wait() }
                done.unlock()
                continuation.resume()
            }
            thread.start()
        }
    }

    private func run(log: LocalLog) {
        while true {
            let (requests, closing) = log.state.waitForRequests()
            process(requests, log: log)
            if closing && log.state.withLock({ $0.requests.isEmpty }) { break }
        }
        for segment in active { Glibc.close(segment.fd) }
        done.lock()
        isDone = true
        done.signal()
        done.unlock()
    }

    /// Records written in this group, not yet durable.
    private struct Pending {
        var bytes: [UInt8] = []
        var positions: [Int64] = []
        var lastTimestampMs: Int64 = .min
        var failure: StreamError?
    }

    private func process(_ requests: [Request], log: LocalLog) {
        var pending = [Pending](repeating: Pending(), count: active.count)
        var offsets = [[Int64]](repeating: [], count: requests.count)
        var sealedAny = false
        let now = log.options.clock()
        for (r, request) in requests.enumerated() {
            guard case .append(let partition, let payloads) = request.kind else { continue }
            guard pending[partition].failure == nil else { continue }
            for payload in payloads {
                let recordBytes = Int64(LogSegment.recordHeaderBytes + payload.count)
                let size = active[partition].sizeBytes + Int64(pending[partition].bytes.count)
                if active[partition].recordCount + pending[partition].positions.count > 0,
                    size + recordBytes > log.options.segmentBytes
                {
                    do throws(StreamError) {
                        try flush(partition, &pending[partition], log: log)
                        try seal(partition, log: log)
                        sealedAny = true
                    } catch {
                        pending[partition].failure = error
                        break
                    }
                }
                let segment = active[partition]
                let offset = nextOffset(partition, pending[partition])
                pending[partition].positions.append(segment.sizeBytes + Int64(pending[partition].bytes.count))
                LogSegment.appendRecord(offset: offset, timestampMs: now, payload: payload, to: &pending[partition].bytes)
                pending[partition].lastTimestampMs = now
                offsets[r].append(offset)
            }
        }
        for partition in pending.indices where pending[partition].failure == nil && !pending[partition].positions.isEmpty {
            do throws(StreamError) {
                try flush(partition, &pending[partition], log: log)
            } catch {
                pending[partition].failure = error
            }
        }
        if sealedAny { try? applyRetention(nowMs: now, log: log) }

        for (r, request) in requests.enumerated() {
            let result: Result<[Int64], StreamError>
            switch request.kind {
            case .append(let partition, _):
                if let failure = pending[partition].failure {
                    result = .failure(failure)
                } else {
                    result = .success(offsets[r])
                }
            case .commit(let group, let partition, let offset):
                result = Result { () throws(StreamError) in
                    try commit(group: group, partition: partition, offset: offset, log: log)
                    return []
                }
            case .retention(let nowMs):
                result = Result { () throws(StreamError) in
                    try applyRetention(nowMs: nowMs, log: log)
                    return []
                }
            }
            request.completion(result)
        }
    }

    /// The offset the next record of `partition` gets.
    private func nextOffset(_ partition: Int, _ pending: Pending) -> Int64 {
        active[partition].baseOffset + Int64(active[partition].recordCount + pending.positions.count)
    }

    /// Writes and syncs `pending`'s records, then publishes them to consumers.
    private func flush(_ partition: Int, _ pending: inout Pending, log: LocalLog) throws(StreamError) {
        guard !pending.positions.isEmpty else { return }
        let segment = active[partition]
        do throws(StreamError) {
            try FileIO.write(segment.fd, pending.bytes, at: segment.sizeBytes, path: segment.path)
            try FileIO.sync(segment.fd, path: segment.path)
            syncCount.add(1, ordering: .relaxed)
        } catch {
            // Nothing of this group is acknowledged; the next write goes to the same place.
            pending = Pending()
            throw error
        }
        active[partition].sizeBytes += Int64(pending.bytes.count)
        active[partition].recordCount += pending.positions.count
        let size = active[partition].sizeBytes
        let published = pending
        let waiters = log.state.withLock { shared in
            var last = shared.partitions[partition].segments.removeLast()
            last.positions.append(contentsOf: published.positions)
            last.durableBytes = size
            last.lastTimestampMs = published.lastTimestampMs
            shared.partitions[partition].segments.append(last)
            return shared.waiters.removeValue(forKey: partition).map { Array($0.values) } ?? []
        }
        for waiter in waiters { waiter.resume() }
        pending = Pending()
    }

    /// Closes the active segment of `partition` (already synced) and starts the next one.
    private func seal(_ partition: Int, log: LocalLog) throws(StreamError) {
        let old = active[partition]
        let base = nextOffset(partition, Pending())
        let segment = try Self.createSegment(directory: old.directory, baseOffset: base)
        let fd = try FileIO.open(segment.path)
        Glibc.close(old.fd)
        active[partition] = ActiveSegment(
            fd: fd, path: segment.path, directory: old.directory, baseOffset: base, sizeBytes: segment.durableBytes, recordCount: 0)
        log.state.withLock { $0.partitions[partition].segments.append(segment) }
    }

    /// Creates an empty segment file (header only) and makes it and its name durable.
    static func createSegment(directory: String, baseOffset: Int64) throws(StreamError) -> SegmentIndex {
        let path = directory + "/" + LogSegment.fileName(baseOffset: baseOffset)
        let fd = try FileIO.open(path, create: true)
        defer { Glibc.close(fd) }
        try FileIO.truncate(fd, to: 0, path: path)
        try FileIO.write(fd, LogSegment.header, at: 0, path: path)
        try FileIO.sync(fd, path: path)
        try FileIO.syncDirectory(directory)
        return SegmentIndex(baseOffset: baseOffset, path: path)
    }

    private func commit(group: String, partition: Int, offset: Int64, log: LocalLog) throws(StreamError) {
        try FileIO.makeDirectory(log.offsetsDirectory)
        var offsets = try log.committedOffsets(group: group)
        offsets[partition] = offset
        try FileIO.replace(log.offsetsDirectory + "/" + group, with: ConsumerOffsetsFile.encode(offsets), directory: log.offsetsDirectory)
        let committed = offsets
        log.state.withLock { $0.groups[group] = committed }
    }

    /// Deletes sealed segments beyond `retentionBytes` or older than `retentionTime`.
    private func applyRetention(nowMs: Int64, log: LocalLog) throws(StreamError) {
        let maxBytes = log.options.retentionBytes
        let minTimestamp = log.options.retentionTime.map { nowMs - $0.wholeMilliseconds }
        guard maxBytes != nil || minTimestamp != nil else { return }
        for partition in active.indices {
            let doomed = log.state.withLock { shared -> [SegmentIndex] in
                var index = shared.partitions[partition]
                var removed: [SegmentIndex] = []
                while index.segments.count > 1 {
                    let oldest = index.segments[0]
                    let tooBig = maxBytes.map { index.totalBytes > $0 } ?? false
                    let tooOld = minTimestamp.map { oldest.lastTimestampMs < $0 } ?? false
                    guard tooBig || tooOld else { break }
                    removed.append(index.segments.removeFirst())
                }
                shared.partitions[partition] = index
                return removed
            }
            for segment in doomed {
                try FileIO.remove(segment.path)
                log.logger.debug("deleted stream log segment by retention", metadata: ["segment": "\(segment.path)"])
            }
        }
    }
}
