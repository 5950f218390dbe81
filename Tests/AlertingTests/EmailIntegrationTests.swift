@testable import Alerting
import AsyncHTTPClient
import Config
import Foundation
import Logging
import NIOSSL
import PharosTestSupport
import Testing

/// The email integration against a real SMTP server (aiosmtpd on loopback): STARTTLS, AUTH
/// PLAIN and LOGIN, implicit TLS, `require_tls` against a server without STARTTLS, and the
/// message Debian's Alertmanager 0.25 sends for the same alert and config.
@Suite(.enabled(if: SMTPServer.available))
struct EmailIntegrationTests {
    static func config(port: Int, ca: String, extra: String = "") -> String {
        """
        route: {receiver: mail, group_by: [alertname], group_wait: 1s, group_interval: 2s, repeat_interval: 1h}
        receivers:
          - name: mail
            email_configs:
              - to: 'Ops Team <ops@example.com>, db@example.com'
                from: alertmanager@example.com
                smarthost: 127.0.0.1:\(port)
                auth_username: alert
                auth_password: s3cret
                tls_config: {ca_file: '\(ca)'}
                send_resolved: true
                headers: {X-Team: '{{ .CommonLabels.team }}', Reply-To: 'noc@example.com'}
        \(extra)
        """
    }

    static let alerts = #"[{"labels":{"alertname":"DiskFull","team":"db","zone":"zürich"},"annotations":{"summary":"disk <full> & ünïcode =x","description":"a very long line of text that goes on and on well past the seventy-six characters quoted-printable allows "},"startsAt":"2026-01-01T00:00:00Z","generatorURL":"http://prom:9090/graph?g0.expr=x&y=1"}]"#

    /// A message with what differs between two sends (Message-Id, Date, the boundary) masked,
    /// and its header lines sorted (Alertmanager writes them in Go map order).
    static func normalized(_ content: String) -> String {
        var text = content.replacingOccurrences(of: "\r\n", with: "\n")
        if let range = text.range(of: "boundary=") {
            let boundary = String(text[range.upperBound...].prefix { !$0.isWhitespace })
            text = text.replacingOccurrences(of: boundary, with: "BOUNDARY")
        }
        let parts = text.components(separatedBy: "\n\n")
        let head = parts[0].split(separator: "\n").filter { !$0.hasPrefix("Message-Id:") && !$0.hasPrefix("Date:") }.sorted()
        return ([head.joined(separator: "\n")] + parts.dropFirst()).joined(separator: "\n\n")
    }

