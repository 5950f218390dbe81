internal import Config
internal import Foundation
internal import HTTPClientTLS
internal import Model
internal import NIOSSL

/// An `email_configs` entry (upstream's `notify/email`): one message over SMTP to the
/// `smarthost` (TLS from the start on port 465, STARTTLS when `require_tls`), authenticated when
/// the server offers AUTH and `auth_username` is set, as `multipart/alternative` with the text
/// part (when `text` is set) and the HTML part, both quoted-printable.
struct EmailIntegration: ConfiguredIntegration {
    let name = "email"
    let index: Int
    let config: EmailConfig
    let templates: NotificationTemplates


    func notify(_ notification: Notification) async -> NotifyOutcome {
        let left = notification.deadline - ContinuousClock.now
        return await withTaskGroup(of: NotifyOutcome?.self) { group in
            group.addTask { await send(notification) }
            group.addTask {
                try? await Task.sleep(for: left)
                return Task.isCancelled ? nil : .failed("email: no answer from \(config.smarthost) in time", retry: true)
            }
            var result = NotifyOutcome.failed("email: cancelled", retry: false)
            while let next = await group.next() {
                if let next {
                    result = next
                    break
                }
            }
            group.cancelAll()
            return result
        }
    }

    private func send(_ notification: Notification) async -> NotifyOutcome {
        let (host, port) = Self.split(config.smarthost)
        let tls: TLSConfiguration
        do { tls = try (config.tlsConfig ?? TLSConfig()).clientConfiguration() } catch {
            return .failed("parse TLS configuration: \(error)", retry: false)
        }
        let serverName = config.tlsConfig.map(\.serverName).flatMap { $0.isEmpty ? nil : $0 } ?? host
        do throws(SMTPClient.Failure) {
            let client = try await SMTPClient.connect(host: host, port: port, implicitTLS: port == 465, tls: tls, serverName: serverName)
            try await client.hello(config.hello.isEmpty ? "localhost" : config.hello)
            if config.requireTLS ?? true, !client.isTLS {
                guard client.extensions["STARTTLS"] != nil else {
                    return .failed("'require_tls' is true (default) but \"\(config.smarthost)\" does not advertise the STARTTLS extension", retry: true)
                }
                try await client.startTLS(tls, serverName: serverName, hello: config.hello.isEmpty ? "localhost" : config.hello)
            }
            if !config.authUsername.isEmpty {
                let password: String, secret: String
                do {
                    password = try Self.unTrimmedFile(config.authPassword.value, file: config.authPasswordFile)
                    secret = try Self.unTrimmedFile(config.authSecret.value, file: config.authSecretFile)
                } catch {
                    return .failed("find auth mechanism: \(error.reason)", retry: true)
                }
                try await client.authenticate(username: config.authUsername, password: password, secret: secret, identity: config.authIdentity)
            }
            var tmpl = TemplateExpander(templates, notification)
            let from = tmpl(config.from)
            if let error = tmpl.error { return .failed("execute 'from' template: \(error)", retry: false) }
            let to = tmpl(config.to)
            if let error = tmpl.error { return .failed("execute 'to' template: \(error)", retry: false) }
            guard let senders = MIMEEncoding.addresses(from) else { return .failed("parse 'from' addresses: \(from)", retry: false) }
            guard senders.count == 1 else { return .failed("must be exactly one 'from' address (got: \(senders.count))", retry: false) }
            guard let recipients = MIMEEncoding.addresses(to) else { return .failed("parse 'to' addresses: \(to)", retry: false) }
            let message: [UInt8]
            switch self.message(notification) {
            case .success(let bytes): message = bytes
            case .failure(let failure): return failure.outcome
            }
            try await client.send(from: senders[0], to: recipients, message: message)
            return .delivered
        } catch {
            return .failed(error.description, retry: error.retry)
        }
    }

    /// The message: the headers (`To`, `From`, `Subject` by default; templated, Q-encoded when
    /// not ASCII), `Message-Id`, `Date`, then the multipart body.
    func message(_ notification: Notification, nowMs: Int64? = nil) -> Result<[UInt8], NotifyFailure> {
        var headers = config.headers
        if headers["Subject"] == nil { headers["Subject"] = "{{ template \"email.default.subject\" . }}" }
        if headers["To"] == nil { headers["To"] = config.to }
        if headers["From"] == nil { headers["From"] = config.from }
        let data = NotificationTemplates.data(notification)
        var head = ""
        for name in headers.keys.sorted() {
            do { head += name + ": " + MIMEEncoding.headerValue(try templates.expand(headers[name] ?? "", data)) + "\r\n" } catch {
                return .failure(NotifyFailure(reason: "execute \(GoJSONString.quoted(name)) header template: \(error)", retry: false))
            }
        }
        let now = Date(timeIntervalSince1970: Double(nowMs ?? Int64(Date().timeIntervalSince1970 * 1000)) / 1000)
        if headers["Message-Id"] == nil {
            let nanos = Int64(now.timeIntervalSince1970 * 1e9)
            head += "Message-Id: <\(nanos).\(UInt64.random(in: 0...UInt64.max))@\(ProcessInfo.processInfo.hostName)>\r\n"
        }
        let boundary = (0..<30).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        head += "Date: \(Self.rfc1123Z(now))\r\n"
        head += "Content-Type: multipart/alternative;  boundary=\(boundary)\r\n"
        head += "MIME-Version: 1.0\r\n\r\n"
        var body: [UInt8] = []
        var parts = 0
        func part(_ contentType: String, _ text: String) {
            body += Array(((parts == 0 ? "" : "\r\n") + "--\(boundary)\r\n").utf8)
            body += Array("Content-Transfer-Encoding: quoted-printable\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
            body += MIMEEncoding.quotedPrintable(text)
            parts += 1
        }
        do {
            if !config.text.isEmpty { part("text/plain; charset=UTF-8", try templates.expand(config.text, data)) }
        } catch { return .failure(NotifyFailure(reason: "execute text template: \(error)", retry: false)) }
        do {
            if !config.html.isEmpty { part("text/html; charset=UTF-8", try templates.expandHTML(config.html, data)) }
        } catch { return .failure(NotifyFailure(reason: "execute html template: \(error)", retry: false)) }
        body += Array(((parts == 0 ? "" : "\r\n") + "--\(boundary)--\r\n").utf8)
        return .success(Array(head.utf8) + body)
    }

    /// Go's `time.RFC1123Z` in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`.
    static func rfc1123Z(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// Host and port of `host:port` (`[v6]:port` too).
    static func split(_ hostPort: String) -> (String, Int) {
        guard let colon = hostPort.lastIndex(of: ":") else { return (hostPort, 25) }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, Int(hostPort[hostPort.index(after: colon)...]) ?? 25)
    }

    /// Passwords from files are used as read (upstream does not trim them).
    private static func unTrimmedFile(_ value: String, file: String) throws(NotifyFailure) -> String {
        guard !file.isEmpty else { return value }
        do { return try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw NotifyFailure(reason: "could not read \(file): \(error.localizedDescription)", retry: false)
        }
    }
}
