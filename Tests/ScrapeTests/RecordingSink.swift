import Model
import Synchronization
import TSDB

/// A real sink (an in-memory TSDB `Head`) that also hands every committed batch to the test,
/// so a test waits for scrapes as signals instead of sleeping.
final class RecordingSink: SampleAppendable {
    let head = Head()
    let batches: AsyncStream<Batch>
    private let continuation: AsyncStream<Batch>.Continuation

    /// One committed batch: one scrape of one target, or its end-of-run markers.
    struct Batch: Sendable {
        var samples: [(labels: Labels, timestampMs: Int64, value: Double)]

        /// The value of the sample named `name` (and matching `labels`), if any.
        func value(_ name: String, _ labels: KeyValuePairs<String, String> = [:]) -> Double? {
            samples.first { sample in
                sample.labels.metricName == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
            }?.value
        }

        /// The `instance` of the batch's `up` series.
        var instance: String? { samples.first { $0.labels.metricName == "up" }?.labels["instance"] }
        var up: Double? { value("up") }
        var timestamps: Set<Int64> { Set(samples.map(\.timestampMs)) }
        /// Whether the batch marks a series stale other than `pharos_scrape_failure` (a scrape
        /// that timed out on a loaded machine leaves that series to go stale at the next success).
        var marksTargetSeriesStale: Bool {
            samples.contains { $0.value.isStaleMarker && $0.labels.metricName != "pharos_scrape_failure" }
        }
    }

    init() {
        (batches, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    func makeAppender() -> any SampleAppender & ~Copyable {
        RecordingAppender(inner: head.appender(), sink: self)
    }

    fileprivate func committed(_ batch: Batch) {
        continuation.yield(batch)
    }

    /// Every sample the head holds for series matching `name`.
    func samples(_ name: String) throws -> [(labels: Labels, samples: [Sample])] {
        let matcher = try Matcher(.equal, Labels.metricNameLabel, name)
        return try head.querier().select([matcher], mint: .min, maxt: .max).map { series in
            var iterator = series.makeIterator()
            var samples: [Sample] = []
            while iterator.next() { samples.append(Sample(timestampMs: iterator.timestamp, value: iterator.value)) }
            return (series.labels, samples)
        }
    }
}

private struct RecordingAppender: SampleAppender, ~Copyable {
    var inner: HeadAppender
    let sink: RecordingSink
    var pending: [(labels: Labels, timestampMs: Int64, value: Double)] = []

    init(inner: consuming HeadAppender, sink: RecordingSink) {
        self.inner = inner
        self.sink = sink
    }

    mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double) throws(AppendError) -> UInt64 {
        let ref = try inner.append(ref: ref, labels: labels, timestamp: timestamp, value: value)
        pending.append((labels, timestamp, value))
        return ref
    }

    mutating func commitBatch() throws(AppendError) -> Int {
        let count = try inner.commitBatch()
        sink.committed(RecordingSink.Batch(samples: pending))
        pending.removeAll()
        return count
    }

    mutating func rollback() {
        inner.rollback()
        pending.removeAll()
    }
}
