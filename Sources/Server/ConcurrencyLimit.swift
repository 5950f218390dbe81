import Synchronization

/// Admits at most `limit` requests of one kind at once and refuses the rest at once, so a
/// burst of remote writes or pushes cannot pile up request bodies in memory: the caller answers
/// 503 with `Retry-After`, which remote-write senders retry with backoff.
package final class ConcurrencyLimit: Sendable {
    /// The most requests admitted at once.
    package let limit: Int
    private let inFlight = Atomic<Int>(0)

    /// A limit of `limit` requests at once (at least one).
    package init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot if one is free; a `true` answer must be followed by `release()`.
    package func tryAcquire() -> Bool {
        var current = inFlight.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = inFlight.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiring)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Frees a slot taken by `tryAcquire()`.
    package func release() {
        inFlight.subtract(1, ordering: .releasing)
    }
}
