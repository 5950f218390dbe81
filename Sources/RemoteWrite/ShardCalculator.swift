/// How many shards a queue should run, computed as Prometheus's queue manager does
/// (`storage/remote/queue_manager.go`, `calculateDesiredShards`): every `updateInterval`
/// (10 s) the rates of samples in (read from the WAL), out (sent) and dropped, and the
/// time spent sending, are folded into moving averages; the shards needed are the time per
/// sample times the incoming rate plus 5 % of the backlog per second. Changes within 30 % of
/// the current count are ignored, and the count does not shrink while more than 10 s behind.
struct ShardCalculator: Sendable {
    /// Prometheus's `shardUpdateDuration`.
    static let updateInterval: Duration = .seconds(10)
    /// Prometheus's `shardToleranceFraction`.
    static let toleranceFraction = 0.3
    /// The moving averages' weight of the newest interval (Prometheus's `ewmaWeight`).
    static let weight = 0.2

    /// A rate as an exponentially weighted moving average (Prometheus's `ewmaRate`).
    struct Rate: Sendable {
        private(set) var perSecond = 0.0
        private var initialised = false
        private var events = 0.0

        mutating func add(_ count: Double) { events += count }

        /// Closes an interval of `seconds`.
        mutating func tick(seconds: Double) {
            let instant = events / seconds
            events = 0
            if initialised {
                perSecond += ShardCalculator.weight * (instant - perSecond)
            } else if instant > 0 {
                perSecond = instant
                initialised = true
            }
        }
    }

    let minShards: Int
    let maxShards: Int
    var samplesIn = Rate()
    var samplesOut = Rate()
    var samplesDropped = Rate()
    /// Nanoseconds spent sending, per second.
    var sendDuration = Rate()

    init(minShards: Int, maxShards: Int) {
        self.minShards = minShards
        self.maxShards = maxShards
    }

    /// Closes an interval and returns the shards wanted.
    /// - Parameters:
    ///   - current: the shards running.
    ///   - highestReadSeconds: the newest sample timestamp read from the WAL.
    ///   - highestSentSeconds: the newest sample timestamp sent.
    mutating func desiredShards(current: Int, highestReadSeconds: Double, highestSentSeconds: Double,
                                intervalSeconds: Double = 10) -> Int {
        samplesIn.tick(seconds: intervalSeconds)
        samplesOut.tick(seconds: intervalSeconds)
        samplesDropped.tick(seconds: intervalSeconds)
        sendDuration.tick(seconds: intervalSeconds)
        let inRate = samplesIn.perSecond, outRate = samplesOut.perSecond
        guard outRate > 0 else { return current }
        let keptRatio = outRate / (outRate + samplesDropped.perSecond)
        let delay = max(0, highestReadSeconds - highestSentSeconds)
        let pending = delay * inRate * keptRatio
        let timePerSample = sendDuration.perSecond / 1e9 / outRate
        let wanted = (timePerSample * (inRate * keptRatio + 0.05 * pending)).rounded(.up)
        let lower = Double(current) * (1 - Self.toleranceFraction)
        let upper = Double(current) * (1 + Self.toleranceFraction)
        if lower <= wanted && wanted <= upper { return current }
        var shards = Int(min(wanted, Double(Int32.max)))
        if shards < current && delay > 10 { return current }
        shards = min(max(shards, minShards), maxShards)
        return shards
    }
}
