import Foundation
import PharosTestSupport

/// A real SMTP server on loopback: Python's aiosmtpd (installed by `scripts/install-deps`) with
/// STARTTLS required (a throw-away self-signed certificate for 127.0.0.1) and AUTH over TLS
/// (user `alert`, password `s3cret`), or implicit TLS, or no TLS at all. Each message it accepts is appended
/// to a JSON-lines file with its envelope, TLS state, login and content.
final class SMTPServer {
    /// One accepted message.
    struct Message {
        var from: String
        var to: [String]
        var options: [String]
        var tls: Bool
        var login: String
        var mechanism: String
        var content: String
    }

    let port: Int
    let directory: String
    /// The server's self-signed certificate (and CA), one per test process.
    var certificate: String { Self.certificateDirectory.map { $0 + "/cert.pem" } ?? "" }
    private let daemon: Daemon

    /// Where the certificate and key are: made once, so tests run `openssl` (a blocking child
    /// process) once rather than per server.
    static let certificateDirectory: String? = {
        guard let directory = try? Support.scratchDirectory(),
              let openssl = try? Support.run("/usr/bin/openssl", [
                  "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
                  "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
              ]), openssl.status == 0
        else { return nil }
        return directory
    }()

    static let available: Bool = {
        guard let result = try? Support.run("/usr/bin/env", ["python3", "-c", "import aiosmtpd"]) else { return false }
        return result.status == 0
    }()

    /// How the server offers TLS.
    enum Mode: String {
        case starttls, implicit, plain
    }

    /// - Parameters:
    ///   - mechanisms: the AUTH mechanisms offered (aiosmtpd's LOGIN and PLAIN, and CRAM-MD5 with
    ///     the secret `cram-secret`).
    ///   - mode: STARTTLS required, TLS from the first byte, or no TLS (AUTH allowed in the clear).
    init(mechanisms: [String] = ["LOGIN", "PLAIN"], mode: Mode = .starttls) async throws {
        directory = try Support.scratchDirectory()
        guard let certificates = Self.certificateDirectory else { throw DaemonError("openssl could not make a certificate") }
        try Data(Self.script.utf8).write(to: URL(fileURLWithPath: directory + "/smtp.py"))
        port = try Daemon.freePort()
        let excluded = ["LOGIN", "PLAIN", "CRAM-MD5"].filter { !mechanisms.contains($0) }.joined(separator: ",")
        daemon = try Daemon("/usr/bin/env", [
            "python3", directory + "/smtp.py", String(port), directory, certificates, excluded, mode.rawValue,
        ], output: .file(directory + "/smtp.log"))
        try await daemon.waitUntilListening(port: port, timeout: .seconds(30))
    }

    func stop() {
        daemon.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The messages accepted so far.
    func messages() -> [Message] {
        guard let text = try? String(contentsOfFile: directory + "/messages.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            let content = Data(base64Encoded: object["content"] as? String ?? "").map { String(decoding: $0, as: UTF8.self) } ?? ""
            return Message(from: object["from"] as? String ?? "", to: object["to"] as? [String] ?? [], options: object["options"] as? [String] ?? [],
                           tls: object["tls"] as? Bool ?? false, login: object["login"] as? String ?? "",
                           mechanism: object["mechanism"] as? String ?? "", content: content)
        }
    }

    /// The messages received once there are `count` (or all there are after `timeout`, which
    /// only bounds a failure: the suite shares two cores, so it is generous).
    func waitForMessages(_ count: Int, timeout: Duration = .seconds(60)) async -> [Message] {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            let messages = messages()
            if messages.count >= count { return messages }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return messages()
    }

    private static let script = #"""
        import asyncio, base64, hashlib, hmac, json, os, signal, ssl, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword, SMTP

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        port, directory, certificates = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        excluded, mode = [m for m in sys.argv[4].split(",") if m], sys.argv[5]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificates + "/cert.pem", certificates + "/key.pem")

        def authenticate(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login == b"alert" and data.password == b"s3cret"
            session.pharos_mechanism = mechanism
            return AuthResult(success=ok, handled=False, auth_data=data)

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                data = session.auth_data
                login = data.login.decode() if isinstance(data, LoginPassword) else ""
                record = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "options": envelope.mail_options,
                          "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None, "login": login, "mechanism": getattr(session, "pharos_mechanism", ""),
                          "content": base64.b64encode(envelope.original_content or envelope.content).decode()}
                with open(directory + "/messages.jsonl", "a") as f:
                    f.write(json.dumps(record) + "\n")
                return "250 OK"

        class CramSMTP(SMTP):
            async def auth_CRAM__MD5(self, server, args):
                challenge = b"<1896.697170952@pharos-test>"
                response = await self.challenge_auth(challenge.decode())
                user, _, digest = bytes(response).partition(b" ")
                expected = hmac.new(b"cram-secret", challenge, hashlib.md5).hexdigest().encode()
                self.session.pharos_mechanism = "CRAM-MD5"
                ok = user == b"alert" and digest == expected
                return AuthResult(success=ok, handled=False, auth_data=LoginPassword(user, b"") if ok else None)

        class Server(Controller):
            def factory(self):
                return CramSMTP(self.handler, hostname="pharos-test", authenticator=authenticate, auth_require_tls=(mode != "plain"),
                            auth_exclude_mechanism=excluded, require_starttls=(mode == "starttls"),
                            tls_context=(context if mode == "starttls" else None))

        # A long readiness wait: a loaded test machine can take seconds to start the server thread.
        server = Server(Handler(), hostname="127.0.0.1", port=port, ssl_context=(context if mode == "implicit" else None),
                        ready_timeout=60)
        server.start()
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
        os._exit(0)  # at once: the test waits for the exit
        """#
}
