// No Foundation here: its `Stream` class would shadow the `Stream` protocol in this file.
import Ingest
import Logging
import Stream
import TSDB

/// Runs one `PartitionIngester` per partition of `partitions` (consumer group
/// `pharos-ingester-t`) into `head` until they consumed what `log` held when they started
/// (at most 20 s), then stops them; whether they caught up, and their lag otherwise.
func ingestUntilCaughtUp(_ log: some Stream, partitions: [Int], into head: Head) async throws -> (caughtUp: Bool, lag: String) {
    let progress = IngestProgress(owned: Set(partitions))
    try await withThrowingTaskGroup(of: Void.self) { group in
        for partition in partitions {
            group.addTask {
                await PartitionIngester(stream: log, partition: partition, group: "pharos-ingester-t", sink: { head },
                                        progress: progress, logger: Logger(label: "test")).run()
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while !progress.isCaughtUp, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        group.cancelAll()
    }
    return (progress.isCaughtUp, "\(progress.lagByPartition)")
}
