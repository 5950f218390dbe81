import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PharosTestSupport
import Testing

/// Debian's amtool 0.25 against `pharos server --role=alertmanager` and against Debian's
/// Alertmanager 0.25, both started on loopback with the same config: every command gives the
/// same output (silence IDs and the current time aside), and Pharos keeps its silences across a
/// restart.
@Suite(.enabled(if: Support.amtool != nil && Support.pharos != nil
                && FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager")))
struct AmtoolAgainstPharosTests {
    static let config = """
        route:
          receiver: default
          group_by: [alertname]
          group_wait: 1h
          routes:
            - matchers: ['team="db"']
              receiver: db
              continue: true
            - matchers: ['severity=~"crit.*"']
              receiver: pager
              routes:
                - match: {instance: b}
                  receiver: db
        receivers:
          - name: default
          - name: db
          - name: pager
            webhook_configs: [{url: 'http://127.0.0.1:1/hook'}]
        inhibit_rules:
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity="warning"']
            equal: [instance]
        """

    /// One server under test.
    struct Server {
        var daemon: Daemon
        var url: String
        var directory: String
    }

    static func startAlertmanager(_ configFile: String, _ directory: String) async throws -> Server {
        let port = try Daemon.freePort()
        let daemon = try Daemon("/usr/bin/prometheus-alertmanager", [
            "--config.file=\(configFile)", "--storage.path=\(directory)", "--web.listen-address=127.0.0.1:\(port)",
            "--cluster.listen-address=",
        ], output: .file(directory + ".log"))
        try await daemon.waitUntilListening(port: port)
        return Server(daemon: daemon, url: "http://127.0.0.1:\(port)", directory: directory)
    }

    static func startPharos(_ configFile: String, _ directory: String) async throws -> Server {
        let port = try Daemon.freePort()
        let daemon = try Daemon(try #require(Support.pharos), [
            "server", "--role=alertmanager", "--config.file=\(configFile)", "--storage.path=\(directory)",
            "--web.listen-address=127.0.0.1:\(port)",
        ], output: .file(directory + ".log"))
        try await daemon.waitUntilListening(port: port)
        return Server(daemon: daemon, url: "http://127.0.0.1:\(port)", directory: directory)
    }

    /// Runs amtool against `server`; the output with silence IDs numbered in order of appearance
    /// and times of today replaced.
    final class Session {
        let server: Server
        var ids: [String: String] = [:]
        init(_ server: Server) { self.server = server }

        func amtool(_ arguments: String...) throws -> String {
            let result = try Support.run(try #require(Support.amtool), ["--alertmanager.url=\(server.url)"] + arguments)
            return "\(result.status)\n" + normalize(result.output) + normalize(result.error)
        }

        /// GET `path`: the JSON with `updatedAt`, timeout `endsAt` and silence IDs normalized, keys sorted.
        func json(_ path: String) throws -> String {
            let data = try Data(contentsOf: try #require(URL(string: server.url + path)))
            func clean(_ value: Any) -> Any {
                if var object = value as? [String: Any] {
                    object["updatedAt"] = nil
                    if let ends = object["endsAt"] as? String, !ends.hasPrefix("2099") { object["endsAt"] = "<timeout>" }
                    return object.mapValues(clean)
                }
                if let array = value as? [Any] { return array.map(clean) }
                return value
            }
            let cleaned = clean(try JSONSerialization.jsonObject(with: data))
            let text = String(decoding: try JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys]), as: UTF8.self)
            return normalize(text)
        }

        /// The first silence ID in the last output, as the server gave it.
        func id(_ number: Int) -> String { ids.first { $0.value == "<id\(number)>" }?.key ?? "" }

        private func normalize(_ text: String) -> String {
            var text = text
            let uuid = try! Regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
            for match in text.matches(of: uuid) {
                let id = String(text[match.range])
                if ids[id] == nil { ids[id] = "<id\(ids.count + 1)>" }
            }
            for (id, name) in ids { text = text.replacingOccurrences(of: id, with: name) }
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            let today = formatter.string(from: Date())
            let now = try! Regex("\(today) [0-9]{2}:[0-9]{2}:[0-9]{2} UTC")
            text.replace(now, with: "<now>")
            // Column widths follow the longest cell; the ID placeholders change them.
            return text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }.joined(separator: "\n")
        }
    }

    /// The script both servers get.
    static func script(_ s: Session, directory: String) throws -> [String] {
        let start = "--start=2026-01-01T00:00:00Z"
        var out: [String] = []
        out.append(try s.amtool("alert", "add", "alertname=Disk", "severity=critical", "instance=a", start, "--annotation=summary=full"))
        out.append(try s.amtool("alert", "add", "alertname=Slow", "severity=warning", "instance=a", start))
        out.append(try s.amtool("alert", "add", "alertname=Silenced", "severity=info", start))
        out.append(try s.amtool("alert", "add", "alertname=Other", "severity=critical", "instance=b", "team=db", start,
                                "--end=2099-01-01T00:00:00Z", "--generator-url=http://gen/x"))
        out.append(try s.amtool("silence", "add", "alertname=Silenced", "--comment=c", "--author=t", "--end=2099-01-01T00:00:00Z"))
        out.append(try s.amtool("silence", "add", "alertname=x", "--comment=c", "--author=t", "--start=2019-01-01T00:00:00Z",
                                "--end=2020-01-01T00:00:00Z"))
        out.append(try s.amtool("silence", "add", "alertname=~.*", "--comment=c", "--author=t", "--end=2099-01-01T00:00:00Z"))
        out.append(try s.amtool("alert", "query"))
        out.append(try s.amtool("alert", "query", "-s", "-i"))
        out.append(try s.amtool("alert", "query", "-i"))
        out.append(try s.amtool("alert", "query", "-s", "-i", "severity=~warn.*|info"))
        out.append(try s.amtool("alert", "query", "--receiver=db"))
        out.append(try s.amtool("alert", "query", "-o", "extended", "alertname=Other"))
        out.append(try s.amtool("silence", "query"))
        out.append(try s.amtool("silence", "query", "-q"))
        out.append(try s.amtool("silence", "query", "alertname=Silenced"))
        out.append(try s.amtool("silence", "query", "alertname=Nope"))
        let export = try Support.run(try #require(Support.amtool), ["--alertmanager.url=\(s.server.url)", "silence", "query", "-o", "json"])
        let exported = directory + "-silences.json"
        try Data(export.output.utf8).write(to: URL(fileURLWithPath: exported))
        let id = s.id(1)
        out.append(try s.amtool("silence", "expire", id))
        out.append(try s.amtool("silence", "expire", id))
        out.append(try s.amtool("silence", "expire", "123"))
        out.append(try s.amtool("silence", "expire", "9a6b7d2e-0000-4000-8000-000000000000"))
        out.append(try s.amtool("silence", "query", "--expired"))
        out.append(try s.amtool("alert", "query", "-s"))
        out.append(try s.amtool("silence", "import", exported))
        out.append(try s.amtool("silence", "query"))
        out.append(try s.amtool("alert", "query", "-s", "-i"))
        out.append(try s.amtool("config", "routes", "test", "team=db", "severity=critical"))
        out.append(try s.amtool("config", "routes", "test", "severity=critical", "instance=b"))
        out.append(try s.amtool("config", "routes", "test", "--verify.receivers=db", "alertname=x"))
        out.append(try s.amtool("config", "routes", "test", "--tree", "team=db"))
        out.append(try s.amtool("config", "routes"))
        // The API's own JSON, times of receipt aside (they differ between the two servers).
        for path in ["/api/v2/alerts", "/api/v2/alerts?silenced=false&filter=severity%3D~%22.%2B%22", "/api/v2/alerts/groups",
                     "/api/v2/alerts/groups?inhibited=false&receiver=db", "/api/v2/receivers"] {
            out.append(try s.json(path))
        }
        return out
    }

    @Test func amtoolGivesTheSameAnswers() async throws {
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configFile = directory + "/alertmanager.yml"
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: configFile))
        let upstream = try await Self.startAlertmanager(configFile, directory + "/upstream")
        defer { upstream.daemon.stop() }
        let pharos = try await Self.startPharos(configFile, directory + "/pharos")
        var pharosDaemon = pharos.daemon
        defer { pharosDaemon.stop() }

        let expected = try Self.script(Session(upstream), directory: directory + "/upstream")
        let session = Session(pharos)
        let got = try Self.script(session, directory: directory + "/pharos")
        #expect(got.count == expected.count)
        for (index, (ours, theirs)) in zip(got, expected).enumerated() {
            #expect(ours == theirs, "step \(index)")
        }

        // A restart keeps every silence, active and expired, with its ID.
        let before = [try session.amtool("silence", "query"), try session.amtool("silence", "query", "--expired")]
        await pharos.daemon.terminate()
        let restarted = try await Self.startPharos(configFile, directory + "/pharos")
        pharosDaemon = restarted.daemon
        let again = Session(restarted)
        again.ids = session.ids
        #expect([try again.amtool("silence", "query"), try again.amtool("silence", "query", "--expired")] == before)
    }

    /// `--web.config.file` on `--role=alertmanager`, as Alertmanager's: the API serves HTTPS and
    /// asks for basic auth; amtool reaches it with `--http.config.file` (CA and credentials)
    /// and is refused without the credentials.
    @Test(.enabled(if: TestCertificates.isAvailable, "needs openssl"))
    func amtoolThroughTLSAndBasicAuth() async throws {
        let certificates = try await TestCertificates()
        let directory = try Support.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.config.write(toFile: directory + "/am.yml", atomically: true, encoding: .utf8)
        // bcrypt of "s3cret", made with Python's crypt module (libxcrypt), cost 4.
        try """
            tls_server_config: {cert_file: \(certificates.serverCertFile), key_file: \(certificates.serverKeyFile)}
            basic_auth_users: {alice: $2b$04$0PzpbzPtSfvQdHjgv.S/SuGnOzpX0rLnePW3d3pcZeerEyYm/rZEO}
            """.write(toFile: directory + "/web.yml", atomically: true, encoding: .utf8)
        try "tls_config: {ca_file: \(certificates.caFile)}\nbasic_auth: {username: alice, password: s3cret}\n"
            .write(toFile: directory + "/client.yml", atomically: true, encoding: .utf8)
        try "tls_config: {ca_file: \(certificates.caFile)}\n".write(toFile: directory + "/anonymous.yml", atomically: true, encoding: .utf8)
        let port = try Daemon.freePort()
        let daemon = try Daemon(try #require(Support.pharos), [
            "server", "--role=alertmanager", "--config.file=\(directory)/am.yml", "--storage.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--web.config.file=\(directory)/web.yml",
        ], output: .file(directory + "/pharos.log"))
        defer { daemon.stop() }
        try await daemon.waitUntilListening(port: port)
        let amtool = try #require(Support.amtool)
        let url = "--alertmanager.url=https://127.0.0.1:\(port)"
        let added = try Support.run(amtool, [url, "--http.config.file=\(directory)/client.yml", "silence", "add", "alertname=Tls",
                                             "--comment=over TLS", "--duration=1h"])
        #expect(added.status == 0, "\(added)")
        let query = try Support.run(amtool, [url, "--http.config.file=\(directory)/client.yml", "silence", "query", "-q"])
        #expect(query.status == 0 && query.output.trimmingCharacters(in: .whitespacesAndNewlines) == added.output.trimmingCharacters(in: .whitespacesAndNewlines),
                "\(query)")
        let anonymous = try Support.run(amtool, [url, "--http.config.file=\(directory)/anonymous.yml", "silence", "query", "-q"])
        #expect(anonymous.status != 0, "\(anonymous)")
        let plain = try Support.run(amtool, ["--alertmanager.url=http://127.0.0.1:\(port)", "silence", "query", "-q"])
        #expect(plain.status != 0, "\(plain)")
    }
}
