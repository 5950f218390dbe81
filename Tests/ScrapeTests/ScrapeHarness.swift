import AsyncHTTPClient
import Config
import Discovery
import Foundation
import Logging
import Model
import NIOHTTPCompression
@testable import Scrape
import Testing

/// A scrape manager under test: real HTTP client, recording sink, and a discovery stream the
/// test feeds. Waits are on committed batches; the timeouts only guard against a hang.
final class ScrapeHarness: Sendable {
    let sink: RecordingSink
    let client: HTTPClient
    let manager: ScrapeManager
    private let targetSets: AsyncStream<DiscoveryManager<ContinuousClock>.TargetSets>.Continuation
    private let running: Task<Void, Never>

    /// Starts a manager on the `scrape_configs` in `yaml`.
    init(yaml: String) throws {
        let sink = RecordingSink()
        var configuration = HTTPClient.Configuration(decompression: .enabled(limit: .none))
        // As the server's client: a refused connection fails the scrape at once.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let manager = ScrapeManager(appendable: sink, httpClient: client, logger: Logger(label: "scrape-tests"))
        try manager.applyConfig(PrometheusConfig.parse(yaml))
        let (stream, continuation) = AsyncStream.makeStream(of: DiscoveryManager<ContinuousClock>.TargetSets.self)
        self.sink = sink
        self.client = client
        self.manager = manager
        targetSets = continuation
        running = Task { await manager.run(targetSets: stream) }
    }

    /// Sends `addresses` (one static group) as the job's complete target set.
    func discover(_ job: String, _ addresses: [String], labels: Labels = Labels()) {
        let group = DiscoveredTargetGroup(
            source: "0", targets: addresses.map(DiscoveredTargetGroup.target(address:)), labels: labels)
        targetSets.yield([job: [group]])
    }

    /// The next `count` batches whose `up` series is for `instance` (others are skipped).
    func batches(_ count: Int, instance: String, within limit: Duration = .seconds(20)) async throws -> [RecordingSink.Batch] {
        try await batches(count, within: limit) { $0.instance == instance }
    }

    /// The next `count` successful scrapes of `instance`: a failed one (a timeout on a loaded
    /// machine) is skipped.
    func successes(_ count: Int, instance: String) async throws -> [RecordingSink.Batch] {
        try await batches(count) { $0.instance == instance && $0.up == 1 }
    }

    /// The next `count` batches for which `matching` holds.
    func batches(
        _ count: Int, within limit: Duration = .seconds(20), matching: @escaping @Sendable (RecordingSink.Batch) -> Bool
    ) async throws -> [RecordingSink.Batch] {
        let sink = self.sink
        return try await withThrowingTaskGroup(of: [RecordingSink.Batch]?.self) { group in
            group.addTask {
                var found: [RecordingSink.Batch] = []
                for await batch in sink.batches where matching(batch) {
                    found.append(batch)
                    if found.count == count { break }
                }
                return found
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            let result = try await group.next() ?? nil
            return try #require(result, "no \(count) matching batches within \(limit)")
        }
    }

    /// Stops the manager (waiting for every loop) and the client.
    func shutdown() async throws {
        targetSets.finish()
        running.cancel()
        await running.value
        try await client.shutdown()
    }
}

/// A `prometheus.yml` with one job scraping every `interval`.
func scrapeYAML(job: String = "test", interval: String = "200ms", timeout: String = "200ms", extra: String = "") -> String {
    """
    scrape_configs:
      - job_name: \(job)
        scrape_interval: \(interval)
        scrape_timeout: \(timeout)
    \(extra.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
    """
}

/// Runs `body` with a harness on `yaml` whose job `test` scrapes one fake exporter per reply;
/// the manager and the exporters are stopped afterwards, also when `body` throws.
func withExporters<T>(
    _ replies: [FakeExporter.Reply], yaml: String = scrapeYAML(),
    _ body: (ScrapeHarness, [FakeExporter]) async throws -> T
) async throws -> T {
    var exporters: [FakeExporter] = []
    for reply in replies { exporters.append(try await FakeExporter(reply)) }
    let harness = try ScrapeHarness(yaml: yaml)
    harness.discover("test", exporters.map(\.address))
    let result: Result<T, any Error>
    do { result = .success(try await body(harness, exporters)) } catch { result = .failure(error) }
    try await harness.shutdown()
    for exporter in exporters { try await exporter.stop() }
    return try result.get()
}

/// A file of `Tests/ExpositionTests/Fixtures` (real exporter pages).
func expositionFixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ExpositionTests/Fixtures/" + name).standardized
    return try [UInt8](Data(contentsOf: url))
}
