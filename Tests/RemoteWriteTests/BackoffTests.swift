import Testing

@testable import RemoteWrite

@Suite struct BackoffTests {
    /// Waits double up to `max_backoff`; jitter keeps each in the upper half of its step.
    @Test func doublesUpToTheCapWithJitter() {
        var backoff = Backoff(minimum: .milliseconds(30), maximum: .milliseconds(200))
        let steps = (0..<6).map { _ in backoff.next(unit: 1) }
        #expect(steps == [.milliseconds(30), .milliseconds(60), .milliseconds(120), .milliseconds(200),
                          .milliseconds(200), .milliseconds(200)])
        var low = Backoff(minimum: .milliseconds(30), maximum: .milliseconds(200))
        #expect(low.next(unit: 0) == .milliseconds(15))
        #expect(low.next(unit: 0.5) == .milliseconds(45))
    }
}
