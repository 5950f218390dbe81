import Foundation
import Logging
import NIOHTTP1
import Pushgateway
import Testing

/// Groups expire after their TTL: the `ttl` of their last push, else `--push.default-ttl`.
@Suite struct PushgatewayTTLTests {
    private static let body = Array("value 1\n".utf8)

    @Test func groupExpiresAfterItsTTL() throws {
        let gateway = try Pushgateway(directory: nil, defaultTTLMs: 60_000, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let short = try GroupingKey(path: "job/short"), long = try GroupingKey(path: "job/long")
        let never = try Pushgateway(directory: nil, defaultTTLMs: 0, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try gateway.push(Self.body, contentType: "", to: short, replace: true, ttlMs: 5_000, nowMs: 1_000)
        try gateway.push(Self.body, contentType: "", to: long, replace: true, ttlMs: nil, nowMs: 1_000)
        try never.push(Self.body, contentType: "", to: long, replace: true, ttlMs: nil, nowMs: 1_000)
        #expect(try gateway.expire(nowMs: 5_999) == 0)
        #expect(try gateway.expire(nowMs: 6_000) == 1)
        #expect(gateway.groups.map(\.key) == [long])
        #expect(try gateway.expire(nowMs: 61_000) == 1)
        #expect(gateway.groups.isEmpty)
        #expect(try never.expire(nowMs: .max) == 0)
    }

    @Test func pushRenewsTheTTL() throws {
        let gateway = try Pushgateway(directory: nil, defaultTTLMs: 0, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let key = try GroupingKey(path: "job/renewed")
        try gateway.push(Self.body, contentType: "", to: key, replace: true, ttlMs: 5_000, nowMs: 0)
        try gateway.push(Self.body, contentType: "", to: key, replace: false, ttlMs: 5_000, nowMs: 4_000)
        #expect(try gateway.expire(nowMs: 8_999) == 0)
        #expect(try gateway.expire(nowMs: 9_000) == 1)
    }

    @Test(.enabled(if: PharosPushServer.binary != nil, "needs a built pharos"))
    func expiredGroupLeavesTheRunningServer() async throws {
        let server = try await PharosPushServer(flags: ["--push.default-ttl=1h"])
        #expect(try await PushHTTP.send(server.pushURL + "/metrics/job/brief?ttl=1s", method: .PUT, body: Self.body).status == 200)
        #expect(try await PushHTTP.send(server.pushURL + "/metrics/job/lasting", method: .PUT, body: Self.body).status == 200)
        #expect(try await PushHTTP.send(server.pushURL + "/metrics/job/bad?ttl=soon", method: .PUT, body: Self.body).status == 400)
        var metrics = ""
        let deadline = ContinuousClock.now + .seconds(30)  // guard only: the group goes after 1 s
        repeat {
            metrics = try await PushHTTP.send(server.pushURL + "/metrics").body
        } while metrics.contains("job=\"brief\"") && ContinuousClock.now < deadline
        #expect(!metrics.contains("job=\"brief\""))
        #expect(metrics.contains("value{instance=\"\",job=\"lasting\"} 1\n"))
        await server.kill9()
        try await server.restart()
        metrics = try await PushHTTP.send(server.pushURL + "/metrics").body
        #expect(!metrics.contains("job=\"brief\""), "the expiry was journaled")
        #expect(metrics.contains("job=\"lasting\""))
        await server.stop()
    }
}
