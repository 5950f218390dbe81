import Testing
import TSDB

@testable import RemoteWrite

/// The persisted position only passes records whose samples are all done.
@Suite struct DeliveryTrackerTests {
    private func position(_ offset: Int) -> WALPosition { WALPosition(segment: 2, offset: offset) }

    @Test func commitsTheLongestCompletedPrefix() {
        var tracker = DeliveryTracker(committed: position(0))
        let a = tracker.add(end: position(10), samples: 3)
        let b = tracker.add(end: position(20), samples: 2)
        let c = tracker.add(end: position(30), samples: 0)  // a series record: nothing to send
        #expect(tracker.committed == position(0) && tracker.pendingSamples == 5)
        tracker.complete(ticket: b, count: 2)  // a later record finishing first moves nothing
        #expect(tracker.committed == position(0))
        tracker.complete(ticket: a, count: 1)
        #expect(tracker.committed == position(0))
        tracker.complete(ticket: a, count: 2)
        #expect(tracker.committed == position(30), "b finished and c had nothing to send")
        #expect(tracker.pendingSamples == 0)
        _ = c
        let d = tracker.add(end: position(40), samples: 1)
        #expect(tracker.committed == position(30))
        tracker.complete(ticket: d, count: 1)
        #expect(tracker.committed == position(40))
    }

    /// Many records completed in a scrambled order commit exactly when their prefix is done.
    @Test func scrambledCompletionsOverManyRecords() {
        var tracker = DeliveryTracker(committed: position(0))
        var tickets = (1...5_000).map { tracker.add(end: position($0), samples: $0 % 3) }
        var generator = SystemRandomNumberGenerator()
        tickets.shuffle(using: &generator)
        var done = Set<Int>()
        for ticket in tickets {
            let samples = (ticket + 1) % 3
            if samples > 0 { tracker.complete(ticket: ticket, count: samples) }
            done.insert(ticket)
            var prefix = 0
            while prefix < 5_000, done.contains(prefix) || (prefix + 1) % 3 == 0 { prefix += 1 }
            #expect(tracker.committed == position(prefix))
        }
        #expect(tracker.committed == position(5_000))
    }
}
