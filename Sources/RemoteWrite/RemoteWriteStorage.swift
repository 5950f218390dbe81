package import Config
package import Exposition
package import Logging
import Model
import Synchronization
package import TSDB

/// Every `remote_write` entry of the configuration as a running `WriteQueue` (upstream's
/// `storage/remote.WriteStorage`). `applyConfig` checks a new configuration and hands it
/// over; `run` starts, restarts and stops queues to match: an entry whose settings (and the
/// external labels) did not change keeps running, a changed one is restarted and resumes
/// from its saved position, a removed one is stopped and forgotten.
package final class RemoteWriteStorage: Sendable {
    private let dataDirectory: String
    private let flushDeadline: Duration
    private let maxBacklogBytes: Int64
    private let familyMetadata: @Sendable () -> [RemoteWriteFamilyMetadata]
    private let logger: Logger
    private let pending: AsyncStream<[String: (settings: WriteQueue.Settings, remoteName: String)]>
    private let pendingInput: AsyncStream<[String: (settings: WriteQueue.Settings, remoteName: String)]>.Continuation
    private let queues = Mutex<[String: WriteQueue]>([:])

    /// A storage keeping queue state under `dataDirectory/remote-write`.
    /// - Parameters:
    ///   - flushDeadline: how long stopping queues may take to send what they hold
    ///     (`--storage.remote.flush-deadline`).
    ///   - maxBacklogBytes: the most WAL bytes a queue may hold back (`--storage.remote.max-wal-backlog`; 0: no limit).
    ///   - familyMetadata: the metric metadata of the scraped targets, sent by 1.0 queues.
    package init(dataDirectory: String, flushDeadline: Duration = .seconds(60), maxBacklogBytes: Int64 = 0,
                 familyMetadata: @escaping @Sendable () -> [RemoteWriteFamilyMetadata], logger: Logger) {
        self.dataDirectory = dataDirectory
        self.flushDeadline = flushDeadline
        self.maxBacklogBytes = maxBacklogBytes
        self.familyMetadata = familyMetadata
        self.logger = logger
        (pending, pendingInput) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Checks the `remote_write` entries of `config` and hands them to `run`.
    /// - Throws: `RemoteWriteError` for duplicates and for settings Pharos does not support;
    ///   nothing changes then.
    package func applyConfig(_ config: PrometheusConfig) throws(RemoteWriteError) {
        var desired: [String: (settings: WriteQueue.Settings, remoteName: String)] = [:]
        for entry in config.remoteWrite {
            let key = Self.key(entry)
            guard desired[key] == nil else { throw .duplicate(remote: entry.name.isEmpty ? entry.url : entry.name) }
            let remoteName = entry.name.isEmpty ? String(key.suffix(6)) : entry.name
            // Settings are checked here, so a bad entry fails the reload instead of a queue.
            do { _ = try Relabeler(entry.writeRelabelConfigs) } catch {
                throw .relabeling(reason: "\(error)", remote: remoteName)
            }
            _ = try RemoteWriteClient.checkedTLS(entry, remote: remoteName)
            desired[key] = (WriteQueue.Settings(config: entry, externalLabels: config.global.externalLabels), remoteName)
        }
        pendingInput.yield(desired)
    }

    /// The saved-state key of an entry: its `name`, else its URL, hashed into a directory name.
    static func key(_ entry: RemoteWriteConfig) -> String {
        let identity = entry.name.isEmpty ? Labels([Label(name: "url", value: entry.url)]) : Labels([Label(name: "name", value: entry.name)])
        let hex = String(identity.hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Runs the queues over `db`'s WAL until cancelled, then stops them (each sends what it
    /// holds for up to the flush deadline and saves its position).
    package func run(db: DB) async {
        for await desired in pending {
            await reconcile(desired, db: db)
        }
        let running = queues.withLock { queues in
            defer { queues = [:] }
            return Array(queues.values)
        }
        // Not cancelled with this task: the flush deadline must be able to elapse.
        await Task {
            await withTaskGroup(of: Void.self) { group in
                for queue in running { group.addTask { await queue.stop(.shutdown) } }
            }
        }.value
    }

    private func reconcile(_ desired: [String: (settings: WriteQueue.Settings, remoteName: String)], db: DB) async {
        let current = queues.withLock { $0 }
        for (key, queue) in current where desired[key]?.settings != queue.settings {
            await queue.stop(desired[key] == nil ? .removed : .replaced)
            _ = queues.withLock { $0.removeValue(forKey: key) }
        }
        for (key, entry) in desired.sorted(by: { $0.key < $1.key }) where queues.withLock({ $0[key] == nil }) {
            do {
                let queue = try WriteQueue(settings: entry.settings, key: key, remoteName: entry.remoteName, db: db,
                                           dataDirectory: dataDirectory, flushDeadline: flushDeadline,
                                           familyMetadata: familyMetadata, maxBacklogBytes: maxBacklogBytes, logger: logger)
                queue.start()
                queues.withLock { $0[key] = queue }
                logger.info("Starting remote write queue", metadata: ["remote_name": "\(entry.remoteName)", "url": "\(entry.settings.config.url)"])
            } catch {
                logger.error("Remote write queue not started", metadata: ["err": "\(error)"])
            }
        }
    }
}
