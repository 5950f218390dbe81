import CoreMetrics
import Foundation
import Logging
import Model
import Synchronization

/// Scrapes one target every interval until stopped (upstream's `scrapeLoop`): one sink batch
/// per scrape, committed at its end; on a failure the batch is rolled back and replaced by
/// staleness markers for everything the last scrape wrote, and `up` 0.
///
/// The loop runs in an unstructured task that it owns: pools start and stop loops from
/// synchronous reloads, and `LoopRegistry` lets the manager await every task before `run`
/// returns, so none outlives it.
final class ScrapeLoop: Sendable {
    /// What the loop needs, fixed for its life.
    struct Context: Sendable {
        let target: ScrapeTarget
        let scraper: TargetScraper
        let options: SampleOptions
        let appendable: any SampleAppendable
        let metrics: ScrapeMetrics
        let offsetSeed: UInt64
        let logger: Logger
    }

    let target: ScrapeTarget
    private let context: Context
    private let control = Mutex(Control())
    private let registry: LoopRegistry

    private struct Control {
        var task: Task<Void, Never>?
        /// The loop of the same target in the pool this one replaces (a reload changed the
        /// job): it ends before this one starts, and hands over its last series.
        var predecessor: ScrapeLoop?
        /// What this loop appended last, for a successor; set when it ends without markers.
        var handover: ScrapeWriter.Handover?
        var forcedError: ScrapeError?
        var writesEndOfRunMarkers = false
        var isStopping = false
    }

    init(context: Context, registry: LoopRegistry, predecessor: ScrapeLoop?) {
        target = context.target
        self.context = context
        self.registry = registry
        control.withLock { $0.predecessor = predecessor }
    }

    /// Starts scraping, at the target's offset within the interval.
    func start() {
        registry.register(self)
        let task = Task { [self] in
            await run()
            registry.deregister(self)
        }
        control.withLock { control in
            control.task = task
            if control.isStopping { task.cancel() }  // stopped before it was started
        }
    }

    /// Asks the loop to stop without waiting for it. With `writeStaleMarkers` (its target went
    /// away) it marks every series it last wrote stale before it ends; without (a reload hands
    /// the target to a new loop, or the server shuts down) it just ends.
    func stop(writeStaleMarkers: Bool) {
        let task = control.withLock { control in
            control.writesEndOfRunMarkers = writeStaleMarkers
            control.isStopping = true
            return control.task
        }
        task?.cancel()
    }

    /// Fails every scrape with `error` instead of scraping (`target_limit`), or scrapes again.
    func setForcedError(_ error: ScrapeError?) {
        control.withLock { $0.forcedError = error }
    }

    /// Waits until the loop's task has ended.
    func wait() async {
        await control.withLock { $0.task }?.value
    }

    var isStopping: Bool { control.withLock { $0.isStopping } }

    private func run() async {
        let clock = ContinuousClock()
        var writer = ScrapeWriter(options: context.options, targetLabels: target.publicLabels)
        if let predecessor = control.withLock({ control in defer { control.predecessor = nil }; return control.predecessor }) {
            // No overlap with the old loop, and what the new config no longer produces goes stale.
            await predecessor.wait()
            if let handover = predecessor.control.withLock({ $0.handover }) { writer.continueFrom(handover) }
        }
        let schedule = ScrapeSchedule(interval: target.interval, targetIdentity: target.identity, offsetSeed: context.offsetSeed)
        let intervalLength = context.metrics.intervalLength(target.interval)
        var logger = context.logger
        logger[metadataKey: "instance"] = "\(target.publicLabels["instance"] ?? "")"
        var next = clock.now.advanced(by: schedule.delayBeforeFirstScrape(nowNs: Self.wallClockNs()))
        var previousStart: ContinuousClock.Instant?
        var expectedBytes = 0
        while (try? await Task.sleep(until: next, clock: clock)) != nil {
            let start = clock.now
            if let previousStart { intervalLength.recordNanoseconds((start - previousStart).nanoseconds) }
            previousStart = start
            let startMs = Self.wallClockNs() / 1_000_000
            let isCompleted = await scrape(
                at: schedule.timestamp(forScrapeAt: startMs), startMs: startMs, with: &writer,
                expectedBytes: &expectedBytes, logger: logger)
            if !isCompleted { break }
            next = next.advanced(by: target.interval)
            // Skip the ticks a slow scrape missed, as Go's ticker drops them.
            while next < clock.now { next = next.advanced(by: target.interval) }
        }
        guard control.withLock({ $0.writesEndOfRunMarkers }) else {
            control.withLock { $0.handover = writer.handover }
            return
        }
        var app = context.appendable.makeAppender(durability: .written)
        writer.writeEndOfRunMarkers(timestampMs: Self.wallClockNs() / 1_000_000, into: &app)
        do {
            try await app.commitBatchAsync()
        } catch {
            logger.warning("Writing staleness markers failed", metadata: ["err": "\(error)"])
        }
    }

    /// One scrape, as one batch: the body's samples (or, on a failure, none of them), the
    /// staleness markers and the synthetic series at `timestampMs`.
    /// - Returns: false when the loop was stopped during the scrape, which then counts for nothing.
    private func scrape(
        at timestampMs: Int64, startMs: Int64, with writer: inout ScrapeWriter, expectedBytes: inout Int, logger: Logger
    ) async -> Bool {
        let start = ContinuousClock.now
        var app = context.appendable.makeAppender(durability: .written)
        var counts = WriteCounts()
        var failure = control.withLock { $0.forcedError }
        if failure == nil {
            do throws(ScrapeError) {
                let response = try await context.scraper.scrape(expectedBytes: expectedBytes)
                expectedBytes = response.body.count
                try writer.write(
                    body: response.body, contentType: response.contentType, timestampMs: timestampMs, counts: &counts, into: &app)
            } catch {
                failure = error
            }
        }
        if Task.isCancelled {
            app.rollback()
            return false
        }
        if failure != nil {
            app.rollback()
            writer.abandon()
        }
        let durationSeconds = Self.seconds(ContinuousClock.now - start)
        writer.finish(
            timestampMs: timestampMs, failure: failure.map(ScrapeFailureReason.init), durationSeconds: durationSeconds,
            counts: counts, into: &app)
        // The health first: whoever sees the batch sees the status that goes with it.
        target.record(startMs: startMs, durationSeconds: durationSeconds, error: failure, metadata: failure == nil ? writer.metadata : nil)
        context.metrics.count(counts, error: failure)
        if let failure { logger.debug("Scrape failed", metadata: ["err": "\(failure)"]) }
        do {
            try await app.commitBatchAsync()
        } catch {
            logger.warning("Scrape commit failed", metadata: ["err": "\(error)"])
        }
        return true
    }

    static func wallClockNs() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1e9)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
