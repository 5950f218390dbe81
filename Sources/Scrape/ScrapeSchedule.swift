/// When a loop scrapes and which timestamp a scrape gets, as upstream's `Target.offset` and the
/// timestamp alignment in `scrapeLoop.run` (`scrape/target.go`, `scrape/scrape.go`). A value
/// that takes the time as an argument, so tests drive it without a clock.
struct ScrapeSchedule: Sendable {
    /// Upstream's `scrape.timestamp-tolerance` default: timestamps this close to the ideal
    /// grid are moved onto it, so TSDB chunks see constant deltas (prometheus#7846).
    static let timestampTolerance: Duration = .milliseconds(2)

    let interval: Duration
    /// Where in each interval the loop scrapes, measured from the Unix epoch modulo `interval`.
    let phase: Duration

    /// Spreads a pool's targets over the interval by a hash of each target and of the machine
    /// (`offsetSeed`), so all machines and targets do not scrape at the same instant.
    init(interval: Duration, targetIdentity: UInt64, offsetSeed: UInt64) {
        self.interval = interval
        let intervalNs = UInt64(max(1, interval.nanoseconds))
        phase = .nanoseconds(Int64((targetIdentity ^ offsetSeed) % intervalNs))
    }

    /// How long to wait, at wall time `nowNs` (ns since the epoch), for the first scrape.
    func delayBeforeFirstScrape(nowNs: Int64) -> Duration {
        let intervalNs = max(1, interval.nanoseconds)
        var next = intervalNs - nowNs % intervalNs + phase.nanoseconds
        if next > intervalNs { next -= intervalNs }
        return .nanoseconds(next)
    }

    /// The timestamp for a scrape that started at wall time `nowMs`: the nearest point of the
    /// loop's grid (`phase` + k × `interval`) when within the tolerance (at most 1 % of the
    /// interval), else `nowMs` itself.
    ///
    /// Upstream anchors the grid at the first scrape's actual start, so a late first scrape
    /// shifts every later timestamp off the schedule; the grid here is the schedule itself,
    /// which needs no state and gives the same timestamps when the first scrape is on time.
    func timestamp(forScrapeAt nowMs: Int64) -> Int64 {
        let intervalMs = max(1, interval.nanoseconds / 1_000_000)
        let toleranceMs = min(intervalMs / 100, Self.timestampTolerance.nanoseconds / 1_000_000)
        let sinceGridPoint = ((nowMs - phase.nanoseconds / 1_000_000) % intervalMs + intervalMs) % intervalMs
        if sinceGridPoint <= toleranceMs { return nowMs - sinceGridPoint }
        if intervalMs - sinceGridPoint <= toleranceMs { return nowMs + (intervalMs - sinceGridPoint) }
        return nowMs
    }
}
