import Synchronization

/// Every loop task a manager started and that has not ended yet, so `run` can wait for all
/// of them (stopped ones still writing staleness markers included) before it returns.
final class LoopRegistry: Sendable {
    private let loops = Mutex<[ObjectIdentifier: ScrapeLoop]>([:])

    func register(_ loop: ScrapeLoop) {
        loops.withLock { $0[ObjectIdentifier(loop)] = loop }
    }

    func deregister(_ loop: ScrapeLoop) {
        _ = loops.withLock { $0.removeValue(forKey: ObjectIdentifier(loop)) }
    }

    /// Waits for the loops asked to stop (all of them with `includingRunning`) to end.
    func wait(includingRunning: Bool) async {
        while true {
            let pending = loops.withLock { Array($0.values) }.filter { includingRunning || $0.isStopping }
            if pending.isEmpty { return }
            for loop in pending { await loop.wait() }
        }
    }
}
