import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PharosTestSupport
import Testing

/// Malformed bodies and parameters sent to `pharos server --role=alertmanager`: each gets a 4xx,
/// the process keeps serving, and what was accepted before stays.
@Suite(.enabled(if: Support.pharos != nil))
struct AlertmanagerAPIHostileInputTests {
    static let alertBodies: [String] = [
        "", "[", "{}", "null", "[null]", "[1]", "[{}]", #"[{"labels":null}]"#, #"[{"labels":{"a":1}}]"#,
        #"[{"labels":{"a":"b"},"startsAt":"yesterday"}]"#, #"[{"labels":{"a":"b"},"endsAt":"2020-13-45T99:00:00Z"}]"#,
        #"[{"labels":{"":"b"}}]"#, #"[{"labels":{"a\u0000":"b"}}]"#, #"[{"labels":{"a":"b"},"annotations":{"1x":"y"}}]"#,
        String(repeating: "[", count: 10_000), #"[{"labels":{"a":"\#(String(repeating: "x", count: 100_000))"}"#,
        "\u{FF}\u{FE}garbage",
    ]

    static let silenceBodies: [String] = [
        "", "{", "[]", #"{"matchers":[]}"#, #"{"matchers":[{"name":"a"}],"startsAt":"x","endsAt":"y","createdBy":"","comment":""}"#,
        #"{"matchers":[{"name":"a","value":"(","isRegex":true}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"a","comment":"b"}"#,
        #"{"matchers":[{"name":"0a","value":"b","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"a","comment":"b"}"#,
        #"{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2099-01-01T00:00:00Z","endsAt":"2020-01-01T00:00:00Z","createdBy":"a","comment":"b"}"#,
        #"{"id":"not-a-silence","matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"a","comment":"b"}"#,
    ]

    static func request(_ method: HTTPMethod, _ url: String, body: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: text))
    }

    /// `pharos server --role=alertmanager` with `directory/am.yml`, listening; and its port.
    static func startPharos(_ directory: String) async throws -> (Daemon, Int) {
        let port = try Daemon.freePort()
        let pharos = try Daemon(try #require(Support.pharos), [
            "server", "--role=alertmanager", "--config.file=\(directory)/am.yml", "--storage.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)",
        ], output: .file(directory + "/log"))
        try await pharos.waitUntilListening(port: port)
        return (pharos, port)
    }

    @Test func refusesMalformedInputAndKeepsServing() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("route: {receiver: r}\nreceivers: [{name: r}]\n".utf8).write(to: URL(fileURLWithPath: directory + "/am.yml"))
        let (pharos, port) = try await AlertmanagerAPIHostileInputTests.startPharos(directory)
        defer { pharos.stop() }
        let base = "http://127.0.0.1:\(port)/api/v2"
        #expect(try await Self.request(.POST, base + "/alerts", body: #"[{"labels":{"alertname":"Kept"}}]"#).0 == 200)

        for body in Self.alertBodies {
            let (status, _) = try await Self.request(.POST, base + "/alerts", body: body)
            #expect((400..<500).contains(status), "POST /alerts \(body.prefix(60))")
        }
        for body in Self.silenceBodies {
            let (status, _) = try await Self.request(.POST, base + "/silences", body: body)
            #expect((400..<500).contains(status), "POST /silences \(body.prefix(80))")
        }
        for query in ["filter=a%3D~%22(%22", "receiver=(", "active=maybe", "filter=%7B%7D%7D"] {
            #expect(try await Self.request(.GET, base + "/alerts?" + query).0 == 400, "\(query)")
        }
        #expect(try await Self.request(.GET, base + "/silence/123").0 == 422)
        #expect(try await Self.request(.GET, base + "/silence/9a6b7d2e-0000-4000-8000-000000000000").0 == 404)

        let (status, alerts) = try await Self.request(.GET, base + "/alerts")
        #expect(status == 200)
        #expect(alerts.contains(#""alertname":"Kept""#))
        #expect(try await Self.request(.GET, base + "/silences").1 == "[]")
        #expect(pharos.exited() == nil)
    }
}

/// `/-/reload` and SIGHUP apply only a valid config; `/api/v2/status` hides secrets.
@Suite(.enabled(if: Support.pharos != nil))
struct AlertmanagerReloadTests {
    @Test func reloadAppliesOnlyValidConfigs() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = URL(fileURLWithPath: directory + "/am.yml")
        try Data("""
            route: {receiver: first}
            receivers:
              - name: first
                webhook_configs: [{url: 'http://127.0.0.1:1/', http_config: {basic_auth: {username: u, password: hunter2}}}]
            """.utf8).write(to: file)
        let (pharos, port) = try await AlertmanagerAPIHostileInputTests.startPharos(directory)
        defer { pharos.stop() }
        let base = "http://127.0.0.1:\(port)"
        let status = try await AlertmanagerAPIHostileInputTests.request(.GET, base + "/api/v2/status").1
        #expect(status.contains(#"password: \u003csecret\u003e"#) && !status.contains("hunter2"))  // Go escapes < and >
        #expect(try await AlertmanagerAPIHostileInputTests.request(.GET, base + "/api/v2/receivers").1 == #"[{"name":"first"}]"#)

        try Data("route: {receiver: missing}\nreceivers: [{name: second}]\n".utf8).write(to: file)
        let (refused, message) = try await AlertmanagerAPIHostileInputTests.request(.POST, base + "/-/reload")
        #expect(refused == 500)
        #expect(message.contains("undefined receiver \"missing\" used in route"))
        #expect(try await AlertmanagerAPIHostileInputTests.request(.GET, base + "/api/v2/receivers").1 == #"[{"name":"first"}]"#)

        try Data("route: {receiver: second}\nreceivers: [{name: second}]\n".utf8).write(to: file)
        #expect(try await AlertmanagerAPIHostileInputTests.request(.POST, base + "/-/reload").0 == 200)
        #expect(try await AlertmanagerAPIHostileInputTests.request(.GET, base + "/api/v2/receivers").1 == #"[{"name":"second"}]"#)
    }
}
