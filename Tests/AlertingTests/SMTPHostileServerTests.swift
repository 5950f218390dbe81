@testable import Alerting
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PharosTestSupport
import Testing

/// The SMTP client against servers that answer badly: malformed, endless or truncated replies,
/// seeded random bytes, refusals at each step. Each attempt ends with a failure (never a crash
/// or a hang), retried unless the server refused for good (5xx).
@Suite struct SMTPHostileServerTests {
    /// A TCP server on loopback that sends `greeting` on connect, then answers the n-th line it
    /// receives with `replies[n]` (nil: closes the connection).
    final class ScriptedServer: Sendable {
        let channel: any Channel
        var port: Int { channel.localAddress?.port ?? 0 }

        init(greeting: [UInt8], replies: [[UInt8]?]) async throws {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Script(greeting: greeting, replies: replies))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        func stop() async { try? await channel.close() }

        private final class Script: ChannelInboundHandler, @unchecked Sendable {
            // Safe: NIO calls a handler only on its channel's event loop.
            typealias InboundIn = ByteBuffer
            let greeting: [UInt8]
            var replies: [[UInt8]?]
            var pending: [UInt8] = []

            init(greeting: [UInt8], replies: [[UInt8]?]) {
                self.greeting = greeting
                self.replies = replies
            }

