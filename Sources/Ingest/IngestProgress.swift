import Synchronization

/// How far an ingester's partitions are consumed, for its readiness: an ingester answers
/// queries only once every partition it owns has caught up with the end offset the partition
/// had when consuming (re)started, so a querier never reads a replica that is still replaying
/// (Mimir's ingesters wait for the same before they are ready).
package final class IngestProgress: Sendable {
    private struct Partition {
        /// The next offset to consume.
        var position: Int64
        /// The partition's end offset when consuming started.
        var target: Int64
    }
    private let state: Mutex<[Int: Partition]>
    private let owned: Set<Int>

    /// Progress for the partitions in `owned`, none started yet.
    package init(owned: Set<Int>) {
        self.owned = owned
        state = Mutex([:])
    }

    /// Records that consuming `partition` (re)starts at `position` and has to reach `target`.
    package func start(_ partition: Int, position: Int64, target: Int64) {
        state.withLock { $0[partition] = Partition(position: position, target: target) }
    }

    /// Records that `partition` is consumed up to, not including, `position`.
    package func advance(_ partition: Int, to position: Int64) {
        state.withLock { $0[partition]?.position = position }
    }

    /// The next offset to consume of `partition`, once consuming it started.
    package func position(of partition: Int) -> Int64? {
        state.withLock { $0[partition]?.position }
    }

    /// Whether every owned partition has started and reached its target.
    package var isCaughtUp: Bool {
        state.withLock { partitions in
            owned.allSatisfy { partitions[$0].map { $0.position >= $0.target } ?? false }
        }
    }

    /// Each started partition's distance to its target, in records (0 once caught up).
    package var lagByPartition: [Int: Int64] {
        state.withLock { partitions in partitions.mapValues { max(0, $0.target - $0.position) } }
    }
}
