internal import Crypto
internal import Foundation
internal import NIOCore
internal import NIOPosix
internal import NIOSSL

/// A small SMTP client (RFC 5321) on SwiftNIO with what Alertmanager's email notifier uses:
/// implicit TLS or STARTTLS, EHLO (HELO when refused), AUTH CRAM-MD5, PLAIN and LOGIN, MAIL
/// (with `BODY=8BITMIME`/`SMTPUTF8` when offered, as Go's `net/smtp`), RCPT, DATA with dot
/// stuffing, QUIT. One instance is one connection, used by one task.
final class SMTPClient {
    /// A server reply: its code and text lines.
    struct Reply {
        var code: Int
        var lines: [String]
        var text: String { lines.joined(separator: "\n") }
    }

    /// An SMTP failure; `retry` when the server or the network may do better later.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        var retry: Bool
    }

    private let channel: any Channel
    private var iterator: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
    private var pending: [UInt8] = []
    private let host: String
    /// Whether the connection is encrypted (implicit TLS or after STARTTLS).
    private(set) var isTLS: Bool
    /// The EHLO extensions, upper-case keyword to parameters.
    private(set) var extensions: [String: String] = [:]

    private init(channel: any Channel, stream: AsyncThrowingStream<ByteBuffer, any Error>, host: String, isTLS: Bool) {
        self.channel = channel
        iterator = stream.makeAsyncIterator()
        self.host = host
        self.isTLS = isTLS
    }

    deinit { channel.close(promise: nil) }

    /// Connects to `host:port`, with TLS from the start when `implicitTLS` (port 465), and
    /// reads the greeting.
    static func connect(host: String, port: Int, implicitTLS: Bool, tls: TLSConfiguration, serverName: String) async throws(Failure) -> SMTPClient {
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let sslContext: NIOSSLContext?
        do { sslContext = implicitTLS ? try NIOSSLContext(configuration: tls) : nil } catch {
            throw Failure(description: "parse TLS configuration: \(error)", retry: false)
        }
        let sni = Self.sniName(serverName)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: sni))
                        }
                        try channel.pipeline.syncOperations.addHandler(InboundBytes(continuation))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw Failure(description: "establish \(implicitTLS ? "TLS " : "")connection to server: \(error)", retry: true)
        }
        let client = SMTPClient(channel: channel, stream: stream, host: host, isTLS: implicitTLS)
        let greeting = try await client.reply()
        guard greeting.code == 220 else { throw Failure(description: "create SMTP client: \(greeting.code) \(greeting.text)", retry: true) }
        return client
    }

    /// NIOSSL sends no SNI for IP addresses (and refuses them as host names).
    private static func sniName(_ name: String) -> String? {
        if name.isEmpty || name.contains(":") || name.split(separator: ".").allSatisfy({ Int($0) != nil }) { return nil }
        return name
    }

    /// `EHLO name`, then `HELO name` when EHLO is refused; keeps the extensions.
    func hello(_ name: String) async throws(Failure) {
        let reply = try await command("EHLO \(name)")
        if reply.code == 250 {
            extensions = [:]
            for line in reply.lines.dropFirst() {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard let keyword = parts.first else { continue }
                extensions[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
            }
            return
        }
        try await expect(command("HELO \(name)"), 250, "send EHLO command")
    }

    /// `STARTTLS`, the handshake, and EHLO again.
    func startTLS(_ tls: TLSConfiguration, serverName: String, hello name: String) async throws(Failure) {
        try await expect(command("STARTTLS"), 220, "send STARTTLS command")
        do {
            let context = try NIOSSLContext(configuration: tls)
            let handler = try NIOSSLClientHandler(context: context, serverHostname: Self.sniName(serverName))
            try await channel.pipeline.addHandler(handler, position: .first).get()
        } catch {
            throw Failure(description: "send STARTTLS command: \(error)", retry: true)
        }
        isTLS = true
        try await hello(name)
    }

    /// SASL authentication with one of the mechanisms the server lists in `AUTH`, tried in the
    /// server's order as upstream does: CRAM-MD5 (with a secret), PLAIN and LOGIN (with a
    /// password). PLAIN and LOGIN refuse to send a password in the clear to another host than
    /// localhost, as Go's `smtp.PlainAuth`.
    func authenticate(username: String, password: String, secret: String, identity: String) async throws(Failure) {
        guard let offered = extensions["AUTH"] else { return }
        var problems: [String] = []
        for mechanism in offered.split(separator: " ").map({ $0.uppercased() }) {
            switch mechanism {
            case "CRAM-MD5":
                guard !secret.isEmpty else {
                    problems.append("missing secret for CRAM-MD5 auth mechanism")
                    continue
                }
                let challenge = try await expect(command("AUTH CRAM-MD5"), 334, "*smtp.cramMD5Auth auth")
                let decoded = Data(base64Encoded: challenge.text) ?? Data()
                let digest = HMAC<Insecure.MD5>.authenticationCode(for: decoded, using: SymmetricKey(data: Data(secret.utf8)))
                let answer = username + " " + digest.map { String(format: "%02x", $0) }.joined()
                try await expect(command(Data(answer.utf8).base64EncodedString()), 235, "*smtp.cramMD5Auth auth")
                return
            case "PLAIN", "LOGIN":
                guard !password.isEmpty else {
                    problems.append("missing password for \(mechanism) auth mechanism")
                    continue
                }
                guard isTLS || ["localhost", "127.0.0.1", "::1"].contains(host) else {
                    throw Failure(description: "*smtp.plainAuth auth: unencrypted connection", retry: true)
                }
                if mechanism == "PLAIN" {
                    let token = Data((identity + "\u{0}" + username + "\u{0}" + password).utf8).base64EncodedString()
                    try await expect(command("AUTH PLAIN " + token), 235, "*smtp.plainAuth auth")
                } else {
                    var reply = try await command("AUTH LOGIN")
                    while reply.code == 334 {
                        let prompt = String(decoding: Data(base64Encoded: reply.text) ?? Data(), as: UTF8.self).lowercased()
                        // "Username:"/"Password:" as Go's loginAuth expects; also other servers'
                        // wordings ("User Name", aiosmtpd's), which Alertmanager 0.25 refuses.
                        let answer: String
                        if prompt.hasPrefix("user") {
                            answer = username
                        } else if prompt.hasPrefix("pass") {
                            answer = password
                        } else {
                            throw Failure(description: "*email.loginAuth auth: unexpected server challenge", retry: true)
                        }
                        reply = try await command(Data(answer.utf8).base64EncodedString())
                    }
                    try expect(reply, 235, "*email.loginAuth auth")
                }
                return
            default:
                continue
            }
        }
        throw Failure(description: "find auth mechanism: " + (problems.isEmpty ? "unknown auth mechanism: \(offered)" : problems.joined(separator: "; ")), retry: true)
    }

    /// MAIL, RCPT for each recipient, DATA with `message` (CRLF lines), then QUIT.
    func send(from: String, to recipients: [String], message: [UInt8]) async throws(Failure) {
        var mail = "MAIL FROM:<\(from)>"
        if extensions["8BITMIME"] != nil { mail += " BODY=8BITMIME" }
        if extensions["SMTPUTF8"] != nil { mail += " SMTPUTF8" }
        try await expect(command(mail), 250, "send MAIL command")
        for recipient in recipients {
            let reply = try await command("RCPT TO:<\(recipient)>")
            guard reply.code == 250 || reply.code == 251 else { throw failure(reply, "send RCPT command") }
        }
        try await expect(command("DATA"), 354, "send DATA command")
        try await write(Self.dotStuffed(message) + Array(".\r\n".utf8))
        try expect(try await reply(), 250, "send message")
        _ = try? await command("QUIT")
    }

    /// Lines starting with `.` get another; the message ends with CRLF.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 16)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            atLineStart = byte == 10
        }
        if !atLineStart { out += [13, 10] }
        return out
    }

    // MARK: - Wire

    private func command(_ line: String) async throws(Failure) -> Reply {
        try await write(Array((line + "\r\n").utf8))
        return try await reply()
    }

    private func write(_ bytes: [UInt8]) async throws(Failure) {
        do { try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get() } catch {
            throw Failure(description: "write to server: \(error)", retry: true)
        }
    }

    @discardableResult
    private func expect(_ reply: Reply, _ code: Int, _ step: String) throws(Failure) -> Reply {
        guard reply.code == code else { throw failure(reply, step) }
        return reply
    }

    /// 4xx replies are temporary (retried), 5xx permanent.
    private func failure(_ reply: Reply, _ step: String) -> Failure {
        Failure(description: "\(step): \(reply.code) \(reply.text)", retry: reply.code < 500)
    }

    /// Reads one (possibly multi-line) reply; lines are at most 4 KiB, replies 100 lines.
    private func reply() async throws(Failure) -> Reply {
        var lines: [String] = []
        while lines.count < 100 {
            let line = try await readLine()
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes.prefix(3), as: UTF8.self)),
                  bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
            else { throw Failure(description: "malformed SMTP reply: \(line.prefix(100))", retry: true) }
            lines.append(bytes.count > 4 ? String(decoding: bytes.dropFirst(4), as: UTF8.self) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return Reply(code: code, lines: lines) }
        }
        throw Failure(description: "SMTP reply longer than 100 lines", retry: true)
    }

    private func readLine() async throws(Failure) -> String {
        while true {
            if let newline = pending.firstIndex(of: 10) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count <= 4096 else { throw Failure(description: "SMTP reply line longer than 4 KiB", retry: true) }
            let chunk: ByteBuffer?
            do { chunk = try await iterator.next() } catch {
                throw Failure(description: "read from server: \(error)", retry: true)
            }
            guard let chunk else { throw Failure(description: "connection closed by the server", retry: true) }
            pending += chunk.readableBytesView
        }
    }

    /// Hands what the connection reads to the client's stream.
    private final class InboundBytes: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

        init(_ continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) {
            self.continuation = continuation
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            continuation.finish(throwing: error)
            context.close(promise: nil)
        }
    }
}
