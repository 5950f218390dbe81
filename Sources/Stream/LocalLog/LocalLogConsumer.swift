internal import Foundation
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// Reads one partition of a `LocalLog`: durable records only, checksums checked on every read.
package final class LocalLogConsumer: StreamConsumer {
    private let log: LocalLog
    /// The partition read.
    package let partition: Int
    private let position: Mutex<Int64>
    private let closed = Atomic<Bool>(false)

    /// The most bytes one `poll` reads (beyond one record), so a far-behind consumer catches up
    /// in bounded steps.
    static let maxBytesPerPoll: Int64 = 16 << 20

    init(log: LocalLog, partition: Int, offset: Int64) {
        self.log = log
        self.partition = partition
        self.position = Mutex(offset)
    }

    /// The offset of the next record `poll` returns.
    package var offset: Int64 { position.withLock { $0 } }

    package func close() async {
        closed.store(true, ordering: .releasing)
    }

    package func poll(maxRecords: Int, maxWait: Duration) async throws(StreamError) -> [StreamRecord] {
        guard !closed.load(ordering: .acquiring) else { throw .closed }
        let deadline = ContinuousClock.now + maxWait
        while true {
            let from = offset
            let records = try log.read(partition: partition, from: from, maxRecords: maxRecords)
            if let last = records.last {
                position.withLock { $0 = last.offset + 1 }
                return records
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return [] }
            await log.waitForAppend(partition: partition, after: from, timeout: remaining)
            if ContinuousClock.now >= deadline {
                // One last look: the wake-up may have been the append itself.
                let records = try log.read(partition: partition, from: from, maxRecords: maxRecords)
                if let last = records.last { position.withLock { $0 = last.offset + 1 } }
                return records
            }
        }
    }
}

extension LocalLog {
    /// Up to `maxRecords` durable records of `partition` from `offset`; empty at the end.
    /// - Throws: `.offsetOutOfRange` below the retained records (retention) or past the end;
    ///   `.corruptRecord` when a record fails its checks.
    func read(partition: Int, from offset: Int64, maxRecords: Int) throws(StreamError) -> [StreamRecord] {
        // Under the lock: which file and which bytes. The read itself runs outside it.
        let plan = try state.withLock { shared throws(StreamError) -> (path: String, start: Int64, positions: [Int64], end: Int64)? in
            guard !shared.closed else { throw .closed }
            let index = shared.partitions[partition]
            let valid = index.startOffset...index.endOffset
            guard valid.contains(offset) else { throw .offsetOutOfRange(offset, partition: partition, valid: valid) }
            if offset == index.endOffset { return nil }
            guard let s = index.segment(containing: offset) else {
                throw .corruptRecord(path: index.directory, position: 0, reason: "no segment holds offset \(offset)")
            }
            let segment = index.segments[s]
            guard offset < segment.endOffset else {
                // Only a sealed segment damaged after it was synced ends before the next begins.
                throw .corruptRecord(path: segment.path, position: segment.durableBytes,
                                     reason: "offset \(offset) lies at or after a damaged record")
            }
            let first = Int(offset - segment.baseOffset)
            var last = min(first + max(1, maxRecords), segment.positions.count)
            let start = segment.positions[first]
            func end(_ i: Int) -> Int64 { i < segment.positions.count ? segment.positions[i] : segment.durableBytes }
            while last > first + 1, end(last) - start > LocalLogConsumer.maxBytesPerPoll { last -= 1 }
            return (segment.path, start, Array(segment.positions[first..<last]), end(last))
        }
        guard let plan else { return [] }
        let bytes: [UInt8]
        do throws(StreamError) {
            let fd = try FileIO.openForReading(plan.path)
            defer { Glibc.close(fd) }
            bytes = try FileIO.read(fd, count: Int(plan.end - plan.start), at: plan.start, path: plan.path)
        } catch {
            if case .io(_, _, let code) = error, code == ENOENT {
                // Retention removed the segment between planning and reading.
                let valid = try state.withLock { shared throws(StreamError) in
                    guard !shared.closed else { throw StreamError.closed }
                    return shared.partitions[partition].startOffset...shared.partitions[partition].endOffset
                }
                throw .offsetOutOfRange(offset, partition: partition, valid: valid)
            }
            throw error
        }
        let maxPayload = options.maxRecordBytes
        return try bytes.withUnsafeBytes { raw -> Result<[StreamRecord], StreamError> in
            var records: [StreamRecord] = []
            records.reserveCapacity(plan.positions.count)
            for (i, position) in plan.positions.enumerated() {
                let expected = offset + Int64(i)
                switch LogSegment.record(at: Int(position - plan.start), in: raw, expectedOffset: expected, maxPayloadBytes: maxPayload) {
                case .success(let record):
                    records.append(StreamRecord(offset: expected, payload: Array(raw[record.payload])))
                case .failure(let problem):
                    return .failure(.corruptRecord(path: plan.path, position: position, reason: problem.description))
                }
            }
            return .success(records)
        }.get()
    }

    /// Suspends until `partition` has a durable record at or after `offset`, the log closes, or
    /// `timeout` passes.
    func waitForAppend(partition: Int, after offset: Int64, timeout: Duration) async {
        let id = state.withLock { shared -> UInt64 in
            shared.nextWaiterID += 1
            return shared.nextWaiterID
        }
        let timer = Task { [state] in
            do { try await Task.sleep(for: timeout) } catch { return }
            let waiter = state.withLock { shared in
                guard let waiter = shared.waiters[partition]?.removeValue(forKey: id) else {
                    shared.expiredWaiters.insert(id)  // fired before the waiter was registered
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { shared -> Bool in
                if shared.closed || shared.partitions[partition].endOffset > offset { return true }
                if shared.expiredWaiters.remove(id) != nil { return true }
                shared.waiters[partition, default: [:]][id] = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        timer.cancel()
        state.withLock { _ = $0.expiredWaiters.remove(id) }
    }
}
