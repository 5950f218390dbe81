import Testing

@testable import RemoteWrite

/// Shard counts as Prometheus's `calculateDesiredShards` computes them.
@Suite struct ShardCalculatorTests {
    /// One interval of traffic: `inRate` samples/s read, `outRate` sent, each send taking
    /// `secondsPerSample`.
    private func interval(_ calculator: inout ShardCalculator, current: Int, inRate: Double, outRate: Double,
                          secondsPerSample: Double, behindSeconds: Double = 0) -> Int {
        calculator.samplesIn.add(inRate * 10)
        calculator.samplesOut.add(outRate * 10)
        calculator.sendDuration.add(outRate * 10 * secondsPerSample * 1e9)
        return calculator.desiredShards(current: current, highestReadSeconds: 1_000 + behindSeconds, highestSentSeconds: 1_000)
    }

    @Test func keepsTheCountWithinTolerance() {
        var calculator = ShardCalculator(minShards: 1, maxShards: 50)
        // 1,000 samples/s at 1 ms each: one shard is busy all the time.
        #expect(interval(&calculator, current: 1, inRate: 1_000, outRate: 1_000, secondsPerSample: 0.001) == 1)
    }

    @Test func growsWithLoadAndIsClampedToMaxShards() {
        var calculator = ShardCalculator(minShards: 1, maxShards: 50)
        // Ten times what one shard can send.
        #expect(interval(&calculator, current: 1, inRate: 10_000, outRate: 1_000, secondsPerSample: 0.001) == 10)
        var capped = ShardCalculator(minShards: 1, maxShards: 4)
        #expect(interval(&capped, current: 1, inRate: 10_000, outRate: 1_000, secondsPerSample: 0.001) == 4)
    }

    @Test func shrinksOnlyWhenNotBehind() {
        var calculator = ShardCalculator(minShards: 2, maxShards: 50)
        #expect(interval(&calculator, current: 10, inRate: 100, outRate: 100, secondsPerSample: 0.001, behindSeconds: 30) == 10)
        var idle = ShardCalculator(minShards: 2, maxShards: 50)
        #expect(interval(&idle, current: 10, inRate: 100, outRate: 100, secondsPerSample: 0.001) == 2, "clamped to min_shards")
    }

    @Test func nothingSentKeepsTheCount() {
        var calculator = ShardCalculator(minShards: 1, maxShards: 50)
        #expect(interval(&calculator, current: 3, inRate: 100, outRate: 0, secondsPerSample: 0) == 3)
    }
}
