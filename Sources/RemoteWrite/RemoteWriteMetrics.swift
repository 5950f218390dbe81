import CoreMetrics
import Metrics

/// One queue's self-metrics under Prometheus's names (`storage/remote/queue_manager.go`),
/// labelled `remote_name` and `url` as upstream, reported through swift-metrics.
struct RemoteWriteMetrics: Sendable {
    let samplesSent: Counter
    let samplesFailed: Counter
    let samplesRetried: Counter
    let samplesDropped: Counter
    let samplesPending: Gauge
    let bytesSent: Counter
    let metadataSent: Counter
    let metadataFailed: Counter
    let metadataRetried: Counter
    let metadataBytes: Counter
    let shards: Gauge
    let shardsMin: Gauge
    let shardsMax: Gauge
    let shardsDesired: Gauge
    let shardCapacity: Gauge
    let maxSamplesPerSend: Gauge
    let highestSentTimestamp: Gauge
    let sentBatchDuration: Metrics.Timer
    /// Samples read from the WAL (`prometheus_remote_storage_samples_in_total`, no labels upstream).
    let samplesIn: Counter
    /// The newest sample timestamp read (`prometheus_remote_storage_highest_timestamp_in_seconds`).
    let highestReadTimestamp: Gauge

    init(remoteName: String, url: String) {
        let dimensions = [("remote_name", remoteName), ("url", url)]
        func counter(_ name: String) -> Counter { Counter(label: "prometheus_remote_storage_" + name, dimensions: dimensions) }
        func gauge(_ name: String) -> Gauge { Gauge(label: "prometheus_remote_storage_" + name, dimensions: dimensions) }
        samplesSent = counter("samples_total")
        samplesFailed = counter("samples_failed_total")
        samplesRetried = counter("samples_retried_total")
        samplesDropped = counter("samples_dropped_total")
        samplesPending = gauge("samples_pending")
        bytesSent = counter("bytes_total")
        metadataSent = counter("metadata_total")
        metadataFailed = counter("metadata_failed_total")
        metadataRetried = counter("metadata_retried_total")
        metadataBytes = counter("metadata_bytes_total")
        shards = gauge("shards")
        shardsMin = gauge("shards_min")
        shardsMax = gauge("shards_max")
        shardsDesired = gauge("shards_desired")
        shardCapacity = gauge("shard_capacity")
        maxSamplesPerSend = gauge("max_samples_per_send")
        highestSentTimestamp = gauge("queue_highest_sent_timestamp_seconds")
        sentBatchDuration = Metrics.Timer(label: "prometheus_remote_storage_sent_batch_duration_seconds", dimensions: dimensions)
        samplesIn = Counter(label: "prometheus_remote_storage_samples_in_total")
        highestReadTimestamp = Gauge(label: "prometheus_remote_storage_highest_timestamp_in_seconds")
    }

    /// Unregisters the queue's series (its queue stopped for good).
    func destroy() {
        for counter in [samplesSent, samplesFailed, samplesRetried, samplesDropped, bytesSent,
                        metadataSent, metadataFailed, metadataRetried, metadataBytes] { counter.destroy() }
        for gauge in [samplesPending, shards, shardsMin, shardsMax, shardsDesired, shardCapacity,
                      maxSamplesPerSend, highestSentTimestamp] { gauge.destroy() }
        sentBatchDuration.destroy()
    }
}
