internal import Config
import CoreMetrics
import Exposition
import Foundation
import Logging
import Model
import Synchronization
import TSDB

/// A series as a queue sends it: its labels after external labels and `write_relabel_configs`.
final class SentSeries: Sendable {
    let labels: Labels
    /// The labels as remote write 1.0 fields, encoded once for queues sending 1.0; nil for
    /// 2.0 queues (which encode them per request only after falling back to 1.0 on a 415).
    let v1Labels: EncodedSeriesLabelsV1?

    init(_ labels: Labels, encodesV1: Bool) {
        self.labels = labels
        v1Labels = encodesV1 ? EncodedSeriesLabelsV1(labels) : nil
    }
}

/// A sample read from the WAL, waiting in a shard.
struct PendingSample: Sendable {
    /// The series it belongs to.
    var series: SentSeries
    var timestampMs: Int64
    var value: Double
    /// Its start timestamp (0: unknown), sent by remote write 2.0.
    var startTimestampMs: Int64 = 0
    /// The WAL record it came from (`DeliveryTracker`).
    var ticket: Int
}

/// One `remote_write` entry at work (upstream's `QueueManager` with its WAL `Watcher`):
/// reads what the head appended from the write-ahead log, starting at the queue's persisted
/// position, turns series records into the labels to send and fans samples out to shards by
/// series reference; each shard batches (`max_samples_per_send`, `batch_send_deadline`) and
/// sends with retries. The persisted position only moves past records whose samples were
/// all delivered (or refused for good), and the WAL segments from there on are held against
/// checkpoint deletion, so an outage of the receiver or a restart of Pharos loses nothing.
final class WriteQueue: Sendable {
    /// What a queue runs with; a change restarts the queue (which resumes from its position).
    struct Settings: Sendable, Equatable {
        var config: RemoteWriteConfig
        var externalLabels: Labels
    }

    /// Identifies the queue's persisted state: from `name`, else from `url`.
    let key: String
    /// The `remote_name` label of its metrics: `name`, else a short hash of the URL.
    let remoteName: String
    let settings: Settings
    private let relabeler: Relabeler
    private let client: RemoteWriteClient
    private let metrics: RemoteWriteMetrics
    private let store: PositionStore
    private let db: DB
    private let logger: Logger
    private let flushDeadline: Duration
    private let familyMetadata: @Sendable () -> [RemoteWriteFamilyMetadata]
    private let pollInterval: Duration
    /// The most WAL bytes the queue may hold from its position on (`--storage.remote.max-wal-backlog`; 0: no limit).
    private let maxBacklogBytes: Int64
    private let backlogCheckInterval: Duration
    /// The segment the reader must skip to, set when the backlog is over the limit.
    private let skipRequest = Mutex<Int?>(nil)
    private let backlogDropped = Atomic<Int>(0)

    private let version: Mutex<RemoteWriteVersion>
    private let tracker = Mutex(DeliveryTracker(committed: WALPosition(segment: 0, offset: 0)))
    private let calculator: Mutex<ShardCalculator>
    private let stopping = Atomic<Bool>(false)
    private let shardCount: Atomic<Int>
    private let desiredShards: Atomic<Int>
    private let highestSentMs = Atomic<Int64>(.min)
    private let highestReadMs = Atomic<Int64>(.min)
    /// Milliseconds of `ContinuousClock` since `epoch` at the last failed send.
    private let lastFailureMs = Atomic<Int64>(.min)
    private let epoch = ContinuousClock.now
    /// The buffers of the running shards, so `stop` can unblock a waiting reader.
    private let currentBuffers = Mutex<[ShardBuffer<PendingSample>]>([])
    /// The position last saved.
    private let saved = Mutex<WALPosition?>(nil)
    /// What 2.0 requests attach to their series, and when it was built (`seriesMetadata()`).
    private let metadataIndex = Mutex<(index: SeriesMetadataIndex, builtAt: ContinuousClock.Instant?)>((SeriesMetadataIndex(), nil))
    private let tasks = Mutex<(driver: Task<Void, Never>?, helpers: [Task<Void, Never>])>((nil, []))

