@testable import Alerting
import AsyncHTTPClient
import Config
import Foundation
import Logging
import Testing

/// The integrations Alertmanager 0.25 cannot be compared with (MS Teams, Pushover's URL,
/// PagerDuty v1's URL), retries and refusals, hostile answers and secrets, in process against a
/// recorder on loopback that checks the requests as each service documents them.
@Suite struct IntegrationTests {
    /// An Alertmanager with one receiver made of `integrations` (YAML list entries under the
    /// receiver), notifying at once.
    static func start(_ receiver: String, groupInterval: String = "1s") throws -> (Alertmanager, Task<Void, Never>) {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: r, group_by: [alertname], group_wait: 100ms, group_interval: \(groupInterval), repeat_interval: 1h}
            receivers:
              - name: r
            \(receiver)
            """)
        return try AlertmanagerEndToEndTests.start(config)
    }

    static func fire(_ alertmanager: Alertmanager, resolved: Bool = false) throws {
        let now = alertmanager.nowMs
        alertmanager.receive([try AlertmanagerEndToEndTests.alert(["alertname": "Disk", "instance": "a"], ends: resolved ? now : nil, now: now)])
    }

    @Test func microsoftTeamsWorkflowsAdaptiveCard() async throws {
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(20))
        defer { guardTask.cancel() }
        let (alertmanager, loop) = try Self.start("    msteamsv2_configs: [{webhook_url: '\(recorder.url)'}]")
        defer { loop.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        try Self.fire(alertmanager)
        let request = try #require(await requests.next())
        #expect(request.method == "POST" && request.path == "/hook")
        #expect(request.header("Content-Type") == "application/json")
        // https://learn.microsoft.com/en-us/connectors/teams/ — "Post card in a chat or channel":
        // a message with one attachment of content type application/vnd.microsoft.card.adaptive.
        let body = request.json
        #expect(body["type"] as? String == "message")
        let attachment = try #require((body["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(attachment.keys.contains("contentUrl") && attachment["contentUrl"] is NSNull)
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard")
        #expect(card["version"] as? String == "1.2")
        #expect(card["$schema"] as? String == "http://adaptivecards.io/schemas/adaptive-card.json")
        #expect((card["msteams"] as? [String: String]) == ["width": "full"])
        let blocks = try #require(card["body"] as? [[String: Any]])
        #expect(blocks.count == 2)
        #expect(blocks[0]["type"] as? String == "TextBlock" && blocks[0]["text"] as? String == "[FIRING:1] Disk (a)")
        #expect(blocks[0]["color"] as? String == "Attention" && blocks[0]["style"] as? String == "heading")
        #expect(blocks[1]["text"] as? String == "\n\n# Alerts Firing:\n\nLabels:\n  - alertname = Disk\n  - instance = a\n\nAnnotations:\n  - summary = s <b>\n\nSource: http://gen/x\n\n\n\n\n")
        #expect(blocks[1]["wrap"] as? Bool == true)
        try Self.fire(alertmanager, resolved: true)
        let resolved = try #require(await requests.next())
        let resolvedCard = try #require(((resolved.json["attachments"] as? [[String: Any]])?.first?["content"]) as? [String: Any])
        #expect(((resolvedCard["body"] as? [[String: Any]])?.first?["color"]) as? String == "Good")
    }

    @Test func microsoftTeamsConnectorMessageCard() async throws {
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(20))
        defer { guardTask.cancel() }
        let (alertmanager, loop) = try Self.start("    msteams_configs: [{webhook_url: '\(recorder.url)', summary: 'S {{ .Status }}'}]")
        defer { loop.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        try Self.fire(alertmanager)
        let body = try #require(await requests.next()).json
        // The Office 365 connector card: @context, @type MessageCard, title, summary, text, themeColor.
        #expect(body["@context"] as? String == "http://schema.org/extensions")
        #expect(body["type"] as? String == "MessageCard")
        #expect(body["title"] as? String == "[FIRING:1] Disk (a)")
        #expect(body["summary"] as? String == "S firing")
        #expect(body["themeColor"] as? String == "8C1A1A")
        #expect((body["text"] as? String)?.contains("# Alerts Firing:") == true)
    }

    @Test func pushoverMessageAPI() async throws {
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(20))
        defer { guardTask.cancel() }
        let (alertmanager, loop) = try Self.start(
            "    pushover_configs: [{api_url: '\(recorder.url)', user_key: 'u k', token: tok, sound: siren, ttl: 1h, html: true}]")
        defer { loop.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        try Self.fire(alertmanager)
        let request = try #require(await requests.next())
        // https://pushover.net/api: token, user, message (required); title, url, priority, retry,
        // expire (priority 2), sound, ttl, html — here in the query of an empty POST, as Alertmanager.
        #expect(request.method == "POST")
        #expect(request.header("Content-Type") == "text/plain")
        let (path, rawQuery) = (request.path.prefix { $0 != "?" }, request.path.drop { $0 != "?" }.dropFirst())
        #expect(path == "/hook")
        let items = rawQuery.split(separator: "&").map { pair in
            pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
        }
        let query = Dictionary(items.map { ($0[0], $0.count > 1 ? $0[1] : "") }, uniquingKeysWith: { a, _ in a })
        #expect(items.map { $0[0] } == items.map { $0[0] }.sorted())
        #expect(query["token"] == "tok" && query["user"] == "u k")
        #expect(query["title"] == "[FIRING:1] Disk (a)")
        #expect(query["priority"] == "2" && query["retry"] == "60" && query["expire"] == "3600" && query["ttl"] == "3600")
        #expect(query["html"] == "1" && query["sound"] == "siren")
        #expect(query["url"] == "http://am.example:9093/#/alerts?receiver=r")
        // HTML mode escapes the annotation; the message is trimmed.
        #expect(query["message"] == "s &lt;b&gt;\n\nAlerts Firing:\nLabels:\n - alertname = Disk\n - instance = a\nAnnotations:\n - summary = s &lt;b&gt;\nSource: http://gen/x")
    }

    @Test func pagerDutyEventsV1() async throws {
        let recorder = try await WebhookRecorder()
        let guardTask = recorder.finish(after: .seconds(20))
        defer { guardTask.cancel() }
        let (alertmanager, loop) = try Self.start("    pagerduty_configs: [{service_key: sk-1, url: '\(recorder.url)'}]")
        defer { loop.cancel() }
        var requests = recorder.requests.makeAsyncIterator()
        try Self.fire(alertmanager)
        // https://developer.pagerduty.com/docs/events-api-v1: service_key, event_type, incident_key, description, details, client, client_url.
        let trigger = try #require(await requests.next()).json
        #expect(trigger["service_key"] as? String == "sk-1")
        #expect(trigger["event_type"] as? String == "trigger")
        #expect(trigger["incident_key"] as? String == NotifyKey.hash(#"{}:{alertname="Disk"}"#))
        #expect(trigger["description"] as? String == "[FIRING:1] Disk (a)")
        #expect(trigger["client"] as? String == "Alertmanager")
        #expect((trigger["details"] as? [String: String])?["num_firing"] == "1")
        try Self.fire(alertmanager, resolved: true)
        let resolve = try #require(await requests.next()).json
        #expect(resolve["event_type"] as? String == "resolve")
        #expect(resolve["client"] == nil)
    }

    /// 500 then 200, 429 and 503 then 200: retried within the group interval (the wait ends at
    /// the 200); 400: not retried (nothing more within 3 s of the first request, while retries
    /// come within 1 s). The window opens at the first request, so a slow start on a loaded
    /// machine does not count against it.
    @Test(arguments: [([500, 200], 2, 15), ([429, 503, 200], 3, 15), ([400], 1, 3)])
    func retriesServerErrorsNotClientErrors(statuses: [Int], expectedCount: Int, windowSeconds: Int) async throws {
        let recorder = try await WebhookRecorder(statuses: statuses)
        let guardTask = recorder.finish(after: .seconds(60))  // bounds a hang only
        var window: Task<Void, Never>?
        defer {
            guardTask.cancel()
            window?.cancel()
        }
        // The next flush (which would try again) is after the window.
        let (alertmanager, loop) = try Self.start("    slack_configs: [{api_url: '\(recorder.url)'}]", groupInterval: "20s")
        defer { loop.cancel() }
        try Self.fire(alertmanager)
        var count = 0
        for await _ in recorder.requests {
            count += 1
            if count == 1 { window = recorder.finish(after: .seconds(windowSeconds)) }
            if statuses.last == 200 && count == statuses.count { break }
        }
        #expect(count == expectedCount, "\(statuses)")
    }

    /// Slack's Web API refusal (`{"ok":false}` with 200) fails without retry.
    @Test func slackAPIRefusal() async throws {
        let refusing = try await WebhookRecorder(answer: { _ in #"{"ok":false,"error":"channel_not_found"}"# })
        let integration = SlackIntegration(index: 0, config: try Self.slackConfig(url: refusing.url), templates: try NotificationTemplates.load(globs: []),
                                           http: NotificationHTTP(client: .shared, userAgent: "t", httpConfig: .init()))
        #expect(await integration.notify(EmailIntegrationTests.notification()) == .failed("error response from Slack: channel_not_found", retry: false))
    }

    /// Answers a service might give that must not crash or hang a notification: a body larger
    /// than read, garbage where JSON is expected, a redirect loop's status, an empty 200.
    @Test func hostileAnswers() async throws {
        let templates = try NotificationTemplates.load(globs: [])
        let http = NotificationHTTP(client: .shared, userAgent: "t", httpConfig: .init())
        let huge = String(repeating: "x", count: 1 << 20)
        let big = try await WebhookRecorder(statuses: [500], answer: { _ in huge })
        let slack = SlackIntegration(index: 0, config: try Self.slackConfig(url: big.url), templates: templates, http: http)
        guard case .failed(let reason, retry: true) = await slack.notify(EmailIntegrationTests.notification()) else {
            Issue.record("a 500 with a large body was not a retried failure")
            return
        }
        #expect(reason.hasPrefix("unexpected status code 500"))
        let garbage = try await WebhookRecorder(answer: { _ in "\u{0}\u{1}{not json" })
        let telegram = try Self.integration("telegram_configs: [{bot_token: t, chat_id: 1, api_url: '\(garbage.url)'}]", templates, http)
        guard case .failed(_, retry: false) = await telegram.notify(EmailIntegrationTests.notification()) else {
            Issue.record("telegram accepted a garbage answer")
            return
        }
        let empty = try await WebhookRecorder()
        let discord = try Self.integration("discord_configs: [{webhook_url: '\(empty.url)'}]", templates, http)
        #expect(await discord.notify(EmailIntegrationTests.notification()) == .delivered)
    }

    /// Templates that fail (a missing template, a bad function call) fail the notification
    /// without retry and without a request.
    @Test func templateErrorsAreNotRetried() async throws {
        let recorder = try await WebhookRecorder()
        let templates = try NotificationTemplates.load(globs: [])
        let http = NotificationHTTP(client: .shared, userAgent: "t", httpConfig: .init())
        let discord = try Self.integration("discord_configs: [{webhook_url: '\(recorder.url)', title: '{{ template \"nope\" . }}'}]", templates, http)
        guard case .failed(let reason, retry: false) = await discord.notify(EmailIntegrationTests.notification()) else {
            Issue.record("a missing template did not fail")
            return
        }
        #expect(reason.contains("nope"))
    }

    /// User templates from `templates:` globs redefine the defaults.
    @Test func userTemplatesOverrideDefaults() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(#"{{ define "slack.default.title" }}custom {{ .Status }}{{ end }}"#.utf8).write(to: URL(fileURLWithPath: directory + "/a.tmpl"))
        let templates = try NotificationTemplates.load(globs: [directory + "/*.tmpl"])
        let data = NotificationTemplates.data(EmailIntegrationTests.notification())
        #expect(try templates.expand(#"{{ template "slack.default.title" . }}"#, data) == "custom firing")
        try Data(#"{{ define "x" }}{{ .Broken"#.utf8).write(to: URL(fileURLWithPath: directory + "/b.tmpl"))
        #expect(throws: AlertingError.self) { _ = try NotificationTemplates.load(globs: [directory + "/*.tmpl"]) }
    }

    /// `/api/v2/status` shows every integration secret as `<secret>`.
    @Test func secretsAreRedacted() throws {
        let config = try AlertmanagerConfig.load(file: try Support.writeTemporary("""
            global: {slack_api_url: 'https://hooks.slack.com/services/T/B/SECRET1', opsgenie_api_key: SECRET2, smtp_auth_password: SECRET3}
            route: {receiver: r}
            receivers:
              - name: r
                pagerduty_configs: [{routing_key: SECRET4}]
                pushover_configs: [{user_key: SECRET5, token: SECRET6}]
                telegram_configs: [{bot_token: SECRET7, chat_id: 1}]
                discord_configs: [{webhook_url: 'https://discord.example/SECRET8'}]
                msteamsv2_configs: [{webhook_url: 'https://teams.example/SECRET9'}]
                sns_configs: [{topic_arn: t, sigv4: {region: r, access_key: SECRET10, secret_key: SECRET11}}]
                victorops_configs: [{api_key: SECRET12, routing_key: rk}]
                webex_configs: [{room_id: x, http_config: {authorization: {credentials: SECRET13}}}]
                email_configs: [{to: a@b.c, from: d@e.f, smarthost: 'h:25', auth_password: SECRET14}]
            """))
        let shown = config.redactedYAML
        #expect(!shown.contains("SECRET"), "\(shown)")
        #expect(shown.contains("<secret>"))
    }

    /// A config whose SNS entry cannot sign (no region, role_arn) is refused at start, naming it.
    @Test func snsWithoutUsableCredentialsIsRefused() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: r}
            receivers:
              - name: r
                sns_configs: [{topic_arn: t, sigv4: {region: us-east-1, role_arn: 'arn:aws:iam::1:role/x'}}]
            """)
        #expect(throws: AlertingError.integration(receiver: "r", reason: "sns: sigv4 role_arn and profile are not supported (give access_key and secret_key)")) {
            _ = try Alertmanager(config: config, options: .init(), httpClient: .shared, logger: Logger(label: "t"))
        }
    }

    /// AWS's published example (Signature Version 4 test suite, `get-vanilla`).
    @Test func sigV4MatchesAWSExample() {
        let signer = SigV4(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1", service: "service")
        let header = signer.authorization(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                                          body: [], amzDate: "20150830T123600Z")
        #expect(header == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    static func slackConfig(url: String) throws -> SlackConfig {
        let config = try AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r, slack_configs: [{api_url: '\(url)'}]}]")
        return try #require(config.receivers.first?.slackConfigs.first)
    }

    /// The integration of a one-entry receiver.
    static func integration(_ entry: String, _ templates: NotificationTemplates, _ http: NotificationHTTP) throws -> any Integration {
        let config = try AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r, \(entry)}]")
        let built = try ReceiverIntegrations.build(config, httpClient: .shared, userAgent: "t", now: { 0 })
        return try #require(built["r"]?.first)
    }

    /// `http_config.tls_config` applies to an integration's requests: an HTTPS webhook with a
    /// self-signed certificate is reached with its `ca_file`, and refused without it.
    @Test func httpConfigTLS() async throws {
        let directory = try #require(SMTPServer.certificateDirectory)
        let recorder = try await WebhookRecorder(tls: (directory + "/cert.pem", directory + "/key.pem"))
        let url = "https://localhost:\(recorder.port)/hook"
        let templates = try NotificationTemplates.load(globs: [])
        let http = NotificationHTTP(client: .shared, userAgent: "t", httpConfig: .init())
        let trusting = try Self.integration(
            "discord_configs: [{webhook_url: '\(url)', http_config: {tls_config: {ca_file: '\(directory)/cert.pem'}}}]", templates, http)
        #expect(await trusting.notify(EmailIntegrationTests.notification()) == .delivered)
        let untrusting = try Self.integration("discord_configs: [{webhook_url: '\(url)'}]", templates, http)
        var notification = EmailIntegrationTests.notification()
        notification.deadline = .now + .seconds(2)  // the client tries to connect until then
        #expect(await untrusting.notify(notification) != .delivered)
    }
}
