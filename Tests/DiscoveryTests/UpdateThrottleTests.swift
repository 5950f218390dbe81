import Testing

@testable import Discovery
import PharosTestSupport

@Suite struct UpdateThrottleTests {
    typealias Instant = ManualClock.Instant
    func at(_ milliseconds: Int) -> Instant { Instant(offset: .milliseconds(milliseconds)) }

    @Test func firstUpdateWaitsForTheNextTick() {
        var throttle = UpdateThrottle(interval: .seconds(5), origin: at(0))
        #expect(throttle.updateArrived(at: at(1_200)) == at(5_000))
        #expect(throttle.tickReached() == true)
        let publishedAgain = throttle.tickReached()
        #expect(!publishedAgain, "nothing arrived since the last publication")
    }

    @Test func updatesBeforeTheTickFoldIntoOnePublication() {
        var throttle = UpdateThrottle(interval: .seconds(5), origin: at(0))
        #expect(throttle.updateArrived(at: at(6_000)) == at(10_000))
        #expect(throttle.updateArrived(at: at(7_000)) == nil)
        #expect(throttle.updateArrived(at: at(9_999)) == nil)
        #expect(throttle.tickReached() == true)
        #expect(throttle.updateArrived(at: at(10_000)) == at(15_000), "an update on a tick waits for the next one")
    }

    @Test func ticksKeepTheirCadenceAcrossQuietPeriods() {
        var throttle = UpdateThrottle(interval: .seconds(5), origin: at(500))
        #expect(throttle.updateArrived(at: at(123_456)) == at(125_500))
        #expect(throttle.tickReached() == true)
        #expect(throttle.nextTick(after: at(0)) == at(5_500), "an instant before the origin goes to the first tick")
    }

    @Test(arguments: [1, 7, 1_000, 60_000])
    func publicationsAreAtLeastOneIntervalApart(intervalMs: Int) {
        var throttle = UpdateThrottle(interval: .milliseconds(intervalMs), origin: at(0))
        var lastPublication: Instant?
        var generator = SeededGenerator(seed: UInt64(intervalMs))
        var now = at(0)
        for _ in 0..<500 {
            now = now.advanced(by: .milliseconds(Int.random(in: 0...(2 * intervalMs), using: &generator)))
            if let tick = throttle.updateArrived(at: now) {
                #expect(tick > now)
                #expect(throttle.tickReached() == true)
                if let lastPublication { #expect(lastPublication.duration(to: tick) >= .milliseconds(intervalMs)) }
                lastPublication = tick
                now = tick
            }
        }
    }
}