    /// A queue for `settings.config` over `db`'s WAL.
    /// - Parameters:
    ///   - maxBacklogBytes: the most bytes of WAL segments the queue may hold back from its
    ///     position on; beyond, it skips ahead and counts what it skipped as dropped (0: no limit).
    ///   - backlogCheckInterval: how often the backlog is measured.
    /// - Throws: `RemoteWriteError` for settings that cannot be served.
    init(settings: Settings, key: String, remoteName: String, db: DB, dataDirectory: String, flushDeadline: Duration,
         familyMetadata: @escaping @Sendable () -> [RemoteWriteFamilyMetadata], pollInterval: Duration = .milliseconds(50),
         maxBacklogBytes: Int64 = 0, backlogCheckInterval: Duration = .seconds(5),
         logger: Logger) throws(RemoteWriteError) {
        self.settings = settings
        self.maxBacklogBytes = maxBacklogBytes
        self.backlogCheckInterval = backlogCheckInterval
        self.key = key
        self.remoteName = remoteName
        self.db = db
        self.flushDeadline = flushDeadline
        self.familyMetadata = familyMetadata
        self.pollInterval = pollInterval
        var logger = logger
        logger[metadataKey: "remote_name"] = "\(remoteName)"
        logger[metadataKey: "url"] = "\(settings.config.url)"
        self.logger = logger
        do { relabeler = try Relabeler(settings.config.writeRelabelConfigs) } catch {
            throw .relabeling(reason: "\(error)", remote: remoteName)
        }
        client = try RemoteWriteClient(config: settings.config, remote: remoteName)
        store = PositionStore(dataDirectory: dataDirectory, key: key)
        metrics = RemoteWriteMetrics(remoteName: remoteName, url: settings.config.url)
        version = Mutex(settings.config.protobufMessage == .v2 ? .v2 : .v1)
        let queue = settings.config.queueConfig
        calculator = Mutex(ShardCalculator(minShards: queue.minShards, maxShards: queue.maxShards))
        shardCount = Atomic(queue.minShards)
        desiredShards = Atomic(queue.minShards)
        metrics.shardsMin.record(queue.minShards)
        metrics.shardsMax.record(queue.maxShards)
        metrics.shardCapacity.record(queue.capacity)
        metrics.maxSamplesPerSend.record(queue.maxSamplesPerSend)
    }

    private var queueConfig: QueueConfig { settings.config.queueConfig }

    // MARK: - Lifecycle

    /// Starts reading and sending: from the persisted position, or, for a new queue, from the
    /// end of the WAL (what is appended from now on).
    func start() {
        // Nothing may be deleted while the start position is found and series are primed.
        db.holdWAL(from: 0, for: key)
        let start: WALPosition
        if let stored = store.load() {
            start = stored
            saved.withLock { $0 = stored }
            logger.info("Remote write resumes from its saved WAL position", metadata: ["position": "\(stored)"])
        } else {
            do { start = try WALTailReader.end(ofWAL: db.walDirectory) } catch {
                logger.error("Reading the WAL's end failed; starting at its beginning", metadata: ["err": "\(error)"])
                start = WALPosition(segment: 0, offset: 0)
            }
            save(start)  // the hold stays at 0 until the reader has primed its series
        }
        tracker.withLock { $0 = DeliveryTracker(committed: start) }
        let driver = Task { [self] in await drive(from: start) }
        var helpers = [Task { [self] in await persistLoop() }, Task { [self] in await reshardLoop() }]
        if settings.config.metadataConfig.send { helpers.append(Task { [self] in await metadataLoop() }) }
        if maxBacklogBytes > 0 { helpers.append(Task { [self] in await backlogLoop() }) }
        tasks.withLock { $0 = (driver, helpers) }
    }

    /// Why a queue stops.
    enum StopReason: Sendable {
        /// Pharos shuts down: everything stays for the next start.
        case shutdown
        /// Its settings changed: a new queue with the same key takes over the saved position.
        case replaced
        /// The entry was removed: its WAL hold and saved position go.
        case removed
    }

