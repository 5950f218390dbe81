package import Config
package import Stream
import Synchronization

/// The ingesters a querier reads from and the partitions each owns (`stream.ingesters`:
/// static membership, no consensus), with what recent requests said of their health.
///
/// For each query the ring plans which ingester answers for which partition: one per
/// partition, preferring ingesters that answered lately and ones already asked for another
/// partition (fewer requests). An ingester that failed is avoided for `backoff`, but still
/// tried when no other owner of a partition is left.
package final class IngesterRing: Sendable {
    /// One ingester: where it listens and what it owns.
    package struct Member: Sendable, Equatable {
        /// `host:port`.
        package var address: String
        /// The partitions it consumes.
        package var partitions: Set<Int>
    }

    /// The members, in configuration order.
    package let members: [Member]
    /// Maps a series to its partition (`stream.partitions`).
    package let partitioner: StreamPartitioner
    /// How long a failed ingester is tried only as a last resort.
    package let backoff: Duration
    /// When each failed member (by index) may be preferred again.
    private let avoidUntil = Mutex<[Int: ContinuousClock.Instant]>([:])

    /// The ring of `config.ingesters`.
    package init(config: StreamConfig, backoff: Duration = .seconds(10)) {
        members = config.ingesters.map { Member(address: $0.address, partitions: Set($0.partitions)) }
        partitioner = StreamPartitioner(partitionCount: config.partitions)
        self.backoff = backoff
    }

    /// Which member answers for which of `partitions`, skipping members in `excluding`;
    /// partitions no remaining member owns are left out.
    package func plan(for partitions: Set<Int>, excluding: Set<Int>) -> [Int: Set<Int>] {
        let now = ContinuousClock.now
        let avoided = avoidUntil.withLock { avoid in Set(avoid.filter { $0.value > now }.keys) }
        var plan: [Int: Set<Int>] = [:]
        for partition in partitions.sorted() {
            let owners = members.indices.filter { !excluding.contains($0) && members[$0].partitions.contains(partition) }
            let ranked = owners.sorted { a, b in
                (avoided.contains(a) ? 1 : 0, plan[a] == nil ? 1 : 0, a) < (avoided.contains(b) ? 1 : 0, plan[b] == nil ? 1 : 0, b)
            }
            guard let chosen = ranked.first else { continue }
            plan[chosen, default: []].insert(partition)
        }
        return plan
    }

    /// Records that member `index` failed a request.
    package func markFailed(_ index: Int) {
        let until = ContinuousClock.now.advanced(by: backoff)
        avoidUntil.withLock { $0[index] = until }
    }

    /// Records that member `index` answered.
    package func markHealthy(_ index: Int) {
        avoidUntil.withLock { _ = $0.removeValue(forKey: index) }
    }
}
