import Config
import Discovery
import Foundation
import Model
import Synchronization

/// Runs `body` and fails with `GuardTimeout` if it has not finished after `seconds`: a guard
/// against hanging, never the way a test synchronises.
func withGuardTimeout<T: Sendable>(
    seconds: Int = 20, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw GuardTimeout() }
        return value
    }
}

struct GuardTimeout: Error {}

/// What a provider's updates add up to: the groups in effect by source, as the manager keeps them.
struct GroupView: Sendable, Equatable {
    var groups: [String: DiscoveredTargetGroup] = [:]

    mutating func apply(_ batch: [DiscoveredTargetGroup]) {
        for group in batch { groups[group.source] = group.targets.isEmpty ? nil : group }
    }

    /// Addresses of all targets, sorted.
    var addresses: [String] {
        groups.values.flatMap { $0.targets.compactMap { $0[DiscoveredTargetGroup.addressLabel] } }.sorted()
    }
}

/// Reads batches from a provider's stream into a view until `predicate` holds (guarded).
final class UpdateReader: Sendable {
    private let stream: AsyncStream<[DiscoveredTargetGroup]>
    private let view = Mutex(GroupView())

    init(_ stream: AsyncStream<[DiscoveredTargetGroup]>) { self.stream = stream }

    /// The view after the first batch that makes `predicate` true.
    @discardableResult
    func waitUntil(_ predicate: @escaping @Sendable (GroupView) -> Bool) async throws -> GroupView {
        try await withGuardTimeout { [self] in
            if let current = view.withLock({ predicate($0) ? $0 : nil }) { return current }
            for await batch in stream {
                let current = view.withLock { view in
                    view.apply(batch)
                    return view
                }
                if predicate(current) { return current }
            }
            throw GuardTimeout()
        }
    }
}



/// A directory under the system's temporary directory, removed when released.
final class TemporaryDirectory: Sendable {
    let root: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/pharos-discovery-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        root = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ name: String) -> String { root + "/" + name }

    /// Writes in place (truncate, then write): watchers may see the file empty or partial.
    func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Writes a sibling and renames it over `path`, so readers see the old or the new content.
    func writeAtomically(_ path: String, _ text: String) throws {
        try write(path + ".tmp", text)
        guard rename(path + ".tmp", path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

/// The discovery section of a one-job config whose `key` (`http_sd_configs`, ...) holds one entry
/// written as `yaml`, decoded and validated as the config loader does.
func discoverySection(_ key: String, _ yaml: String) throws -> ServiceDiscoveryConfigs {
    let indented = yaml.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n")
    let parsed = try PrometheusConfig.parse(
        """
        scrape_configs:
          - job_name: sd
            \(key):
              - \(indented.dropFirst(8))
        """)
    guard let section = parsed.scrapeConfigs.first?.serviceDiscovery else { throw MissingSection() }
    return section
}

struct MissingSection: Error {}

/// Runs `provider` while `body` reads its updates; cancels it when `body` returns.
func withProvider(
    _ provider: some DiscoveryProvider, _ body: (UpdateReader) async throws -> Void
) async throws {
    let (stream, continuation) = AsyncStream.makeStream(of: [DiscoveredTargetGroup].self)
    let reader = UpdateReader(stream)
    try await withThrowingDiscardingTaskGroup { tasks in
        tasks.addTask { try await provider.run(updates: continuation) }
        try await body(reader)
        tasks.cancelAll()
    }
}
