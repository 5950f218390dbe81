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
    /// The timestamp of the last aligned scrape; nil before the first.
    private var alignedMs: Int64?

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

    /// The timestamp for a scrape that started at wall time `nowMs`: the ideal grid point if
    /// within the tolerance (at most 1 % of the interval), else `nowMs` itself.
    mutating func timestamp(forScrapeAt nowMs: Int64) -> Int64 {
        let intervalMs = max(1, interval.nanoseconds / 1_000_000)
        guard var aligned = alignedMs else {
            alignedMs = nowMs
            return nowMs
        }
        // Ticks may have been skipped (a slow scrape, a suspended machine).
        if nowMs - aligned >= intervalMs { aligned += (nowMs - aligned) / intervalMs * intervalMs }
        alignedMs = aligned
        let toleranceMs = min(intervalMs / 100, Self.timestampTolerance.nanoseconds / 1_000_000)
        return nowMs - aligned <= toleranceMs ? aligned : nowMs
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating (scrape intervals are far below the limit).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
