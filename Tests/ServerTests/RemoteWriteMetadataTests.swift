import Exposition
import Foundation
import Model
import PharosTestSupport
import Testing

/// Remote write 2.0 puts metadata on every series. No Debian peer receives 2.0 (Prometheus 2.42
/// and VictoriaMetrics 1.79 fall back to 1.0, see `RemoteWriteSenderTests`), so the receiver is
/// a loopback server decoding with Pharos's decoder (`RecordingReceiver`).
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct RemoteWriteMetadataTests {
    /// Pharos scrapes itself and sends 2.0: each series carries its family's type, help and
    /// unit (a counter by its name, histogram buckets by their family); synthetic series such
    /// as `up` carry an unspecified type.
    @Test func v2SeriesCarryTheirFamilysMetadata() async throws {
        let receiver = try await RecordingReceiver()
        defer { Task { try? await receiver.stop() } }
        let port = try Daemon.freePort()
        let pharos = try await PharosInstance(
            config: """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: pharos
                    static_configs:
                      - targets: ['127.0.0.1:\(port)']
                remote_write:
                  - url: \(receiver.url)
                    protobuf_message: io.prometheus.write.v2.Request
                    queue_config: {batch_send_deadline: 200ms, max_samples_per_send: 5000}
                """,
            port: port)
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()

        var found: (cpu: MetricMetadata?, bucket: MetricMetadata?, up: MetricMetadata?) = (nil, nil, nil)
        for _ in 0..<150 where found.cpu == nil || found.bucket == nil || found.up == nil {
            for (version, batch) in receiver.batches where version == .v2 {
                #expect(batch.seriesMetadata.count == batch.labels.count, "every series carries metadata")
                for (labels, metadata) in zip(batch.labels, batch.seriesMetadata) where metadata.type != .unknown || labels.metricName == "up" {
                    switch labels.metricName {
                    case "process_cpu_seconds_total": found.cpu = metadata
                    case "prometheus_http_request_duration_seconds_bucket": found.bucket = metadata
                    case "up": found.up = metadata
                    default: break
                    }
                }
            }
            if found.cpu == nil || found.bucket == nil || found.up == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(receiver.batches.allSatisfy { $0.version == .v2 }, "the receiver confirms 2.0, so the queue stays on it")
        #expect(found.cpu == MetricMetadata(type: .counter, help: "Total user and system CPU time spent in seconds."), "\(pharos.daemon.log)")
        #expect(found.bucket?.type == .histogram)
        #expect(found.up == MetricMetadata())
        let flags = try await pharos.data("/api/v1/status/flags") as? [String: String]
        #expect(flags?["storage.remote.max-wal-backlog"] == "4GB", "the backlog limit's default")
    }

    /// `--storage.remote.max-wal-backlog` takes a size; anything else stops the server with the flag's name.
    @Test func backlogLimitMustBeASize() async throws {
        let binary = try #require(PharosInstance.binary)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-backlog-flag-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(binary, ["server", "--storage.remote.max-wal-backlog=lots", "--storage.tsdb.path=\(directory)/data"],
                                output: .file(directory + "/pharos.log"))
        let status = await daemon.waitForExit(timeout: .seconds(60))
        if status == nil { daemon.stop() }
        #expect(status != nil && status != 0)
        #expect(daemon.log.contains("invalid value for --storage.remote.max-wal-backlog: \"lots\" is not a size like 4GB"), "\(daemon.log)")
    }
}