    /// Stops: reading ends, shards send what they hold for up to the flush deadline
    /// (`--storage.remote.flush-deadline`), and the position is saved. Samples not sent by
    /// then are sent again after the next start.
    func stop(_ reason: StopReason) async {
        stopping.store(true, ordering: .releasing)
        for buffer in currentBuffers.withLock({ $0 }) { buffer.close() }
        let (driver, helpers) = tasks.withLock { $0 }
        await driver?.value
        for helper in helpers { helper.cancel() }
        for helper in helpers { await helper.value }
        persist()
        await client.shutdown()
        if reason != .shutdown { metrics.destroy() }
        if reason == .removed {
            db.releaseWAL(for: key)
            store.remove()
        }
    }

    // MARK: - Reading the WAL

    /// The WAL reader and producer: runs until `stop`, then drains the shards.
    private func drive(from start: WALPosition) async {
        var series = [SeriesRef: SentSeries]()
        var dropped = Set<SeriesRef>()
        primeSeries(before: start, into: &series, dropped: &dropped)
        db.holdWAL(from: start.segment, for: key)
        var reader = WALTailReader(walDirectory: db.walDirectory, position: start)
        var shards = startShards(count: desiredShards.load(ordering: .relaxed))
        var lost = 0, corruptions = 0
        reading: while !stopping.load(ordering: .acquiring) {
            if let target = skipRequest.withLock({ $0 }) {
                await drain(shards, within: .zero)
                reader = skip(from: reader.position, to: target, series: &series, dropped: &dropped)
                skipRequest.withLock { $0 = nil }
                shards = startShards(count: desiredShards.load(ordering: .relaxed))
                continue
            }
            let wanted = desiredShards.load(ordering: .relaxed)
            if wanted != shards.buffers.count, shouldReshard() {
                logger.info("Remote storage resharding", metadata: ["from": "\(shards.buffers.count)", "to": "\(wanted)"])
                await drain(shards, within: nil)
                shards = startShards(count: wanted)
            }
            let records: [(record: WALRecord?, end: WALPosition)]
            do { records = try reader.next() } catch {
                logger.warning("Reading the WAL failed; retrying", metadata: ["err": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if reader.lostSegments > lost {
                logger.error("WAL segments were deleted before remote write read them; their samples are lost",
                             metadata: ["segments": "\(reader.lostSegments - lost)"])
                lost = reader.lostSegments
            }
            if reader.corruptions > corruptions {
                logger.error("Skipped damaged WAL data", metadata: ["reason": "\(reader.lastCorruption ?? "")"])
                corruptions = reader.corruptions
            }
            if records.isEmpty {
                try? await Task.sleep(for: pollInterval)
                continue
            }
            for (record, end) in records {
                guard case .samples(let entries) = record else {
                    if case .series(let entries) = record { addSeries(entries, to: &series, dropped: &dropped) }
                    _ = tracker.withLock { $0.add(end: end, samples: 0) }
                    continue
                }
                var perShard = [[PendingSample]](repeating: [], count: shards.buffers.count)
                var unknown = 0, relabeledAway = 0, queued = 0
                var newest = Int64.min
                let count = UInt64(shards.buffers.count)
                for entry in entries {
                    newest = max(newest, entry.timestamp)
                    guard let sent = series[entry.ref] else {
                        if dropped.contains(entry.ref) { relabeledAway += 1 } else { unknown += 1 }
                        continue
                    }
                    perShard[Int(entry.ref.rawValue % count)].append(
                        PendingSample(series: sent, timestampMs: entry.timestamp, value: entry.value,
                                      startTimestampMs: entry.startTimestamp, ticket: 0))
                    queued += 1
                }
                metrics.samplesIn.increment(by: entries.count)
                if relabeledAway + unknown > 0 { metrics.samplesDropped.increment(by: relabeledAway + unknown) }
                if unknown > 0 {
                    logger.warning("Samples of series not found in the WAL were dropped", metadata: ["samples": "\(unknown)"])
                }
                if newest > highestReadMs.load(ordering: .relaxed) {
                    highestReadMs.store(newest, ordering: .relaxed)
                    metrics.highestReadTimestamp.record(Double(newest) / 1000)
                }
                calculator.withLock {
                    $0.samplesIn.add(Double(entries.count))
                    $0.samplesDropped.add(Double(relabeledAway))
                }
                let ticket = tracker.withLock { $0.add(end: end, samples: queued) }
                for shard in perShard.indices where !perShard[shard].isEmpty {
                    for index in perShard[shard].indices { perShard[shard][index].ticket = ticket }
                    guard await shards.buffers[shard].append(contentsOf: perShard[shard]) else {
                        // Closed: the queue stops, or the backlog check wants a skip.
                        if skipRequest.withLock({ $0 }) != nil { continue reading }
                        break reading
                    }
                }
            }
        }
        await drain(shards, within: flushDeadline)
    }

    // MARK: - Backlog limit

    /// Samples skipped because the backlog was over the limit (also in `samples_dropped_total`).
    var backlogDroppedSamples: Int { backlogDropped.load(ordering: .relaxed) }

    /// Measures the backlog every `backlogCheckInterval`: the WAL segments from the committed
    /// position's on. Over `maxBacklogBytes`, asks the reader to skip to the oldest segment
    /// from which the rest fits (never past the newest), and wakes it if it waits on full shards.
    private func backlogLoop() async {
        while (try? await Task.sleep(for: backlogCheckInterval)) != nil {
            let committed = tracker.withLock { $0.committed }
            guard let target = Self.skipTarget(
                segments: WALSegments.sizes(inWALDirectory: db.walDirectory), from: committed.segment, limitBytes: maxBacklogBytes)
            else { continue }
            let requested = skipRequest.withLock { request -> Bool in
                guard request == nil else { return false }
                request = target
                return true
            }
            if requested { for buffer in currentBuffers.withLock({ $0 }) { buffer.close() } }
        }
    }

    /// The segment to skip to when the segments from `from` on (index → bytes) take more than
    /// `limitBytes`; nil when they fit.
    static func skipTarget(segments: [(index: Int, bytes: Int64)], from: Int, limitBytes: Int64) -> Int? {
        let held = segments.filter { $0.index >= from }.sorted { $0.index < $1.index }
        guard held.reduce(0, { $0 + $1.bytes }) > limitBytes, let newest = held.last else { return nil }
        var target = newest.index
        var kept = newest.bytes
        for segment in held.dropLast().reversed() {
            guard kept + segment.bytes <= limitBytes else { break }
            kept += segment.bytes
            target = segment.index
        }
        return target > from ? target : nil
    }

    /// Skips the WAL from `position` to the start of segment `target` (the shards are
    /// stopped): what the shards held and the samples in between are dropped and counted;
    /// series records in between are still learnt (later samples refer to them). The
    /// position moves to `target` and the hold with it, so checkpoints can delete the rest.
    /// Returns the reader for `target`.
    private func skip(
        from position: WALPosition, to target: Int, series: inout [SeriesRef: SentSeries], dropped: inout Set<SeriesRef>
    ) -> WALTailReader {
        let start = WALPosition(segment: target, offset: 0)
        var skipped = tracker.withLock { $0.pendingSamples }
        var skipper = WALTailReader(walDirectory: db.walDirectory, position: position)
        while skipper.position < start, let records = try? skipper.next(), !records.isEmpty {
            for (record, end) in records where end <= start {
                switch record {
                case .series(let entries)?: addSeries(entries, to: &series, dropped: &dropped)
                case .samples(let entries)?: skipped += entries.count
                default: break
                }
            }
        }
        tracker.withLock { $0 = DeliveryTracker(committed: start) }
        saveAndHold(start)
        metrics.samplesDropped.increment(by: skipped)
        backlogDropped.add(skipped, ordering: .relaxed)
        logger.warning("Remote write fell further behind than --storage.remote.max-wal-backlog allows; skipped ahead, dropping samples",
                       metadata: ["samples": "\(skipped)", "from": "\(position)", "to": "\(start)"])
        return WALTailReader(walDirectory: db.walDirectory, position: start)
    }

    /// Learns the series created before `start`: from the newest checkpoint, then from the
    /// segments before `start` (series records only; their samples were sent already).
    private func primeSeries(before start: WALPosition, into series: inout [SeriesRef: SentSeries], dropped: inout Set<SeriesRef>) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: db.walDirectory)) ?? []
        if let checkpoint = names.filter({ $0.hasPrefix("checkpoint.") && !$0.hasSuffix(".tmp") }).sorted().last {
            var reader = WALTailReader(walDirectory: db.walDirectory + "/" + checkpoint, position: WALPosition(segment: 0, offset: 0))
            while let records = try? reader.next(), !records.isEmpty {
                for case (.series(let entries)?, _) in records { addSeries(entries, to: &series, dropped: &dropped) }
            }
        }
        let first = names.compactMap { Int($0) }.min() ?? start.segment
        var reader = WALTailReader(walDirectory: db.walDirectory, position: WALPosition(segment: first, offset: 0))
        while reader.position < start, let records = try? reader.next(), !records.isEmpty {
            for case (.series(let entries)?, let end) in records where end <= start {
                addSeries(entries, to: &series, dropped: &dropped)
            }
        }
    }

