import Foundation
import PharosTestSupport
import Testing

/// `stream: kind: kafka` is refused by the single-process server until the cluster roles exist,
/// rather than being silently ignored.
@Suite struct StreamSectionServerTests {
    @Test func kafkaStreamIsRefusedClearly() async throws {
        guard let binary = PharosInstance.binary else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-stream-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/prometheus.yml"
        try "stream:\n  kind: kafka\n  brokers: [127.0.0.1:9]\n  topic: pharos\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try Daemon(binary, ["server", "--config.file=\(config)", "--web.listen-address=127.0.0.1:0",
                                         "--storage.tsdb.path=\(directory)/data"],
                                output: .file(directory + "/server.log"))
        #expect(await server.waitForExit(timeout: .seconds(20)) == 1)
        #expect(server.log.contains("msg=\"stream.kind: kafka (--config.file="), "\(server.log)")
        #expect(server.log.contains("needs the cluster roles, which are not implemented yet"), "\(server.log)")
    }
}