    @Test func sameMessageAsAlertmanager() async throws {
        let upstreamServer = try await SMTPServer(mechanisms: ["PLAIN"]), pharosServer = try await SMTPServer(mechanisms: ["PLAIN"])
        defer {
            upstreamServer.stop()
            pharosServer.stop()
        }
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A template of each kind: text with functions, HTML with values that need escaping.
        let extra = """
                text: '{{ range .Alerts }}{{ .Labels.alertname }}: {{ .Annotations.summary }}{{ "\\n" }}{{ .Annotations.description }}{{ end }}'
                html: '<p>{{ .CommonAnnotations.summary }}</p><a href="{{ (index .Alerts 0).GeneratorURL }}">{{ .Status | title }}</a>'
        """
        let pair = try await AlertmanagerPair(
            directory: directory, upstreamConfig: Self.config(port: upstreamServer.port, ca: upstreamServer.certificate, extra: extra),
            pharosConfig: Self.config(port: pharosServer.port, ca: pharosServer.certificate, extra: extra), pharosBinary: try #require(Support.pharos))
        defer { pair.stop() }
        try await pair.post("/alerts", Self.alerts)
        let theirs = try #require(await upstreamServer.waitForMessages(1).first)
        let ours = try #require(await pharosServer.waitForMessages(1).first, "\((try? String(contentsOfFile: directory + "/pharos.log", encoding: .utf8)) ?? "")")
        #expect(ours.from == theirs.from)
        #expect(ours.to == theirs.to)
        #expect(ours.to == ["ops@example.com", "db@example.com"])
        #expect(ours.options == theirs.options)
        #expect(ours.tls && theirs.tls)
        #expect(ours.mechanism == "PLAIN" && theirs.mechanism == "PLAIN")
        #expect(ours.login == "alert" && theirs.login == "alert")
        #expect(Self.normalized(ours.content) == Self.normalized(theirs.content))
    }

    /// In process: AUTH LOGIN (aiosmtpd's prompts), the default HTML template, resolved mails.
    @Test func loginAuthDefaultTemplateAndResolved() async throws {
        let server = try await SMTPServer(mechanisms: ["LOGIN"])
        defer { server.stop() }
        let config = try AlertmanagerConfig.parse(Self.config(port: server.port, ca: server.certificate))
        let (alertmanager, loop) = try AlertmanagerEndToEndTests.start(config)
        defer { loop.cancel() }
        let now = alertmanager.nowMs
        alertmanager.receive([try AlertmanagerEndToEndTests.alert(["alertname": "DiskFull", "team": "db"], now: now)])
        let firing = await server.waitForMessages(1)
        let message = try #require(firing.first)
        #expect(message.mechanism == "LOGIN" && message.login == "alert" && message.tls, "\(message)")
        #expect(message.content.contains("Subject: [FIRING:1] DiskFull (db)\r\n"))
        #expect(message.content.contains("X-Team: db\r\n"))
        #expect(message.content.contains("Content-Type: text/html; charset=UTF-8"))
        #expect(!message.content.contains("text/plain"))
        // The annotation's HTML is escaped in the HTML part.
        #expect(message.content.contains("summary =3D s &lt;b&gt;"))
        alertmanager.receive([try AlertmanagerEndToEndTests.alert(["alertname": "DiskFull", "team": "db"], ends: alertmanager.nowMs, now: alertmanager.nowMs)])
        let both = await server.waitForMessages(2)
        #expect(both.count == 2)
        #expect(both.last?.content.contains("Subject: [RESOLVED] DiskFull (db)") == true)
    }

    /// AUTH CRAM-MD5 with `auth_secret`, when the server offers only that.
    @Test func cramMD5() async throws {
        let server = try await SMTPServer(mechanisms: ["CRAM-MD5"])
        defer { server.stop() }
        var config = try Self.emailConfig(port: server.port, requireTLS: true)
        config.authSecret = Secret("cram-secret")
        config.authPassword = Secret("")
        let integration = EmailIntegration(index: 0, config: config, templates: try NotificationTemplates.load(globs: []))
        #expect(await integration.notify(Self.notification()) == .delivered)
        let message = try #require(await server.waitForMessages(1).first)
        #expect(message.mechanism == "CRAM-MD5" && message.login == "alert")
        config.authSecret = Secret("wrong")
        let refused = EmailIntegration(index: 0, config: config, templates: integration.templates)
        guard case .failed(let reason, _) = await refused.notify(Self.notification()) else {
            Issue.record("a wrong CRAM-MD5 secret was accepted")
            return
        }
        #expect(reason.contains("cramMD5Auth"))
    }

    /// `require_tls` (the default) against a server that offers no STARTTLS: nothing is sent,
    /// and the failure is not delivered; with `require_tls: false` the mail goes out in the clear.
    @Test func requireTLSAgainstPlainServer() async throws {
        let server = try await SMTPServer(mechanisms: ["PLAIN"], mode: .plain)
        defer { server.stop() }
        var integration = EmailIntegration(index: 0, config: try Self.emailConfig(port: server.port, requireTLS: true),
                                           templates: try NotificationTemplates.load(globs: []))
        let refused = await integration.notify(Self.notification())
        #expect(refused == .failed("'require_tls' is true (default) but \"127.0.0.1:\(server.port)\" does not advertise the STARTTLS extension", retry: true))
        integration = EmailIntegration(index: 0, config: try Self.emailConfig(port: server.port, requireTLS: false), templates: integration.templates)
        #expect(await integration.notify(Self.notification()) == .delivered)
        let messages = await server.waitForMessages(1)
        #expect(messages.count == 1 && messages.first?.tls == false && messages.first?.mechanism == "PLAIN")
    }

    /// TLS from the first byte (what port 465 gets), exercised through the client directly
    /// since the test cannot bind 465.
    @Test func implicitTLS() async throws {
        let server = try await SMTPServer(mechanisms: ["PLAIN"], mode: .implicit)
        defer { server.stop() }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(server.certificate))
        let client = try await SMTPClient.connect(host: "127.0.0.1", port: server.port, implicitTLS: true, tls: tls, serverName: "127.0.0.1")
        try await client.hello("localhost")
        try await client.authenticate(username: "alert", password: "s3cret", secret: "", identity: "")
        try await client.send(from: "a@example.com", to: ["b@example.com"], message: Array("Subject: x\r\n\r\n.dot line\r\nbody".utf8))
        let messages = await server.waitForMessages(1)
        #expect(messages.first?.tls == true)
        #expect(messages.first?.content.contains(".dot line\r\nbody") == true)
    }

    /// A server that is not there, and one whose certificate is not trusted: failures, retried.
    @Test func unreachableAndUntrustedServers() async throws {
        let templates = try NotificationTemplates.load(globs: [])
        let closedPort = try Daemon.freePort()
        let unreachable = EmailIntegration(index: 0, config: try Self.emailConfig(port: closedPort, requireTLS: true), templates: templates)
        guard case .failed(_, let retry) = await unreachable.notify(Self.notification()) else {
            Issue.record("a closed port delivered")
            return
        }
        #expect(retry)
        let server = try await SMTPServer(mechanisms: ["PLAIN"])
        defer { server.stop() }
        var config = try Self.emailConfig(port: server.port, requireTLS: true)
        config.tlsConfig = nil
        let untrusted = EmailIntegration(index: 0, config: config, templates: templates)
        guard case .failed = await untrusted.notify(Self.notification()) else {
            Issue.record("an untrusted certificate was accepted")
            return
        }
        #expect(server.messages().isEmpty)
    }

    static func emailConfig(port: Int, requireTLS: Bool) throws -> EmailConfig {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: mail}
            receivers:
              - name: mail
                email_configs:
                  - {to: ops@example.com, from: am@example.com, smarthost: '127.0.0.1:\(port)', auth_username: alert,
                     auth_password: s3cret, require_tls: \(requireTLS), tls_config: {insecure_skip_verify: true}}
            """)
        return try #require(config.receivers.first?.emailConfigs.first)
    }

    static func notification() -> Alerting.Notification {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let alert = AlertmanagerAlert(labels: ["alertname": "A"], startsAtMs: now - 1000, endsAtMs: nil, updatedAtMs: now)
        return Notification(receiver: "mail", groupKey: "{}:{}", groupLabels: [:], alerts: [alert], externalURL: "http://am",
                            nowMs: now, deadline: .now + .seconds(30))
    }
}
