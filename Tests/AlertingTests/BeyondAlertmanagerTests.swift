@testable import Alerting
import AsyncHTTPClient
import Foundation
import Logging
import Model
import NIOCore
import NIOHTTP1
import PharosTestSupport
import Testing

/// What Pharos adds to Alertmanager (issue 9 item 6), in process against a webhook recorder.
@Suite struct BeyondAlertmanagerTests {
    static func start(url: String, whenMuted: Bool) throws -> (Alertmanager, Task<Void, Never>) {
        try AlertmanagerEndToEndTests.start(try AlertmanagerConfig.parse("""
            route: {receiver: hook, group_by: [alertname], group_wait: 100ms, group_interval: 1s, repeat_interval: 1h}
            receivers:
              - name: hook
                send_resolved_when_muted: \(whenMuted)
                webhook_configs: [{url: '\(url)'}]
            """))
    }

    /// An alert notified firing, then silenced, then resolved: with `send_resolved_when_muted`
    /// the receiver hears it resolved; without (Alertmanager's behaviour) it hears nothing more.
    @Test(arguments: [true, false]) func resolvedWhileSilenced(whenMuted: Bool) async throws {
        let recorder = try await WebhookRecorder()
        // Expected notifications end the wait; an unwanted one would come within a group interval
        // (1 s), so after the firing one a 5 s window decides. The first guard bounds a hang only.
        let guardTask = recorder.finish(after: .seconds(60))
        var window: Task<Void, Never>?
        defer {
            guardTask.cancel()
            window?.cancel()
        }
        let (alertmanager, loop) = try Self.start(url: recorder.url, whenMuted: whenMuted)
        defer { loop.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        let labels = ["alertname": "Disk", "instance": "a"]
        alertmanager.receive([try AlertmanagerEndToEndTests.alert(labels, now: alertmanager.nowMs)])
        let firing = try #require(await requests.next())
        #expect(firing.json["status"] as? String == "firing")
        if !whenMuted { window = recorder.finish(after: .seconds(5)) }
        let now = alertmanager.nowMs
        _ = try alertmanager.setSilence(Silence(matchers: [try .init(.equal, "alertname", "Disk")], startsAtMs: now,
                                                endsAtMs: now + 3_600_000, createdBy: "t", comment: "maintenance"))
        alertmanager.receive([try AlertmanagerEndToEndTests.alert(labels, ends: alertmanager.nowMs, now: alertmanager.nowMs)])
        let next = await requests.next()
        if whenMuted {
            let resolved = try #require(next)
            #expect(resolved.json["status"] as? String == "resolved")
            #expect(((resolved.json["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String]) == labels)
        } else {
            #expect(next == nil, "a silenced alert was notified: \(next.map { String(decoding: $0.body, as: UTF8.self) } ?? "")")
        }
    }

    /// `pharos server --role=alertmanager` with `config`; its API base URL.
    static func startPharos(_ directory: String, config: String) async throws -> (PharosTestSupport.Daemon, String) {
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/am.yml"))
        let port = try PharosTestSupport.Daemon.freePort()
        let pharos = try PharosTestSupport.Daemon(try #require(Support.pharos), [
            "server", "--role=alertmanager", "--config.file=\(directory)/am.yml", "--storage.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)",
        ], output: .file(directory + "/pharos.log"))
        try await pharos.waitUntilListening(port: port)
        return (pharos, "http://127.0.0.1:\(port)/api/v2")
    }

