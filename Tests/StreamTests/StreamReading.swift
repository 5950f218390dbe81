// No Foundation here: its `Stream` class would shadow the `Stream` protocol in this file.
import Stream

/// Every record of `partition` from `offset` to the end, polled without waiting.
func readAll(_ stream: some Stream, partition: Int, from offset: Int64 = 0, maxWait: Duration = .zero) async throws -> [StreamRecord] {
    let end = try await stream.partitions()[partition].endOffset
    let consumer = try await stream.consumer(partition: partition, from: offset)
    var records: [StreamRecord] = []
    var polls = 0
    while (records.last?.offset ?? offset - 1) + 1 < end, polls < 10_000 {
        records += try await consumer.poll(maxRecords: 500, maxWait: maxWait)
        polls += 1
    }
    await consumer.close()
    return records
}
