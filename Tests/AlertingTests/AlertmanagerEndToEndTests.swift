@testable import Alerting
import AsyncHTTPClient
import Foundation
import Logging
import Model
import Testing

/// The Alertmanager in process with a webhook recorder on loopback: real timers, real HTTP.
@Suite struct AlertmanagerEndToEndTests {
    static func config(url: String, groupInterval: String = "1s") throws -> AlertmanagerConfig {
        try AlertmanagerConfig.parse("""
            route:
              receiver: hook
              group_by: [alertname]
              group_wait: 200ms
              group_interval: \(groupInterval)
              repeat_interval: 1h
            receivers:
              - name: hook
                webhook_configs:
                  - url: '\(url)'
                    max_alerts: 1
            """)
    }

    static func start(_ config: AlertmanagerConfig, storagePath: String = "") throws -> (Alertmanager, Task<Void, Never>) {
        var options = Alertmanager.Options()
        options.storagePath = storagePath
        options.externalURL = "http://am.example:9093"
        let alertmanager = try Alertmanager(config: config, options: options, httpClient: HTTPClient.shared,
                                            logger: Logger(label: "test"))
        return (alertmanager, Task { await alertmanager.run() })
    }

    static func alert(_ labels: [String: String], ends: Int64? = nil, now: Int64) throws -> AlertmanagerAlert {
        try AlertmanagerAlert.received(labels: labels, annotations: ["summary": "s <b>"], startsAtMs: now - 60_000, endsAtMs: ends,
                                       generatorURL: "http://gen/x", nowMs: now, resolveTimeout: .seconds(300))
    }

    @Test func firingThenResolvedWebhooks() async throws {
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(30))
        let (alertmanager, loop) = try Self.start(try Self.config(url: recorder.url))
        defer { loop.cancel(); guardTask.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        let now = alertmanager.nowMs
        alertmanager.receive([try Self.alert(["alertname": "Disk", "instance": "a"], now: now),
                              try Self.alert(["alertname": "Disk", "instance": "b"], now: now)])
        let firing = try #require(await requests.next())
        #expect(firing.path == "/hook")
        #expect(firing.header("Content-Type") == "application/json")
        #expect(firing.header("User-Agent")?.hasPrefix("Alertmanager/") == true)
        let body = firing.json
        #expect(body["version"] as? String == "4")
        #expect(body["status"] as? String == "firing")
        #expect(body["receiver"] as? String == "hook")
        #expect(body["groupKey"] as? String == "{}:{alertname=\"Disk\"}")
        #expect(body["groupLabels"] as? [String: String] == ["alertname": "Disk"])
        // Upstream computes the template data of the alerts left after max_alerts.
        #expect(body["commonLabels"] as? [String: String] == ["alertname": "Disk", "instance": "a"])
        #expect(body["commonAnnotations"] as? [String: String] == ["summary": "s <b>"])
        #expect(body["externalURL"] as? String == "http://am.example:9093")
        #expect(body["truncatedAlerts"] as? Int == 1)  // max_alerts: 1
        let alerts = try #require(body["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        #expect(alerts.first?["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect((alerts.first?["labels"] as? [String: String])?["instance"] == "a")
        #expect(alerts.first?["fingerprint"] as? String == Fingerprint(["alertname": "Disk", "instance": "a"]).description)
        // Go's encoding/json escapes HTML characters.
        #expect(String(decoding: firing.body, as: UTF8.self).contains(#""summary":"s \u003cb\u003e""#))

        // Both resolve: one resolved notification at the next group interval, then silence.
        let later = alertmanager.nowMs
        alertmanager.receive([try Self.alert(["alertname": "Disk", "instance": "a"], ends: later, now: later),
                              try Self.alert(["alertname": "Disk", "instance": "b"], ends: later, now: later)])
        let resolved = try #require(await requests.next())
        #expect(resolved.json["status"] as? String == "resolved")
        #expect(resolved.receivedAt - firing.receivedAt >= .milliseconds(700))  // the next group interval (1 s)
    }