    /// The labels to send for new series: external labels added (the series' own win), then
    /// `write_relabel_configs` (upstream's order).
    private func addSeries(_ entries: [WALRecord.SeriesEntry], to series: inout [SeriesRef: SentSeries], dropped: inout Set<SeriesRef>) {
        for entry in entries {
            var builder = LabelsBuilder(entry.labels)
            for label in settings.externalLabels where entry.labels[label.name] == nil { builder.set(label.name, label.value) }
            if relabeler.process(&builder) {
                series[entry.ref] = SentSeries(builder.labels(), encodesV1: settings.config.protobufMessage != .v2)
                dropped.remove(entry.ref)
            } else {
                series.removeValue(forKey: entry.ref)
                dropped.insert(entry.ref)
            }
        }
    }

    // MARK: - Shards

    private struct Shards {
        var buffers: [ShardBuffer<PendingSample>]
        var tasks: [Task<Void, Never>]
    }

    private func startShards(count: Int) -> Shards {
        let buffers = (0..<max(1, count)).map { _ in ShardBuffer<PendingSample>(capacity: queueConfig.capacity) }
        currentBuffers.withLock { $0 = buffers }
        if stopping.load(ordering: .acquiring) { for buffer in buffers { buffer.close() } }
        shardCount.store(buffers.count, ordering: .relaxed)
        metrics.shards.record(buffers.count)
        return Shards(buffers: buffers, tasks: buffers.map { buffer in Task { [self] in await runShard(buffer) } })
    }

