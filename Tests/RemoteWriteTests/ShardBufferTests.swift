import Testing

@testable import RemoteWrite

/// The shard queue: backpressure at capacity, batches at size or deadline, drain on close.
@Suite struct ShardBufferTests {
    @Test func fullBatchesComeAtOnceAndPartialOnesAtTheDeadline() async {
        let buffer = ShardBuffer<Int>(capacity: 10)
        for i in 0..<5 { #expect(await buffer.append(i)) }
        let far = ContinuousClock.now + .seconds(600)
        #expect(await buffer.next(maxCount: 3, deadline: far) == [0, 1, 2])
        #expect(await buffer.next(maxCount: 3, deadline: .now) == [3, 4], "the deadline passed: what is there")
        #expect(await buffer.next(maxCount: 3, deadline: .now) == [])
    }

    /// A producer at capacity waits until the consumer takes a batch; nothing is dropped.
    @Test func appendWaitsForRoom() async {
        let buffer = ShardBuffer<Int>(capacity: 4)
        let producer = Task {
            defer { buffer.close() }  // the last partial batch comes out at close, not at the deadline
            for i in 0..<100 { guard await buffer.append(i) else { return false } }
            return true
        }
        var received = [Int]()
        while let batch = await buffer.next(maxCount: 3, deadline: .now + .seconds(600)) {
            received += batch
            #expect(buffer.count <= 4)
        }
        #expect(await producer.value)
        #expect(received == Array(0..<100))
    }

    /// A run longer than the capacity goes in as room frees up, in order, nothing dropped.
    @Test func appendContentsOfWaitsForRoomBetweenRuns() async {
        let buffer = ShardBuffer<Int>(capacity: 7)
        let producer = Task {
            defer { buffer.close() }
            for start in stride(from: 0, to: 300, by: 50) {
                guard await buffer.append(contentsOf: start..<(start + 50)) else { return false }
            }
            return true
        }
        var received = [Int]()
        while let batch = await buffer.next(maxCount: 5, deadline: .now + .seconds(600)) {
            received += batch
            #expect(buffer.count <= 7)
        }
        #expect(await producer.value)
        #expect(received == Array(0..<300))
    }

    /// Closing while a long run waits for room refuses the rest of the run.
    @Test func closeRefusesTheRestOfARun() async {
        let buffer = ShardBuffer<Int>(capacity: 3)
        let blocked = Task { await buffer.append(contentsOf: 0..<10) }
        let deadline = ContinuousClock.now + .seconds(30)
        while buffer.count < 3, ContinuousClock.now < deadline { await Task.yield() }
        buffer.close()
        #expect(await blocked.value == false)
        #expect(await buffer.next(maxCount: 10, deadline: .now + .seconds(600)) == [0, 1, 2])
        #expect(await buffer.next(maxCount: 10, deadline: .now + .seconds(600)) == nil)
    }

    /// Closing wakes a waiting consumer and producer; the rest is drained, then `nil`.
    @Test func closeDrainsThenEnds() async {
        let buffer = ShardBuffer<Int>(capacity: 2)
        #expect(await buffer.append(1))
        #expect(await buffer.append(2))
        let blocked = Task { await buffer.append(3) }
        let waiting = Task { await buffer.next(maxCount: 5, deadline: .now + .seconds(600)) }
        buffer.close()
        #expect(await blocked.value == false)
        #expect(await waiting.value == [1, 2])
        #expect(await buffer.next(maxCount: 5, deadline: .now + .seconds(600)) == nil)
        #expect(await buffer.append(4) == false)
    }
}
