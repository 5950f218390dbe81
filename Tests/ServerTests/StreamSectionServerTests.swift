import Foundation
import PharosTestSupport
import Testing

/// `stream: kind: kafka` is refused by the single-process server (`--role=all`) rather than being
/// silently ignored; the cluster roles refuse a local stream and missing flags with clear errors.
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
        #expect(server.log.contains("is for the cluster roles: run with --role=distributor, ingester or querier"), "\(server.log)")
    }

    /// Each unsupported combination of role, flags and config exits at once naming what to change.
    @Test(arguments: [
        (["--role=distributor"], "", "--role=distributor needs stream.kind: kafka"),
        (["--role=querier"], "stream:\n  kind: kafka\n  brokers: [127.0.0.1:9]\n", "--role=querier needs stream.ingesters"),
        (["--role=ingester"], "stream:\n  kind: kafka\n  brokers: [127.0.0.1:9]\n", "must be set to a name of [A-Za-z0-9._-] (like ingester-0), unique per ingester"),
        (["--role=ingester", "--ingester.id=ingester-7"], "stream:\n  kind: kafka\n  brokers: [127.0.0.1:9]\n  partitions: 2\n",
         "--ingester.id=ingester-7 derives partition 7, but stream.partitions is 2"),
        (["--role=ruler"], "stream:\n  kind: kafka\n  brokers: [127.0.0.1:9]\n", "--role=ruler needs stream.ingesters"),
        (["--role=ruler"], "", "--role=ruler needs stream.kind: kafka"),
        (["--role=ingester", "--ingester.id=ingester-0"], "remote_write: [{url: \"http://127.0.0.1:9/write\"}]\nstream:\n  kind: kafka\n  brokers: [127.0.0.1:9]\n",
         "is not supported with --role=ingester: ingesters own the data and each replica of a partition would send it again"),
        ([], "remote_read: [{url: \"http://127.0.0.1:9/read\"}]\n", "remote_read (--config.file="),
        (["--role=gateway"], "", "invalid value for --role: \"gateway\""),
        (["--ingester.id=a"], "", "--ingester.id and --ingester.partitions apply only to --role=ingester"),
        (["--role=querier", "--web.enable-remote-write-receiver"], "", "--web.enable-remote-write-receiver applies to --role=all or distributor"),
        (["--role=distributor", "--enable-feature=st-storage"], "stream:\n  kind: kafka\n  brokers: [127.0.0.1:9]\n",
         "chained records do not carry start timestamps; set record_format: remote_write_v2"),
    ] as [([String], String, String)])
    func unsupportedRoleCombinationsAreRefused(flags: [String], config: String, message: String) async throws {
        guard let binary = PharosInstance.binary else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-role-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let server = try Daemon(binary, ["server", "--config.file=\(directory)/prometheus.yml", "--web.listen-address=127.0.0.1:0",
                                         "--storage.tsdb.path=\(directory)/data", "--pushgateway.listen-address", ""] + flags,
                                output: .file(directory + "/server.log"))
        let status = await server.waitForExit(timeout: .seconds(30))
        #expect(status != nil && status != 0, "\(server.log)")
        #expect(server.log.contains(message), "\(server.log)")
    }
}