    /// Closes the shards and waits until they have sent what they hold; after `deadline`
    /// they are cancelled and what they still hold stays unacknowledged (sent after a restart).
    private func drain(_ shards: Shards, within deadline: Duration?) async {
        for buffer in shards.buffers { buffer.close() }
        // Awaiting a task's value does not end when the waiter is cancelled: the deadline
        // cancels the shards themselves (a shard retrying during an outage never ends alone).
        await withTaskGroup(of: Void.self) { group in
            if let deadline {
                group.addTask {
                    try? await Task.sleep(for: deadline)
                    for task in shards.tasks { task.cancel() }
                }
            }
            for task in shards.tasks { await task.value }
            group.cancelAll()
        }
    }

    private func runShard(_ buffer: ShardBuffer<PendingSample>) async {
        var encoder = RemoteWriteEncoder()
        while let samples = await buffer.next(maxCount: queueConfig.maxSamplesPerSend,
                                              deadline: .now + queueConfig.batchSendDeadline) {
            guard !samples.isEmpty else { continue }
            guard await send(samples, encoder: &encoder) else { return }
            tracker.withLock { tracker in
                var start = 0
                while start < samples.count {
                    var end = start + 1
                    while end < samples.count, samples[end].ticket == samples[start].ticket { end += 1 }
                    tracker.complete(ticket: samples[start].ticket, count: end - start)
                    start = end
                }
            }
        }
    }

