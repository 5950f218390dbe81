/// When the discovery manager publishes: at most once per `interval`, on ticks of a fixed
/// cadence, and only if something changed since the last publication.
///
/// Prometheus's manager (`discovery/manager.go`, `sender`) runs a 5 s ticker and sends on a tick
/// only when an update arrived since the previous one. This is the same schedule without idle
/// ticking: an update arriving between ticks schedules a publication at the next tick, and further
/// updates before that tick are folded into it.
struct UpdateThrottle<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The tick period (`updatert`; 5 s by default).
    let interval: Duration
    /// The first tick's reference: ticks fall at `origin + k * interval`, k ≥ 1.
    let origin: Instant
    /// The tick at which the pending publication happens, if one is pending.
    private(set) var scheduled: Instant?

    init(interval: Duration, origin: Instant) {
        precondition(interval > .zero, "BUG: the discovery update interval must be positive")
        self.interval = interval
        self.origin = origin
    }

    /// Records an update at `now`. Returns the tick to wait for when this update schedules a new
    /// publication, `nil` when one is already pending.
    mutating func updateArrived(at now: Instant) -> Instant? {
        guard scheduled == nil else { return nil }
        let tick = nextTick(after: now)
        scheduled = tick
        return tick
    }

    /// The scheduled tick was reached: returns whether to publish (and clears the schedule).
    mutating func tickReached() -> Bool {
        defer { scheduled = nil }
        return scheduled != nil
    }

    /// The first tick strictly after `now`.
    func nextTick(after now: Instant) -> Instant {
        let elapsed = origin.duration(to: now)
        guard elapsed >= .zero else { return origin.advanced(by: interval) }
        let ticks = Self.nanoseconds(elapsed) / max(1, Self.nanoseconds(interval)) + 1
        return origin.advanced(by: interval * ticks)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }
}
