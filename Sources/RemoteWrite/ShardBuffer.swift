import Synchronization

/// The samples waiting in one shard: a bounded FIFO with one producer (the WAL reader) and
/// one consumer (the shard's sender).
///
/// `append` waits while the buffer holds `capacity` elements (backpressure up to the WAL
/// reader, which then stops reading: nothing is dropped); `next` hands out up to a batch,
/// as soon as a full batch is there or at the batch deadline. `close` lets the consumer
/// drain what is left and makes later appends fail.
final class ShardBuffer<Element: Sendable>: Sendable {
    private struct State {
        var elements: [Element] = []
        var head = 0
        var closed = false
        /// The consumer waiting for `batchSize` elements (or close), with its id.
        var consumer: (id: Int, batchSize: Int, continuation: CheckedContinuation<Void, Never>)?
        var nextConsumerID = 0
        /// The producer waiting for room.
        var producer: CheckedContinuation<Void, Never>?

        var count: Int { elements.count - head }
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Elements waiting.
    var count: Int { state.withLock { $0.count } }

    /// Appends `element`, waiting while the buffer is full.
    /// - Returns: `false` if the buffer was closed (before or while waiting); the element is not added.
    func append(_ element: Element) async -> Bool {
        await append(contentsOf: CollectionOfOne(element))
    }

    /// Appends `elements` in order under one lock per run that fits, waiting whenever the
    /// buffer is full.
    /// - Returns: `false` if the buffer was closed first (before or while waiting); the
    ///   elements not yet added are not added.
    func append(contentsOf elements: some Collection<Element>) async -> Bool {
        var rest = elements[...]
        while !rest.isEmpty {
            let outcome: Bool? = state.withLock { state in
                if state.closed { return false }
                let room = capacity - state.count
                guard room > 0 else { return nil }
                let run = rest.prefix(room)
                state.elements.append(contentsOf: run)
                rest = rest[run.endIndex...]
                if let consumer = state.consumer, state.count >= consumer.batchSize {
                    state.consumer = nil
                    consumer.continuation.resume()
                }
                return true
            }
            if outcome == false { return false }
            if outcome == true { continue }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    guard !state.closed, state.count >= capacity else { return true }
                    state.producer = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        return true
    }

    /// Up to `maxCount` elements, oldest first: at once if that many are waiting, else once
    /// they are or at `deadline`, whichever comes first (then possibly none).
    /// - Returns: `nil` once the buffer is closed and drained.
    func next(maxCount: Int, deadline: ContinuousClock.Instant) async -> [Element]? {
        if !isReady(maxCount) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.waitUntilReady(maxCount) }
                group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
                await group.next()
                group.cancelAll()
            }
        }
        return state.withLock { state -> [Element]? in
            if state.count == 0 { return state.closed ? nil : [] }
            let end = state.head + min(maxCount, state.count)
            let batch = Array(state.elements[state.head..<end])
            state.head = end
            if state.head == state.elements.count {
                state.elements.removeAll(keepingCapacity: true)
                state.head = 0
            } else if state.head > 4096, state.head * 2 > state.elements.count {
                state.elements.removeFirst(state.head)
                state.head = 0
            }
            if let producer = state.producer {
                state.producer = nil
                producer.resume()
            }
            return batch
        }
    }

    /// Ends the buffer: the consumer drains what is left, the producer's appends fail.
    func close() {
        let (consumer, producer) = state.withLock { state in
            state.closed = true
            defer { state.consumer = nil; state.producer = nil }
            return (state.consumer?.continuation, state.producer)
        }
        consumer?.resume()
        producer?.resume()
    }

    private func isReady(_ batchSize: Int) -> Bool {
        state.withLock { $0.closed || $0.count >= batchSize }
    }

    private func waitUntilReady(_ batchSize: Int) async {
        let id = state.withLock { state in
            defer { state.nextConsumerID += 1 }
            return state.nextConsumerID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.closed || state.count >= batchSize || Task.isCancelled { return true }
                    state.consumer = (id, batchSize, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let consumer = state.consumer, consumer.id == id else { return nil }
                state.consumer = nil
                return consumer.continuation
            }
            waiting?.resume()
        }
    }
}