            func channelActive(context: ChannelHandlerContext) {
                context.writeAndFlush(NIOAny(ByteBuffer(bytes: greeting)), promise: nil)
            }

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                pending += unwrapInboundIn(data).readableBytesView
                while let newline = pending.firstIndex(of: 10) {
                    pending.removeSubrange(...newline)
                    guard !replies.isEmpty, let reply = replies.removeFirst() else {
                        context.close(promise: nil)
                        return
                    }
                    context.writeAndFlush(NIOAny(ByteBuffer(bytes: reply)), promise: nil)
                }
            }
        }
    }

    static let ehlo = Array("250-pharos-test\r\n250 AUTH PLAIN\r\n".utf8)

    /// Runs one notification against the server; the outcome.
    static func attempt(greeting: [UInt8], replies: [[UInt8]?]) async throws -> NotifyOutcome {
        let server = try await ScriptedServer(greeting: greeting, replies: replies)
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: mail}
            receivers:
              - name: mail
                email_configs: [{to: a@example.com, from: b@example.com, smarthost: '127.0.0.1:\(server.port)', require_tls: false,
                                 auth_username: u, auth_password: p}]
            """)
        let integration = EmailIntegration(index: 0, config: try #require(config.receivers.first?.emailConfigs.first),
                                           templates: try NotificationTemplates.load(globs: []))
        var notification = EmailIntegrationTests.notification()
        // Each case ends at once when the client works; the deadline only bounds a hang, and is
        // generous because the whole suite shares two cores.
        notification.deadline = .now + .seconds(30)
        let outcome = await integration.notify(notification)
        await server.stop()
        return outcome
    }

    @Test(arguments: [
        ("not a reply\r\n", "malformed SMTP reply"),
        (String(repeating: "220-more\r\n", count: 150), "longer than 100 lines"),
        (String(repeating: "x", count: 10_000), "longer than 4 KiB"),
        ("421 busy\r\n", "421 busy"),
        ("2\r\n", "malformed SMTP reply"),
        ("220x\r\n", "malformed SMTP reply"),
    ]) func badGreetings(greeting: String, expected: String) async throws {
        let outcome = try await Self.attempt(greeting: Array(greeting.utf8), replies: [])
        guard case .failed(let reason, let retry) = outcome else {
            Issue.record("delivered with greeting \(greeting.prefix(40))")
            return
        }
        #expect(reason.contains(expected), "\(reason)")
        #expect(retry)
    }

    /// Refusals at each step: permanent (5xx) ones are not retried, temporary ones are.
    @Test func refusalsAtEachStep() async throws {
        let greeting = Array("220 hi\r\n".utf8)
        let ok = Array("250 ok\r\n".utf8), authOK = Array("235 ok\r\n".utf8)
        let cases: [([[UInt8]?], String, Bool)] = [
            ([Self.ehlo, Array("535 bad credentials\r\n".utf8)], "535 bad credentials", false),
            ([Self.ehlo, authOK, Array("451 try later\r\n".utf8)], "send MAIL command: 451 try later", true),
            ([Self.ehlo, authOK, ok, Array("550 no such user\r\n".utf8)], "send RCPT command: 550 no such user", false),
            ([Self.ehlo, authOK, ok, ok, Array("554 no\r\n".utf8)], "send DATA command: 554 no", false),
            ([Self.ehlo, authOK, ok, nil], "connection closed", true),
        ]
        for (replies, expected, retry) in cases {
            let outcome = try await Self.attempt(greeting: greeting, replies: replies)
            guard case .failed(let reason, let retried) = outcome else {
                Issue.record("delivered: \(expected)")
                continue
            }
            #expect(reason.contains(expected), "\(reason)")
            #expect(retried == retry, "\(reason)")
        }
    }

    /// Seeded random bytes as greeting and replies: always a failure, never a crash or hang.
    @Test func randomReplies() async throws {
        var generator = SeededGenerator(seed: 9)
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        for round in 0..<20 {
            // Every other round greets properly, so the random bytes reach the EHLO reply.
            let greeting = round.isMultiple(of: 2) ? Array("220 hi\r\n".utf8) : bytes(Int.random(in: 0...300, using: &generator)) + [13, 10]
            let replies: [[UInt8]?] = (0..<3).map { _ in bytes(Int.random(in: 0...100, using: &generator)) + [13, 10] }
            let outcome = try await Self.attempt(greeting: greeting, replies: replies)
            #expect(outcome != .delivered)
        }
    }

    /// Quoted-printable output decodes back to the input (CRLF line ends), with lines of at most
    /// 76 characters and only printable ASCII; Q-encoded headers stay ASCII in words of ≤ 75.
    @Test func mimeEncodingsRoundTrip() {
        var generator = SeededGenerator(seed: 4)
        let alphabet = Array("ab =\t\n.é€😀<>?_".unicodeScalars)
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<Int.random(in: 0...300, using: &generator) {
                text.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
            }
            let encoded = MIMEEncoding.quotedPrintable(text)
            #expect(encoded.allSatisfy { ($0 >= 32 && $0 < 127) || $0 == 13 || $0 == 10 || $0 == 9 })
            let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.utf8.count <= 76 }, "\(lines)")
            #expect(Self.decodeQuotedPrintable(encoded) == text.replacingOccurrences(of: "\n", with: "\r\n"), "\(text.debugDescription)")
            let header = MIMEEncoding.headerValue(text.replacingOccurrences(of: "\n", with: " "))
            #expect(header.unicodeScalars.allSatisfy { $0.isASCII })
            #expect(header.split(separator: " ").allSatisfy { !$0.hasPrefix("=?") || $0.utf8.count <= 75 })
        }
        #expect(MIMEEncoding.headerValue("plain ASCII: ok") == "plain ASCII: ok")
        #expect(MIMEEncoding.headerValue("zürich") == "=?utf-8?q?z=C3=BCrich?=")
    }

    /// Malformed address lists are refused; good ones give their addresses.
    @Test func addressLists() {
        #expect(MIMEEncoding.addresses("a@b.c") == ["a@b.c"])
        #expect(MIMEEncoding.addresses(#""Ops, Team" <ops@x.y>, db@x.y"#) == ["ops@x.y", "db@x.y"])
        for bad in ["", "no-at", "a@", "@b", "a b@c", "a@b, ", "<>", "x <a@b"] {
            #expect(MIMEEncoding.addresses(bad) == nil, "\(bad)")
        }
    }

    /// A test-side quoted-printable decoder: soft breaks removed, `=XX` decoded.
    static func decodeQuotedPrintable(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "="), i + 2 < bytes.count, bytes[i + 1] == 13, bytes[i + 2] == 10 {
                i += 3
            } else if bytes[i] == UInt8(ascii: "="), i + 2 < bytes.count, let value = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(value)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