    /// An alert silenced from the start is never notified, not even resolved.
    @Test func neverNotifiedStaysQuiet() async throws {
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(4))
        defer { guardTask.cancel() }
        let (alertmanager, loop) = try Self.start(url: recorder.url, whenMuted: true)
        defer { loop.cancel() }
        let now = alertmanager.nowMs
        _ = try alertmanager.setSilence(Silence(matchers: [try .init(.equal, "alertname", "Disk")], startsAtMs: now,
                                                endsAtMs: now + 3_600_000, createdBy: "t", comment: "c"))
        alertmanager.receive([try AlertmanagerEndToEndTests.alert(["alertname": "Disk"], now: now)])
        try await Task.sleep(for: .seconds(1.5))  // a scripted time line: the group flushed once
        alertmanager.receive([try AlertmanagerEndToEndTests.alert(["alertname": "Disk"], ends: alertmanager.nowMs, now: alertmanager.nowMs)])
        var count = 0
        for await _ in recorder.requests { count += 1 }
        #expect(count == 0)
    }

    /// `GET /api/v2/alerts/history` of `pharos server --role=alertmanager`: an alert notified,
    /// silenced, resolved shows those events in order; a malformed fingerprint is refused.
    @Test(.enabled(if: Support.pharos != nil)) func historyOverHTTP() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(20))
        defer { guardTask.cancel() }
        let (pharos, base) = try await Self.startPharos(directory, config: """
            route: {receiver: hook, group_by: [alertname], group_wait: 100ms, group_interval: 1s}
            receivers: [{name: hook, webhook_configs: [{url: '\(recorder.url)'}]}]
            """)
        defer { pharos.stop() }
        var requests = recorder.requests.makeAsyncIterator()
        try await AlertmanagerDifferentialTests.post(base, "/alerts", #"[{"labels":{"alertname":"Disk"}}]"#)
        _ = try #require(await requests.next())
        let silence = #"{"matchers":[{"name":"alertname","value":"Disk","isRegex":false}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"t","comment":"c"}"#
        try await AlertmanagerDifferentialTests.post(base, "/silences", silence)
        try await Task.sleep(for: .seconds(1.5))  // a flush sees the silence (scripted time line)
        try await AlertmanagerDifferentialTests.post(base, "/alerts", #"[{"labels":{"alertname":"Disk"},"endsAt":"2026-01-01T00:00:00Z","startsAt":"2025-01-01T00:00:00Z"}]"#)
        let fingerprint = Fingerprint(["alertname": "Disk"]).description
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/alerts/history?fingerprint=" + fingerprint), timeout: .seconds(10))
        #expect(response.status == .ok)
        let body = try await response.body.collect(upTo: 1 << 20)
        let events = try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]])
        let kinds = events.compactMap { $0["type"] as? String }
        #expect(kinds == ["firing", "notified", "silenced", "resolved"], "\(events)")
        #expect(events[1]["receiver"] as? String == "hook" && events[1]["integration"] as? String == "webhook[0]")
        #expect((events[2]["by"] as? [String])?.count == 1)
        for bad in ["", "?fingerprint=xyz", "?fingerprint=12345678901234567", "?fingerprint=1&fingerprint=2"] {
            let refused = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/alerts/history" + bad), timeout: .seconds(10))
            #expect(refused.status == .badRequest, "\(bad)")
        }
    }

    /// The notification metrics of `pharos server --role=alertmanager` as upstream's
    /// `RetryStage` counts them: a Slack notification refused with 400 is one notification, one
    /// failed request and one failed notification with reason `clientError`; a Discord one that
    /// got through after a 503 is one notification and two requests.
    @Test(.enabled(if: Support.pharos != nil)) func notificationMetrics() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let slack = try await WebhookRecorder(statuses: [400]), discord = try await WebhookRecorder(statuses: [503])
        let (pharos, base) = try await Self.startPharos(directory, config: """
            route: {receiver: r, group_by: [alertname], group_wait: 100ms, group_interval: 1h}
            receivers: [{name: r, slack_configs: [{api_url: '\(slack.url)'}], discord_configs: [{webhook_url: '\(discord.url)'}]}]
            """)
        defer { pharos.stop() }
        try await AlertmanagerDifferentialTests.post(base, "/alerts", #"[{"labels":{"alertname":"Disk"}}]"#)
        let expected = [
            #"alertmanager_notifications_total{integration="slack"} 1"#,
            #"alertmanager_notification_requests_total{integration="slack"} 1"#,
            #"alertmanager_notification_requests_failed_total{integration="slack"} 1"#,
            #"alertmanager_notifications_failed_total{integration="slack",reason="clientError"} 1"#,
            #"alertmanager_notifications_failed_total{integration="slack",reason="serverError"} 0"#,
            #"alertmanager_notifications_total{integration="discord"} 1"#,
            #"alertmanager_notification_requests_total{integration="discord"} 2"#,
            #"alertmanager_notification_requests_failed_total{integration="discord"} 1"#,
            #"alertmanager_notifications_failed_total{integration="discord",reason="serverError"} 0"#,
            #"alertmanager_notification_latency_seconds_count{integration="discord"} 2"#,
        ]
        var text = ""
        let end = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < end {  // bounded: until the retry went through
            let (_, body) = try await BuiltInAlertmanagerTests.get(base.replacingOccurrences(of: "/api/v2", with: "/metrics"))
            text = String(decoding: body, as: UTF8.self)
            if expected.allSatisfy(text.contains) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        for line in expected { #expect(text.contains(line), "\(line)") }
    }

    /// The history is kept in `history.jsonl`: an alert notified then silenced shows the same
    /// events after a restart, and the restarted Alertmanager goes on recording onto them.
    @Test func historySurvivesARestart() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(20))
        defer { guardTask.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        let config = try AlertmanagerEndToEndTests.config(url: recorder.url)
        let labels = ["alertname": "Disk", "instance": "a"], fingerprint = Fingerprint(labels)
        let (first, loop) = try AlertmanagerEndToEndTests.start(config, storagePath: directory)
        first.receive([try AlertmanagerEndToEndTests.alert(labels, now: first.nowMs)])
        _ = try #require(await requests.next())
        let now = first.nowMs
        _ = try first.setSilence(Silence(matchers: [try .init(.equal, "alertname", "Disk")], startsAtMs: now,
                                         endsAtMs: now + 3_600_000, createdBy: "t", comment: "c"))
        for _ in 0..<100 where first.history(of: fingerprint).count < 3 { try await Task.sleep(for: .milliseconds(100)) }
        loop.cancel()
        await loop.value
        let before = first.history(of: fingerprint)
        #expect(before.map(\.kind) == [.firing, .notified, .silenced], "\(before)")

        let (second, secondLoop) = try AlertmanagerEndToEndTests.start(config, storagePath: directory)
        defer { secondLoop.cancel() }
        #expect(second.history(of: fingerprint) == before)
        // The state came back too: the same firing alert adds no event; its resolution does.
        second.receive([try AlertmanagerEndToEndTests.alert(labels, now: second.nowMs)])
        second.receive([try AlertmanagerEndToEndTests.alert(labels, ends: second.nowMs, now: second.nowMs)])
        #expect(second.history(of: fingerprint).map(\.kind) == [.firing, .notified, .silenced, .resolved])
        second.maintain()  // rewrites the file whole
        let (third, thirdLoop) = try AlertmanagerEndToEndTests.start(config, storagePath: directory)
        thirdLoop.cancel()
        #expect(third.history(of: fingerprint) == second.history(of: fingerprint))
    }

    /// A line cut short by a crash is skipped; any other line that does not decode stops the
    /// start with the file's path; mutated files never crash the reader.
    @Test func historyFileDamage() throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/history.jsonl"
        let good = HistoryFile.encode([
            (Fingerprint(value: 1), .init(kind: .firing, atMs: 5)),
            (Fingerprint(value: 1), .init(kind: .notified, atMs: 6, receiver: "r", integration: "webhook[0]", status: "firing")),
            (Fingerprint(value: 2), .init(kind: .silenced, atMs: 7, by: ["id"])),
        ])
        try Data(good + Array(#"{"fingerprint":1,"ty"#.utf8)).write(to: URL(fileURLWithPath: path))
        #expect(try HistoryFile.read(path).count == 3)
        try Data(Array(#"{"fingerprint":1}"#.utf8) + [10] + good).write(to: URL(fileURLWithPath: path))
        #expect(throws: AlertingError.self) { try HistoryFile.read(path) }
        var options = Alertmanager.Options()
        options.storagePath = directory
        #expect(throws: AlertingError.self) {
            try Alertmanager(config: try AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r}]"), options: options,
                             httpClient: HTTPClient.shared, logger: Logger(label: "test"))
        }
        var random = SeededGenerator(seed: 9)
        for _ in 0..<300 {
            try Data(random.mutate(good, alphabet: Array(#"{}[]":,0123456789abcfinrgtyp\"#.utf8) + [10, 0, 0xFF])).write(to: URL(fileURLWithPath: path))
            do { _ = try HistoryFile.read(path) } catch {
                guard case .stateFile(let failing, _) = error else { Issue.record("\(error)"); continue }
                #expect(failing == path)
            }
        }
    }
}
