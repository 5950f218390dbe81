import Foundation
import NIOHTTP1
import PharosTestSupport
import Testing

/// `pharos server` evaluating an alerting rule on its own scraped `up` and sending the alert
/// to Debian's real Alertmanager 0.25; the alert is seen in Alertmanager's `/api/v2/alerts`
/// and in Pharos's rules, alerts and alertmanagers APIs, then resolves after a reload.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct AlertingServerTests {
    static let alertmanager = TestBinaries.onPath("prometheus-alertmanager")

    @Test(.enabled(if: alertmanager != nil, "needs Debian's prometheus-alertmanager"))
    func alertFiresInAlertmanagerAndShowsInTheAPIs() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-alerting-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (alertmanager, alertmanagerPort) = try await Self.startAlertmanager(in: directory)
        defer { alertmanager.stop() }

        let port = try Daemon.freePort()
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
              external_labels: {cluster: test}
            rule_files: [rules.yml]
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['127.0.0.1:\(alertmanagerPort)']
            scrape_configs:
              - job_name: pharos
                static_configs:
                  - targets: ['127.0.0.1:\(port)']
            """
        func rules(_ expr: String) -> String {
            """
            groups:
              - name: availability
                rules:
                  - alert: PharosUp
                    expr: \(expr)
                    labels: {severity: page}
                    annotations:
                      summary: '{{ $labels.instance }} is up ({{ $value }}) in {{ $externalLabels.cluster }}'
            """
        }
        let pharos = try await PharosInstance(
            config: config, files: ["rules.yml": rules(#"up{job="pharos"} == 1"#)],
            flags: ["--web.external-url=http://pharos.example:9090", "--web.enable-lifecycle", "--rules.alert.resend-delay=1s"],
            port: port)
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()

        let alert = try await Self.firstReceivedAlert(alertmanagerPort: alertmanagerPort, pharos: pharos)
        let instance = "127.0.0.1:\(port)"
        #expect(alert["labels"] as? [String: String] == [
            "alertname": "PharosUp", "cluster": "test", "instance": instance, "job": "pharos", "severity": "page",
        ])
        #expect(alert["annotations"] as? [String: String] == ["summary": "\(instance) is up (1) in test"])
        #expect(alert["generatorURL"] as? String == "http://pharos.example:9090/graph?g0.expr=up%7Bjob%3D%22pharos%22%7D+%3D%3D+1&g0.tab=1")
        #expect(["active", "unprocessed"].contains((alert["status"] as? [String: Any])?["state"] as? String))
        let startsAt = try #require((alert["startsAt"] as? String).flatMap(Self.date))
        let endsAt = try #require((alert["endsAt"] as? String).flatMap(Self.date))
        // endsAt = last send + 4 × max(resend delay 1s, interval 1s).
        #expect(endsAt.timeIntervalSince(startsAt) >= 4 && endsAt.timeIntervalSinceNow < 5)

        let rulesData = try await pharos.data("/api/v1/rules") as? [String: Any]
        let group = try #require((rulesData?["groups"] as? [[String: Any]])?.first)
        #expect(group["name"] as? String == "availability")
        #expect(group["file"] as? String == pharos.directory + "/rules.yml")
        #expect(group["interval"] as? Double == 1)
        let rule = try #require((group["rules"] as? [[String: Any]])?.first)
        #expect(rule["type"] as? String == "alerting")
        #expect(rule["health"] as? String == "ok")
        #expect(rule["state"] as? String == "firing")
        #expect(rule["query"] as? String == #"up{job="pharos"} == 1"#)
        let ruleAlert = try #require((rule["alerts"] as? [[String: Any]])?.first)
        #expect(ruleAlert["value"] as? String == "1e+00")
        #expect((ruleAlert["labels"] as? [String: String])?["cluster"] == nil, "external labels are added on sending only")
        let recordOnly = try await pharos.data("/api/v1/rules?type=record") as? [String: Any]
        #expect((recordOnly?["groups"] as? [Any])?.isEmpty == true)
        let pages = try await pharos.data("/api/v1/rules?\(encoded("match[]"))=\(encoded("{severity=\"page\"}"))") as? [String: Any]
        #expect((pages?["groups"] as? [Any])?.count == 1)
        let tickets = try await pharos.data("/api/v1/rules?\(encoded("match[]"))=\(encoded("{severity=\"ticket\"}"))") as? [String: Any]
        #expect((tickets?["groups"] as? [Any])?.isEmpty == true)
        let excluded = try await pharos.data("/api/v1/rules?exclude_alerts=true") as? [String: Any]
        #expect((((excluded?["groups"] as? [[String: Any]])?.first?["rules"] as? [[String: Any]])?.first?["alerts"]) == nil)

        let alerts = try await pharos.data("/api/v1/alerts") as? [String: [[String: Any]]]
        #expect(alerts?["alerts"]?.map { $0["state"] as? String } == ["firing"])
        let managers = try await pharos.data("/api/v1/alertmanagers") as? [String: [[String: String]]]
        #expect(managers?["activeAlertmanagers"]?.map { $0["url"] } == ["http://127.0.0.1:\(alertmanagerPort)/api/v2/alerts"])

        // The same rule with an expression that no longer holds: its alert resolves, is sent
        // with endsAt in the past, and leaves Alertmanager's active alerts.
        try rules(#"up{job="pharos"} == 2"#).write(toFile: pharos.directory + "/rules.yml", atomically: true, encoding: .utf8)
        #expect(try await pharos.get("/-/reload", method: .POST).status == 200)
        var remaining = [alert]
        for _ in 0..<150 where !remaining.isEmpty {
            try await Task.sleep(for: .milliseconds(200))
            remaining = try await Self.alerts(alertmanagerPort: alertmanagerPort)
        }
        #expect(remaining.isEmpty, "\(remaining)")
        #expect((try await pharos.data("/api/v1/alerts") as? [String: [Any]])?["alerts"]?.isEmpty == true)
    }

    /// Alertmanager's active alerts (`GET /api/v2/alerts`, a bare JSON array).
    /// An Alertmanager found through `file_sd_configs` receives the alerts; one that
    /// `relabel_configs` drops is listed as dropped by the alertmanagers API.
    @Test(.enabled(if: alertmanager != nil, "needs Debian's prometheus-alertmanager"))
    func alertmanagerFoundByFileSDReceivesAlerts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-alerting-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (alertmanager, alertmanagerPort) = try await Self.startAlertmanager(in: directory)
        defer { alertmanager.stop() }
        let standbyPort = try Daemon.freePort()
        let pharos = try await PharosInstance(
            config: """
                global:
                  evaluation_interval: 1s
                rule_files: [rules.yml]
                alerting:
                  alertmanagers:
                    - file_sd_configs:
                        - files: [alertmanagers.json]
                      relabel_configs:
                        - {source_labels: [role], regex: standby, action: drop}
                """,
            files: [
                "rules.yml": "groups:\n  - name: g\n    rules:\n      - alert: Always\n        expr: vector(1)\n        labels: {via: file_sd}\n",
                "alertmanagers.json": """
                    [{"targets": ["127.0.0.1:\(alertmanagerPort)"], "labels": {"role": "primary"}},
                     {"targets": ["127.0.0.1:\(standbyPort)"], "labels": {"role": "standby"}}]
                    """,
            ],
            flags: ["--rules.alert.resend-delay=1s"])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        // Discovery publishes within its 5 s throttle; the alert is resent every second.
        let alert = try await Self.firstReceivedAlert(alertmanagerPort: alertmanagerPort, pharos: pharos)
        #expect(alert["labels"] as? [String: String] == ["alertname": "Always", "via": "file_sd"])
        let managers = try await pharos.data("/api/v1/alertmanagers") as? [String: [[String: String]]]
        #expect(managers?["activeAlertmanagers"]?.map { $0["url"] } == ["http://127.0.0.1:\(alertmanagerPort)/api/v2/alerts"])
        #expect(managers?["droppedAlertmanagers"]?.map { $0["url"] } == ["http://127.0.0.1:\(standbyPort)/api/v2/alerts"])
    }

    /// Debian's Alertmanager with one receiver that drops everything, its files in `directory`
    /// (created), on a free loopback port.
    /// The notifier's `<http_config>` against Debian's Alertmanager 0.25 serving HTTPS with basic
    /// auth (`--web.config.file`): `scheme: https`, `tls_config.ca_file` and a password file.
    /// The alert shows in Alertmanager (read back with Debian's amtool over the same TLS).
    @Test(.enabled(if: alertmanager != nil && TestCertificates.isAvailable && TestBinaries.onPath("amtool") != nil,
                   "needs Debian's prometheus-alertmanager, amtool and openssl"))
    func alertsReachAnAlertmanagerBehindTLSAndBasicAuth() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-alerting-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificates = try await TestCertificates()
        try FileManager.default.createDirectory(atPath: directory + "/am", withIntermediateDirectories: true)
        // bcrypt of "s3cret", made with Python's crypt module (libxcrypt), cost 4.
        try """
            tls_server_config: {cert_file: \(certificates.serverCertFile), key_file: \(certificates.serverKeyFile)}
            basic_auth_users: {alice: $2b$04$0PzpbzPtSfvQdHjgv.S/SuGnOzpX0rLnePW3d3pcZeerEyYm/rZEO}
            """.write(toFile: directory + "/am-web.yml", atomically: true, encoding: .utf8)
        try "s3cret\n".write(toFile: directory + "/password", atomically: true, encoding: .utf8)
        try "route:\n  receiver: sink\nreceivers:\n  - name: sink\n".write(toFile: directory + "/am.yml", atomically: true, encoding: .utf8)
        let alertmanagerPort = try Daemon.freePort()
        let alertmanager = try Daemon(try #require(Self.alertmanager), [
            "--config.file=\(directory)/am.yml", "--storage.path=\(directory)/am", "--web.config.file=\(directory)/am-web.yml",
            "--web.listen-address=127.0.0.1:\(alertmanagerPort)", "--cluster.listen-address=",
        ], output: .file(directory + "/am.log"))
        defer { alertmanager.stop() }
        try await alertmanager.waitUntilListening(port: alertmanagerPort)

        let pharos = try await PharosInstance(config: """
            global: {evaluation_interval: 1s}
            rule_files: [rules.yml]
            alerting:
              alertmanagers:
                - scheme: https
                  tls_config: {ca_file: \(certificates.caFile)}
                  basic_auth: {username: alice, password_file: \(directory)/password}
                  static_configs: [{targets: ['127.0.0.1:\(alertmanagerPort)']}]
            """, files: ["rules.yml": "groups: [{name: g, rules: [{alert: OverTLS, expr: vector(1)}]}]"],
            flags: ["--rules.alert.resend-delay=1s"])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()

        try "tls_config: {ca_file: \(certificates.caFile)}\nbasic_auth: {username: alice, password: s3cret}\n"
            .write(toFile: directory + "/amtool.yml", atomically: true, encoding: .utf8)
        let amtool = try #require(TestBinaries.onPath("amtool"))
        var names: [String] = []
        var output = ""
        for attempt in 0..<150 where names.isEmpty {
            let query = try Daemon(amtool, [
                "--alertmanager.url=https://127.0.0.1:\(alertmanagerPort)", "--http.config.file=\(directory)/amtool.yml",
                "alert", "query", "-o", "json",
            ], output: .file(directory + "/amtool-\(attempt).out"))  // a file per run: output is appended
            _ = await query.waitForExit(timeout: .seconds(10))
            output = query.log
            let alerts = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [[String: Any]] ?? []
            names = alerts.compactMap { ($0["labels"] as? [String: String])?["alertname"] }
            if names.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(names == ["OverTLS"], "amtool: \(output)\n\(pharos.daemon.log)")
    }

    private static func startAlertmanager(in directory: String) async throws -> (Daemon, port: Int) {
        try FileManager.default.createDirectory(atPath: directory + "/am", withIntermediateDirectories: true)
        try "route:\n  receiver: sink\nreceivers:\n  - name: sink\n".write(toFile: directory + "/am.yml", atomically: true, encoding: .utf8)
        let port = try Daemon.freePort()
        let alertmanager = try Daemon(try #require(Self.alertmanager), [
            "--config.file=\(directory)/am.yml", "--storage.path=\(directory)/am",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ], output: .file(directory + "/am.log"))
        do {
            try await alertmanager.waitUntilListening(port: port)
        } catch {
            alertmanager.stop()
            throw error
        }
        return (alertmanager, port)
    }

    /// The first alert Alertmanager shows, waiting up to 30 s for one.
    private static func firstReceivedAlert(alertmanagerPort: Int, pharos: PharosInstance) async throws -> [String: Any] {
        var received: [[String: Any]] = []
        for _ in 0..<150 where received.isEmpty {
            received = try await alerts(alertmanagerPort: alertmanagerPort)
            if received.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        return try #require(received.first, "no alert reached Alertmanager\n\(pharos.daemon.log)")
    }

    private static func alerts(alertmanagerPort: Int) async throws -> [[String: Any]] {
        let reply = try await PharosInstance.fetch("http://127.0.0.1:\(alertmanagerPort)/api/v2/alerts")
        guard reply.status == 200 else { throw DaemonError("alertmanager: \(reply.status) \(reply.body)") }
        return try JSONSerialization.jsonObject(with: Data(reply.bytes)) as? [[String: Any]] ?? []
    }

    private static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}
