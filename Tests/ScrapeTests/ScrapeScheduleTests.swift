@testable import Scrape
import Testing

/// Offsets and timestamp alignment, with the time as an argument.
@Suite struct ScrapeScheduleTests {
    @Test func firstScrapeLandsOnTheTargetsPhase() {
        let schedule = ScrapeSchedule(interval: .seconds(15), targetIdentity: 12_345_678_901, offsetSeed: 42)
        for nowNs: Int64 in [0, 1, 7_000_000_000, 1_700_000_000_123_456_789] {
            let delay = schedule.delayBeforeFirstScrape(nowNs: nowNs)
            #expect(delay > .zero && delay <= .seconds(15))
            #expect((nowNs + delay.nanoseconds) % 15_000_000_000 == schedule.phase.nanoseconds)
        }
    }

    @Test func targetsSpreadOverTheInterval() {
        let phases = Set((0..<100).map { ScrapeSchedule(interval: .seconds(10), targetIdentity: UInt64($0) &* 0x9E37_79B9_7F4A_7C15, offsetSeed: 7).phase })
        #expect(phases.count > 90)
    }

    @Test func timestampsWithinToleranceSnapToTheGrid() {
        let schedule = ScrapeSchedule(interval: .seconds(10), targetIdentity: 3_000_000_000, offsetSeed: 0)
        #expect(schedule.phase == .seconds(3))
        #expect(schedule.timestamp(forScrapeAt: 1_700_000_003_000) == 1_700_000_003_000)
        #expect(schedule.timestamp(forScrapeAt: 1_700_000_013_001) == 1_700_000_013_000)  // 1 ms late
        #expect(schedule.timestamp(forScrapeAt: 1_700_000_023_002) == 1_700_000_023_000)  // 2 ms late: the tolerance
        #expect(schedule.timestamp(forScrapeAt: 1_700_000_033_003) == 1_700_000_033_003)  // 3 ms late: kept
        #expect(schedule.timestamp(forScrapeAt: 1_700_000_042_999) == 1_700_000_043_000)  // 1 ms early
        #expect(schedule.timestamp(forScrapeAt: 1_700_000_048_000) == 1_700_000_048_000)  // off the grid
    }

    @Test func toleranceIsAtMostOnePercentOfTheInterval() {
        let schedule = ScrapeSchedule(interval: .milliseconds(100), targetIdentity: 0, offsetSeed: 0)
        #expect(schedule.timestamp(forScrapeAt: 5_101) == 5_100)
        #expect(schedule.timestamp(forScrapeAt: 5_202) == 5_202)
    }
}