    /// Sends `samples` until delivered or refused for good (`true`), or until the shard is
    /// cancelled (`false`: they stay unacknowledged).
    private func send(_ all: [PendingSample], encoder: inout RemoteWriteEncoder) async -> Bool {
        var backoff = Backoff(minimum: queueConfig.minBackoff, maximum: queueConfig.maxBackoff)
        var batch = RemoteWriteBatch()
        var body = [UInt8]()
        var samples = all
        while !Task.isCancelled {
            if queueConfig.sampleAgeLimit > .zero {
                let oldest = Int64(Date().timeIntervalSince1970 * 1000) - queueConfig.sampleAgeLimit.wholeNanoseconds / 1_000_000
                let before = samples.count
                samples.removeAll { $0.timestampMs < oldest }
                if samples.count < before { metrics.samplesDropped.increment(by: before - samples.count) }
                if samples.isEmpty { return true }
            }
            let version = version.withLock { $0 }
            // 2.0 carries metadata on every series (type unspecified where none is known).
            let metadata = version == .v2 && settings.config.metadataConfig.send ? seriesMetadata() : nil
            batch.removeAll()
            var v1Body = RemoteWriteV1Body()
            var start = 0
            while start < samples.count {
                var end = start + 1
                while end < samples.count, samples[end].series === samples[start].series { end += 1 }
                let series = samples[start].series
                let run = samples[start..<end].lazy.map { Sample(timestampMs: $0.timestampMs, value: $0.value) }
                if version == .v1 {
                    v1Body.appendSeries(series.v1Labels ?? EncodedSeriesLabelsV1(series.labels), samples: run)
                } else {
                    let index = batch.appendSeries(
                        series.labels, samples: run,
                        metadata: metadata.map { $0.metadata(forSeries: series.labels.metricName ?? "") ?? MetricMetadata() })
                    for (position, sample) in zip(batch.sampleRanges[index], samples[start..<end]) {
                        batch.startTimestampsMs[position] = sample.startTimestampMs
                    }
                }
                start = end
            }
            if version == .v1 { body = v1Body.bytes } else { encoder.encode(batch, version: version, into: &body) }
            let compressed = Snappy.compress(body)
            let began = ContinuousClock.now
            let outcome = await client.send(compressed, version: version)
            let took = ContinuousClock.now - began
            metrics.sentBatchDuration.recordNanoseconds(took.wholeNanoseconds)
            calculator.withLock { $0.sendDuration.add(Double(took.wholeNanoseconds)) }
            switch outcome {
            case .delivered:
                metrics.samplesSent.increment(by: samples.count)
                metrics.bytesSent.increment(by: compressed.count)
                calculator.withLock { $0.samplesOut.add(Double(samples.count)) }
                let newest = samples.map(\.timestampMs).max() ?? .min
                if newest > highestSentMs.load(ordering: .relaxed) {
                    highestSentMs.store(newest, ordering: .relaxed)
                    metrics.highestSentTimestamp.record(Double(newest) / 1000)
                }
                return true
            case .unsupportedMediaType(let reason) where version == .v2:
                logger.warning("Receiver does not take remote write 2.0; falling back to 1.0", metadata: ["err": "\(reason)"])
                self.version.withLock { $0 = .v1 }
            case .retryable(let reason, let retryAfter):
                metrics.samplesRetried.increment(by: samples.count)
                lastFailureMs.store(elapsedMs(), ordering: .relaxed)
                let wait = retryAfter ?? backoff.next(unit: Double.random(in: 0..<1))
                logger.warning("Failed to send batch, retrying", metadata: ["err": "\(reason)", "retry_in": "\(wait)"])
                do { try await Task.sleep(for: wait) } catch { return false }
            case .rejected(let reason), .unsupportedMediaType(let reason):
                metrics.samplesFailed.increment(by: samples.count)
                lastFailureMs.store(elapsedMs(), ordering: .relaxed)
                logger.error("Non-recoverable error sending samples; they are dropped",
                             metadata: ["count": "\(samples.count)", "err": "\(reason)"])
                return true
            }
        }
        return false
    }

    private func elapsedMs() -> Int64 { (ContinuousClock.now - epoch).wholeNanoseconds / 1_000_000 }

    /// Resharding waits while sends fail (upstream's `shouldReshard`): draining shards that
    /// cannot send would stall the queue.
    private func shouldReshard() -> Bool {
        let last = lastFailureMs.load(ordering: .relaxed)
        return last == .min || elapsedMs() - last > 2 * ShardCalculator.updateInterval.wholeNanoseconds / 1_000_000
    }

    // MARK: - Periodic work

