/// Capped exponential backoff with jitter between retries of one request (`min_backoff`,
/// `max_backoff` of `queue_config`): each wait doubles, up to the cap, and is drawn from its
/// upper half so that shards that failed together do not retry together.
struct Backoff: Sendable {
    let minimum: Duration
    let maximum: Duration
    private var current: Duration

    init(minimum: Duration, maximum: Duration) {
        self.minimum = minimum
        self.maximum = maximum
        current = minimum
    }

    /// The wait before the next retry; `unit` in [0, 1) picks where in the jitter range it
    /// falls (a random number in production, fixed in tests).
    mutating func next(unit: Double) -> Duration {
        let base = current
        current = min(maximum, current * 2)
        return base / 2 + base / 2 * min(max(unit, 0), 1)
    }
}
