internal import Exposition
internal import Stream
internal import Synchronization

/// One partition's record chain on a distributor (`ChainedRecordEncoder`): records are encoded
/// and queued on the stream under one lock, so they reach the partition in chain order, and a
/// record counts as appended only when it and every earlier record of its chain are durable —
/// a reader cannot decode a record whose predecessors are missing. After a failed append the
/// next record starts a new chain.
final class ChainedPartitionWriter: Sendable {
    private struct State {
        var encoder: ChainedRecordEncoder
        var deliveries = ChainDeliveries()
    }

    private let state: Mutex<State>

    /// A writer whose chains last `maxAgeMs`.
    init(maxAgeMs: Int64) {
        state = Mutex(State(encoder: ChainedRecordEncoder(maxAgeMs: maxAgeMs)))
    }

    /// Encodes `batches` as the next records of the chain, queues them on `partition` of
    /// `stream`, and calls `completion` once: with success when they and every earlier record
    /// of their chain are durable, else with the first failure.
    func append(_ batches: [RemoteWriteBatch], to stream: some Stream, partition: Int, nowMs: Int64,
                completion: @escaping @Sendable (Result<Void, StreamError>) -> Void) {
        state.withLock { state in
            if state.deliveries.hasFailed {
                state.encoder.startNewChain()
                state.deliveries = ChainDeliveries()
            }
            // Records of one chain, in order; a chain that ends within `batches` makes two.
            var runs: [(deliveries: ChainDeliveries, first: UInt64, payloads: [[UInt8]])] = []
            for batch in batches {
                let chain = state.encoder.chainID
                let payload = state.encoder.encode(batch, nowMs: nowMs)
                if state.encoder.chainID != chain { state.deliveries = ChainDeliveries() }
                if let last = runs.indices.last, runs[last].deliveries === state.deliveries {
                    runs[last].payloads.append(payload)
                } else {
                    runs.append((state.deliveries, state.encoder.nextSequence - 1, [payload]))
                }
            }
            let join = CompletionJoin(count: runs.count, completion)
            for run in runs {
                let sequences = run.first...(run.first + UInt64(run.payloads.count) - 1)
                run.deliveries.wait(through: sequences.upperBound, join.report)
                stream.enqueue(run.payloads, to: partition) { result in
                    run.deliveries.report(sequences, result.map { _ in () })
                }
            }
        }
    }
}

/// Calls a completion once `count` reports came, with the first failure if any.
final class CompletionJoin: Sendable {
    private let state: Mutex<(remaining: Int, failure: StreamError?)>
    private let completion: @Sendable (Result<Void, StreamError>) -> Void

    init(count: Int, _ completion: @escaping @Sendable (Result<Void, StreamError>) -> Void) {
        state = Mutex((count, nil))
        self.completion = completion
        if count == 0 { completion(.success(())) }
    }

    @Sendable func report(_ result: Result<Void, StreamError>) {
        let finished = state.withLock { state -> Result<Void, StreamError>? in
            if case .failure(let error) = result, state.failure == nil { state.failure = error }
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            return state.failure.map { .failure($0) } ?? .success(())
        }
        if let finished { completion(finished) }
    }
}

/// The delivery reports of one chain's records and who waits for them: a wait through
/// sequence `s` succeeds once every record up to `s` was appended and fails as soon as one of
/// them failed.
final class ChainDeliveries: Sendable {
    private struct State {
        /// Every record before this one was appended.
        var appendedBelow: UInt64 = 0
        /// Appended ranges not yet joined to `appendedBelow` (reports out of order).
        var appendedAhead: [ClosedRange<UInt64>] = []
        var failure: (sequence: UInt64, error: StreamError)?
        var waiters: [(through: UInt64, completion: @Sendable (Result<Void, StreamError>) -> Void)] = []
    }

    private let state = Mutex(State())

    /// Whether a record of the chain failed: the chain cannot go on.
    var hasFailed: Bool { state.withLock { $0.failure != nil } }

    /// Calls `completion` once the records through `sequence` are settled.
    func wait(through sequence: UInt64, _ completion: @escaping @Sendable (Result<Void, StreamError>) -> Void) {
        state.withLock { $0.waiters.append((sequence, completion)) }
    }

    /// Records the outcome of the records `sequences` and completes the waits it settles.
    func report(_ sequences: ClosedRange<UInt64>, _ result: Result<Void, StreamError>) {
        let settled = state.withLock { state in
            switch result {
            case .success:
                state.appendedAhead.append(sequences)
                state.appendedAhead.sort { $0.lowerBound < $1.lowerBound }
                while let next = state.appendedAhead.first, next.lowerBound <= state.appendedBelow {
                    state.appendedBelow = max(state.appendedBelow, next.upperBound + 1)
                    state.appendedAhead.removeFirst()
                }
            case .failure(let error):
                if state.failure.map({ sequences.lowerBound < $0.sequence }) ?? true {
                    state.failure = (sequences.lowerBound, error)
                }
            }
            var settled: [(@Sendable (Result<Void, StreamError>) -> Void, Result<Void, StreamError>)] = []
            state.waiters.removeAll { waiter in
                if let failure = state.failure, waiter.through >= failure.sequence {
                    settled.append((waiter.completion, .failure(failure.error)))
                    return true
                }
                if waiter.through < state.appendedBelow {
                    settled.append((waiter.completion, .success(())))
                    return true
                }
                return false
            }
            return settled
        }
        for (completion, result) in settled { completion(result) }
    }
}
