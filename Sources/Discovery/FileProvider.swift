package import Config
import Foundation
import Model

/// `file_sd_configs`: target groups read from JSON or YAML files (Prometheus's
/// `discovery/file`).
///
/// The files matching `files` are re-read whenever their directories change (inotify) and every
/// `refresh_interval`. Each group's source is `path:index` and its labels gain `__meta_filepath`.
/// A file that cannot be read or decoded keeps its last good groups and counts a read error; a
/// deleted file (or one with fewer groups) removes its groups. Only changed groups are sent.
/// Each scan is timed in `prometheus_sd_file_scan_duration_seconds`; an inotify watcher that
/// cannot be set up counts `prometheus_sd_file_watcher_errors_total` (the refresh interval still
/// re-reads), as upstream.
package struct FileProvider<C: Clock<Duration>>: DiscoveryProvider {
    package static var configKey: String { "file_sd_configs" }

    /// The label naming the file a group came from.
    package static var filepathLabel: String { "__meta_filepath" }

    private let config: FileSDConfig
    private let clock: C
    private let metrics: DiscoveryMetrics

    /// A provider for one `file_sd_configs` entry.
    ///
    /// - Parameters:
    ///   - config: the files and `refresh_interval`.
    ///   - clock: drives the refresh interval.
    ///   - metrics: where read errors are counted.
    package init(config: FileSDConfig, clock: C, metrics: DiscoveryMetrics) {
        self.config = config
        self.clock = clock
        self.metrics = metrics
    }

    package func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async throws(DiscoveryError) {
        // Watches go in before the first read so that no change after that read is missed.
        let watcher: DirectoryWatcher?
        do {
            watcher = try DirectoryWatcher(directories: config.files.map(Self.directory(of:)))
        } catch {
            watcher = nil
            metrics.countFileWatcherError()
        }
        let (triggers, trigger) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        var reader = FileSDReader(patterns: config.files)
        let interval = config.refreshInterval
        scan(&reader, to: updates)
        await withDiscardingTaskGroup { group in
            if let watcher { group.addTask { await watcher.watch(into: trigger) } }
            group.addTask {
                while true {
                    do { try await clock.sleep(for: interval) } catch { return }
                    trigger.yield()
                }
            }
            for await _ in triggers {
                scan(&reader, to: updates)
            }
            group.cancelAll()
        }
    }

    private func scan(_ reader: inout FileSDReader, to updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) {
        let start = ContinuousClock.now
        let result = reader.refresh()
        metrics.observeFileScan(start.duration(to: .now))
        for _ in result.errors { metrics.countFileReadError() }
        if !result.changed.isEmpty { updates.yield(result.changed) }
    }

    /// The directory to watch for a path or glob (a `*` may only be in the last element).
    static func directory(of pattern: String) -> String {
        guard let slash = pattern.lastIndex(of: "/") else { return "." }
        return slash == pattern.startIndex ? "/" : String(pattern[..<slash])
    }
}

/// The reading half of file discovery, a value with no I/O besides reading the files: which groups
/// each file had last time, so vanished ones are removed and unchanged ones not re-sent.
struct FileSDReader {
    /// What one refresh found.
    struct Refresh {
        /// Groups that are new or differ from the last refresh; removed sources have no targets.
        var changed: [DiscoveredTargetGroup] = []
        /// Files that could not be read or decoded (their groups are kept).
        var errors: [DiscoveryError] = []
    }

    let patterns: [String]
    /// Groups currently in effect, by source.
    private(set) var current: [String: DiscoveredTargetGroup] = [:]
    /// How many groups each file had in effect.
    private var groupCounts: [String: Int] = [:]

    init(patterns: [String]) {
        self.patterns = patterns
    }

    mutating func refresh() -> Refresh {
        var result = Refresh()
        var counts: [String: Int] = [:]
        let paths = Set(patterns.flatMap(Glob.expand)).sorted()
        for path in paths {
            let groups: [DiscoveredTargetGroup]
            do {
                groups = try Self.read(path)
            } catch {
                result.errors.append(error)
                counts[path] = groupCounts[path]
                continue
            }
            counts[path] = groups.count
            for group in groups where current[group.source] != group {
                current[group.source] = group
                result.changed.append(group)
            }
        }
        for (path, oldCount) in groupCounts.sorted(by: { $0.key < $1.key }) {
            let newCount = counts[path] ?? 0
            for index in newCount..<max(newCount, oldCount) {
                let source = Self.source(path, index)
                current[source] = nil
                result.changed.append(DiscoveredTargetGroup(source: source))
            }
        }
        groupCounts = counts
        return result
    }

    static func source(_ path: String, _ index: Int) -> String { "\(path):\(index)" }

    /// Reads and decodes one file by its extension.
    static func read(_ path: String) throws(DiscoveryError) -> [DiscoveredTargetGroup] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .malformedFile(path: path, reason: "cannot read the file")
        }
        let configs: [TargetGroup]
        if path.hasSuffix(".json") || path.hasSuffix(".JSON") {
            do {
                configs = try TargetGroupJSON.decode(data)
            } catch {
                throw .malformedFile(path: path, reason: error.reason)
            }
        } else {
            guard let text = String(validating: data, as: UTF8.self) else {
                throw .malformedFile(path: path, reason: "the file is not valid UTF-8")
            }
            do {
                configs = try TargetGroup.decodeList(yaml: text)
            } catch {
                throw .malformedFile(path: path, reason: error.description)
            }
        }
        return configs.enumerated().map { index, config in
            var labels = LabelsBuilder(config.labels)
            labels.set(FileProvider<ContinuousClock>.filepathLabel, path)
            return DiscoveredTargetGroup(
                source: source(path, index), targets: config.targets.map(DiscoveredTargetGroup.target(address:)),
                labels: labels.labels())
        }
    }
}
