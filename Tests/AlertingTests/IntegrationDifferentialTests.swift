@testable import Alerting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Debian's Alertmanager 0.25 and `pharos server --role=alertmanager` get the same
/// `alertmanager.yml` whose Slack, PagerDuty, OpsGenie, VictorOps, Telegram, Discord, Webex and
/// SNS receivers all point at a loopback recorder (one per server), and the same alerts (firing,
/// then resolved): each integration's requests (method, path, content type, authorization,
/// body) are the same; only what legitimately differs (the SNS signature's date) is left out,
/// and both SNS signatures are checked with Pharos's SigV4 against the recorded request.
@Suite(.enabled(if: Support.pharos != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager")))
struct IntegrationDifferentialTests {
    static func config(_ base: String) -> String {
        """
        global:
          slack_api_url: '\(base)/slack'
          opsgenie_api_url: '\(base)/opsgenie/'
          opsgenie_api_key: og-key
          victorops_api_url: '\(base)/victorops/'
          victorops_api_key: vo-key
          telegram_api_url: '\(base)/telegram'
          webex_api_url: '\(base)/webex'
          pagerduty_url: '\(base)/pagerduty'
        route:
          receiver: all
          group_by: [alertname]
          group_wait: 1s
          group_interval: 2s
          repeat_interval: 1h
        receivers:
          - name: all
            slack_configs:
              - channel: '#ops'
                send_resolved: true
                fields: [{title: Status, value: '{{ .Status | toUpper }}'}, {title: Hosts, value: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}', short: true}]
                actions: [{type: button, text: 'Runbook', url: '{{ .CommonAnnotations.runbook }}', style: primary}]
                title: '{{ template "slack.default.title" . }} ({{ len .Alerts.Resolved }} resolved)'
              - api_url: '\(base)/slack2'
                text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ "\\n" }}{{ end }}'
                short_fields: true
                link_names: true
                fields: [{title: a, value: '{{ .GroupLabels.alertname | title }}'}]
            pagerduty_configs:
              - routing_key: pd-routing
                severity: '{{ if eq .CommonLabels.severity "critical" }}critical{{ else }}warning{{ end }}'
                class: disk
                details: {team: '{{ .CommonLabels.team }}'}
                links: [{href: 'http://runbook/{{ .GroupLabels.alertname }}', text: runbook}]
            opsgenie_configs:
              - responders: [{name: 'ops,db', type: teams}, {username: 'ann', type: user}]
                tags: 'disk, {{ .CommonLabels.team }}'
                priority: P2
                note: 'n {{ .Status }}'
                update_alerts: true
            victorops_configs:
              - routing_key: 'rk-{{ .CommonLabels.team }}'
                custom_fields: {runbook: '{{ .CommonAnnotations.runbook }}'}
            telegram_configs:
              - bot_token: 123:abc
                chat_id: -1001
                disable_notifications: true
            discord_configs:
              - webhook_url: '\(base)/discord'
            webex_configs:
              - room_id: room-1
                http_config: {authorization: {credentials: wx-token}}
            sns_configs:
              - api_url: '\(base)/sns'
                topic_arn: 'arn:aws:sns:us-east-1:123456789012:alerts'
                attributes: {team: '{{ .CommonLabels.team }}'}
                sigv4: {region: us-east-1, access_key: AKIDEXAMPLE, secret_key: secret/key}
        """
    }

    /// What the fake services answer: Telegram's Bot API result, SNS's Publish result, Slack's "ok".
    static let answer: WebhookRecorder.Answer = { request in
        if request.path.hasPrefix("/telegram") { return #"{"ok":true,"result":{"message_id":1,"chat":{"id":-1001},"date":0}}"# }
        if request.path.hasPrefix("/sns") {
            return #"<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>"#
        }
        return request.path.hasPrefix("/slack") ? "ok" : ""
    }

    /// A request reduced to what must be equal.
    struct Seen: Equatable, CustomStringConvertible {
        var method: String
        var path: String
        var contentType: String
        var authorization: String
        var body: String
        var description: String { "\(method) \(path) [\(contentType)] [\(authorization)]\n\(body)" }
    }

    @Test func sameRequestsAsAlertmanager() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let upstreamRecorder = try await WebhookRecorder(answer: Self.answer), pharosRecorder = try await WebhookRecorder(answer: Self.answer)
        let pair = try await AlertmanagerPair(
            directory: directory, upstreamConfig: Self.config("http://127.0.0.1:\(upstreamRecorder.port)"),
            pharosConfig: Self.config("http://127.0.0.1:\(pharosRecorder.port)"), pharosBinary: try #require(Support.pharos))
        defer { pair.stop() }

        // The resolved notifications are due about 5 s in on a quiet machine; the window leaves
        // room for a loaded one (the whole suite shares two cores).
        async let upstreamSeen = Self.collect(upstreamRecorder, for: .seconds(15))
        async let pharosSeen = Self.collect(pharosRecorder, for: .seconds(15))
        let labels = [
            #"{"alertname":"DiskFull","instance":"db-1:9100","severity":"critical","team":"db"}"#,
            #"{"alertname":"DiskFull","instance":"db-2:9100","severity":"critical","team":"db","zone":"zürich"}"#,
        ]
        let annotations = #"{"summary":"Disk <90%> & \"full\"","runbook":"http://runbook/disk?x=1&y=2"}"#
        func alerts(ends: String?) -> String {
            "[" + labels.map { #"{"labels":\#($0),"annotations":\#(annotations),"startsAt":"2026-01-01T00:00:00Z","generatorURL":"http://prom:9090/graph?g0.expr=disk"# + (ends.map { #"","endsAt":"\#($0)""# } ?? "\"") + "}" }
                .joined(separator: ",") + "]"
        }
        try await pair.post("/alerts", alerts(ends: nil))
        try await Task.sleep(for: .seconds(2.5))  // the firing notification is out (group_wait 1 s); a scripted time line
        let now = ISO8601DateFormatter().string(from: Date())
        try await pair.post("/alerts", alerts(ends: now))

        let expected = await upstreamSeen, got = await pharosSeen
        let paths = Set(expected.map(\.path)).union(got.map(\.path)).sorted()
        // Every integration was heard from, firing and resolved.
        for prefix in ["/slack", "/slack2", "/pagerduty", "/opsgenie/v2/alerts", "/victorops/", "/telegram/", "/discord", "/webex", "/sns"] {
            #expect(expected.contains { $0.path.hasPrefix(prefix) }, "Alertmanager sent nothing to \(prefix)")
        }
        #expect(expected.contains { $0.path.hasSuffix("/close?identifierType=alias") })
        // `send_resolved: true` sends firing and resolved; the default `false` (the second Slack) only firing.
        #expect(got.filter { $0.path == "/slack" }.count == 2 && got.filter { $0.path == "/slack2" }.count == 1)
        for path in paths {
            let theirs = expected.filter { $0.path == path }, ours = got.filter { $0.path == path }
            #expect(ours == theirs, "\(path)\nAlertmanager:\n\(theirs.map(\.description).joined(separator: "\n"))\nPharos:\n\(ours.map(\.description).joined(separator: "\n"))")
        }
    }

    /// The requests in arrival order per path; JSON bodies re-serialized with sorted keys, SNS
    /// form bodies as sorted parameters, SNS signatures checked and replaced by "signed".
    static func collect(_ recorder: WebhookRecorder, for window: Duration) async -> [Seen] {
        let guardTask = recorder.finish(after: window)
        defer { guardTask.cancel() }
        var seen: [Seen] = []
        for await request in recorder.requests {
            var body = String(decoding: request.body, as: UTF8.self)
            if let object = try? JSONSerialization.jsonObject(with: Data(request.body)),
               let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) {
                body = String(decoding: data, as: UTF8.self)
            }
            var authorization = request.header("Authorization") ?? ""
            if request.path.hasPrefix("/sns") {
                authorization = Self.checkSignature(request) ? "signed" : "bad signature: \(authorization)"
            }
            seen.append(Seen(method: request.method, path: request.path, contentType: request.header("Content-Type") ?? "",
                             authorization: authorization, body: body))
        }
        return seen
    }

    /// Recomputes the SigV4 signature of a recorded SNS request with the config's keys.
    static func checkSignature(_ request: WebhookRecorder.Request) -> Bool {
        guard let authorization = request.header("Authorization"), let date = request.header("X-Amz-Date"),
              let signed = authorization.range(of: "SignedHeaders=")
        else { return false }
        let names = authorization[signed.upperBound...].prefix { $0 != "," }.split(separator: ";").map(String.init)
        let headers = names.map { name in (name, request.header(name) ?? "") }
        let signer = SigV4(accessKey: "AKIDEXAMPLE", secretKey: "secret/key", region: "us-east-1", service: "sns")
        let path = String(request.path.prefix { $0 != "?" })
        return signer.authorization(method: request.method, path: path, headers: headers, body: request.body, amzDate: date) == authorization
    }
}
