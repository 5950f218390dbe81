import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PharosTestSupport
import Testing

/// `pharos server --alertmanager.config.file=…`: the rule evaluator's alerts reach the built-in
/// Alertmanager without an `alerting:` section, its webhook fires, and its API answers on
/// `--alertmanager.listen-address` and under `/alertmanager/` on the main port.
@Suite(.enabled(if: Support.pharos != nil))
struct BuiltInAlertmanagerTests {
    @Test func ruleAlertsReachTheWebhook() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(60))
        defer { guardTask.cancel() }
        try Data("""
            global: {evaluation_interval: 1s, scrape_interval: 1h}
            rule_files: [rules.yml]
            """.utf8).write(to: URL(fileURLWithPath: directory + "/prometheus.yml"))
        try Data("""
            groups:
              - name: g
                interval: 1s
                rules:
                  - alert: AlwaysFiring
                    expr: vector(1)
                    labels: {severity: page}
                    annotations: {summary: 'value {{ $value }}'}
            """.utf8).write(to: URL(fileURLWithPath: directory + "/rules.yml"))
        try Data("""
            route: {receiver: hook, group_by: [alertname], group_wait: 100ms, group_interval: 1s}
            receivers: [{name: hook, webhook_configs: [{url: '\(recorder.url)'}]}]
            """.utf8).write(to: URL(fileURLWithPath: directory + "/alertmanager.yml"))
        let port = try Daemon.freePort(), amPort = try Daemon.freePort(), pushPort = try Daemon.freePort()
        let pharos = try Daemon(try #require(Support.pharos), [
            "server", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--alertmanager.config.file=\(directory)/alertmanager.yml",
            "--alertmanager.listen-address=127.0.0.1:\(amPort)", "--pushgateway.listen-address=127.0.0.1:\(pushPort)",
        ], output: .file(directory + "/pharos.log"))
        defer { pharos.stop() }
        try await pharos.waitUntilListening(port: amPort)

        var requests = recorder.requests.makeAsyncIterator()
        let request = try #require(await requests.next(), "no webhook; log: \(pharos.log)")
        let body = request.json
        #expect(body["groupKey"] as? String == "{}:{alertname=\"AlwaysFiring\"}")
        let alert = try #require((body["alerts"] as? [[String: Any]])?.first)
        #expect((alert["labels"] as? [String: String])?["severity"] == "page")
        #expect((alert["annotations"] as? [String: String])?["summary"] == "value 1")

        for url in ["http://127.0.0.1:\(amPort)/api/v2/alerts", "http://127.0.0.1:\(port)/alertmanager/api/v2/alerts"] {
            let (status, data) = try await Self.get(url)
            #expect(status == 200)
            let alerts = try #require(try JSONSerialization.jsonObject(with: Data(data)) as? [[String: Any]])
            #expect(alerts.compactMap { ($0["labels"] as? [String: String])?["alertname"] } == ["AlwaysFiring"])
        }
        let (_, metrics) = try await Self.get("http://127.0.0.1:\(port)/metrics")
        let text = String(decoding: metrics, as: UTF8.self)
        #expect(text.contains("alertmanager_notifications_total{integration=\"webhook\"}"))
        #expect(text.contains("alertmanager_notification_latency_seconds_bucket"))
        #expect(text.contains("alertmanager_silences{state=\"active\"} 0"))
    }

    static func get(_ url: String) async throws -> (Int, [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), Array(body.readableBytesView))
    }
}