    private func reshardLoop() async {
        while (try? await Task.sleep(for: ShardCalculator.updateInterval)) != nil {
            let current = shardCount.load(ordering: .relaxed)
            let read = Double(highestReadMs.load(ordering: .relaxed)) / 1000
            let sent = Double(highestSentMs.load(ordering: .relaxed)) / 1000
            let wanted = calculator.withLock {
                $0.desiredShards(current: current, highestReadSeconds: max(read, 0), highestSentSeconds: max(sent, 0),
                                 intervalSeconds: Double(ShardCalculator.updateInterval.wholeNanoseconds) / 1e9)
            }
            metrics.shardsDesired.record(wanted)
            desiredShards.store(wanted, ordering: .relaxed)
        }
    }

    private func persistLoop() async {
        while (try? await Task.sleep(for: .milliseconds(250))) != nil { persist() }
    }

    /// Saves the committed position (if it moved) and moves the WAL hold up to it.
    private func persist() {
        let (committed, pending) = tracker.withLock { ($0.committed, $0.pendingSamples) }
        metrics.samplesPending.record(pending)
        guard saved.withLock({ $0 }) != committed else { return }
        saveAndHold(committed)
    }

    private func saveAndHold(_ position: WALPosition) {
        save(position)
        db.holdWAL(from: position.segment, for: key)
    }

    private func save(_ position: WALPosition) {
        do {
            try store.save(position, remote: "\(remoteName) \(settings.config.url)")
            saved.withLock { $0 = position }
        } catch {
            logger.error("Saving the remote write position failed", metadata: ["err": "\(error)"])
        }
    }

    /// The index 2.0 batches take their series' metadata from, shared by the shards: rebuilt
    /// from the scraped families once it is older than `metadata_config.send_interval` or 10 s,
    /// whichever is shorter (new targets' metadata shows up soon), or 1 s while it is empty
    /// (nothing was scraped yet when it was built).
    private func seriesMetadata() -> SeriesMetadataIndex {
        let now = ContinuousClock.now
        let (index, builtAt) = metadataIndex.withLock { $0 }
        let maximumAge = index.isEmpty ? .seconds(1) : min(settings.config.metadataConfig.sendInterval, .seconds(10))
        if let builtAt, builtAt.duration(to: now) < maximumAge { return index }
        let rebuilt = SeriesMetadataIndex(familyMetadata())
        metadataIndex.withLock { $0 = (rebuilt, now) }
        return rebuilt
    }

    /// Sends the scraped targets' metric metadata every `metadata_config.send_interval`
    /// (upstream's `MetadataWatcher`), for remote write 1.0 (2.0 puts it on each series).
    private func metadataLoop() async {
        let config = settings.config.metadataConfig
        var encoder = RemoteWriteEncoder()
        while (try? await Task.sleep(for: config.sendInterval)) != nil {
            guard version.withLock({ $0 }) == .v1 else { continue }
            let all = familyMetadata()
            var start = 0
            while start < all.count, !Task.isCancelled {
                let chunk = all[start..<min(all.count, start + max(1, config.maxSamplesPerSend))]
                start += chunk.count
                var batch = RemoteWriteBatch()
                batch.familyMetadata = Array(chunk)
                let body = Snappy.compress(encoder.encode(batch, version: .v1))
                var backoff = Backoff(minimum: queueConfig.minBackoff, maximum: queueConfig.maxBackoff)
                sending: while !Task.isCancelled {
                    switch await client.send(body, version: .v1) {
                    case .delivered:
                        metrics.metadataSent.increment(by: chunk.count)
                        metrics.metadataBytes.increment(by: body.count)
                        break sending
                    case .retryable(let reason, let retryAfter):
                        metrics.metadataRetried.increment(by: chunk.count)
                        logger.warning("Failed to send metadata, retrying", metadata: ["err": "\(reason)"])
                        guard (try? await Task.sleep(for: retryAfter ?? backoff.next(unit: Double.random(in: 0..<1)))) != nil
                        else { return }
                    case .rejected(let reason), .unsupportedMediaType(let reason):
                        metrics.metadataFailed.increment(by: chunk.count)
                        logger.error("Non-recoverable error sending metadata", metadata: ["err": "\(reason)"])
                        break sending
                    }
                }
            }
        }
    }
}