    @Test func retriesServerErrorsAnd429ButNotOther4xx() async throws {
        let recorder = try await WebhookRecorder(statuses: [503, 429, 200])
        let guardTask = recorder.finish(after: .seconds(30))
        // With a group interval of an hour, the three requests can only be retries of one flush.
        let (alertmanager, loop) = try Self.start(try Self.config(url: recorder.url, groupInterval: "1h"))
        defer { loop.cancel(); guardTask.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        alertmanager.receive([try Self.alert(["alertname": "Retry"], now: alertmanager.nowMs)])
        let first = try #require(await requests.next())
        let second = try #require(await requests.next())
        let third = try #require(await requests.next())
        #expect(first.body == second.body && second.body == third.body)

        // A 400 is not retried: with a group interval of an hour nothing may follow the first
        // attempt, while a retry would come within 0.25-0.75 s. The 3 s window opens at the first
        // attempt, so a slow start on a loaded machine does not count against it.
        let refusing = try await WebhookRecorder(statuses: [400, 200])
        let refusingGuard = refusing.finish(after: .seconds(30))
        var window: Task<Void, Never>?
        defer {
            refusingGuard.cancel()
            window?.cancel()
        }
        var refused = refusing.requests.makeAsyncIterator()
        let (other, otherLoop) = try Self.start(try Self.config(url: refusing.url, groupInterval: "1h"))
        defer { otherLoop.cancel() }
        other.receive([try Self.alert(["alertname": "Refused"], now: other.nowMs)])
        _ = try #require(await refused.next())
        window = refusing.finish(after: .seconds(3))
        let again = await refused.next()
        #expect(again == nil, "a 400 was retried")
    }

    @Test func silencesAndNotificationLogSurviveARestart() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(30))
        defer { guardTask.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        let config = try Self.config(url: recorder.url)
        let (first, loop) = try Self.start(config, storagePath: directory)
        let now = first.nowMs
        let id = try first.setSilence(Silence(matchers: [try .init(.equal, "alertname", "Muted")], startsAtMs: now,
                                              endsAtMs: now + 3_600_000, createdBy: "t", comment: "c"))
        first.receive([try Self.alert(["alertname": "Loud"], now: now)])
        _ = try #require(await requests.next())
        // The log is written once the receiver answered; wait for it (bounded).
        for _ in 0..<500 where first.notificationLog.entries.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(first.notificationLog.entries.count == 1)
        loop.cancel()
        _ = await loop.value

        // A new process state from the same directory: the silence is there, and the alert
        // already notified is not notified again (the log says so) though its group starts anew.
        let (second, secondLoop) = try Self.start(config, storagePath: directory)
        #expect(second.silence(id: id)?.createdBy == "t")
        #expect(second.silences().count == 1)
        let again = second.nowMs
        second.receive([try Self.alert(["alertname": "Loud"], now: again), try Self.alert(["alertname": "Muted"], now: again),
                        try Self.alert(["alertname": "New"], now: again)])
        let next = try #require(await requests.next())
        #expect((next.json["groupLabels"] as? [String: String]) == ["alertname": "New"])
        #expect(second.alerts().first { $0.alert.labels["alertname"] == "Muted" }?.silencedBy == [id])
        secondLoop.cancel()
        _ = await secondLoop.value  // its last log write is done before the directory goes
    }

    @Test func refusesIntegrationsNotSupportedYet() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: chat}
            receivers:
              - name: chat
                wechat_configs: [{api_secret: s, corp_id: c}]
            """)
        #expect(throws: AlertingError.unsupportedIntegration("wechat", receiver: "chat")) {
            _ = try Alertmanager(config: config, options: .init(), httpClient: HTTPClient.shared, logger: Logger(label: "t"))
        }
    }

    @Test func refusesCorruptStateFiles() throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("{\"version\":1,\"items\":[{\"id\":".utf8).write(to: URL(fileURLWithPath: directory + "/silences.json"))
        var options = Alertmanager.Options()
        options.storagePath = directory
        let config = try Self.config(url: "http://127.0.0.1:1/")
        do {
            _ = try Alertmanager(config: config, options: options, httpClient: HTTPClient.shared, logger: Logger(label: "t"))
            Issue.record("a corrupt silences file was accepted")
        } catch {
            #expect(error.description.contains("silences.json: corrupt"))
        }
    }
}
