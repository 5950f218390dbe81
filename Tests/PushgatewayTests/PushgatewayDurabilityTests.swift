import Foundation
import NIOHTTP1
import PharosTestSupport
import Testing

/// What a push was answered for survives `kill -9` and restarts; a torn journal tail is cut.
@Suite struct PushgatewayDurabilityTests {
    @Test(.enabled(if: PharosPushServer.binary != nil, "needs a built pharos"))
    func acknowledgedPushesSurviveKill9() async throws {
        let server = try await PharosPushServer()
        var expected: [String] = []
        for i in 0..<40 {
            let reply = try await PushHTTP.send(server.pushURL + "/metrics/job/j\(i % 7)/instance/i\(i)", method: .PUT,
                                                body: Array("# TYPE pushed gauge\npushed{n=\"\(i)\"} \(i)\n".utf8))
            #expect(reply.status == 200, "\(reply.body)")
            expected.append("pushed{instance=\"i\(i)\",job=\"j\(i % 7)\",n=\"\(i)\"} \(i)")
        }
        #expect(try await PushHTTP.send(server.pushURL + "/metrics/job/j0/instance/i7", method: .DELETE).status == 202)
        expected.removeAll { $0.contains("instance=\"i7\"") }
        let before = try await PushHTTP.send(server.pushURL + "/metrics").body
        await server.kill9()
        try await server.restart()
        let after = try await PushHTTP.send(server.pushURL + "/metrics").body
        #expect(after == before)
        for line in expected { #expect(after.contains(line + "\n"), "missing \(line)") }
        #expect(!after.contains("instance=\"i7\""))
        await server.stop()
    }

    @Test(.enabled(if: PharosPushServer.binary != nil, "needs a built pharos"))
    func tornJournalTailIsTruncated() async throws {
        let server = try await PharosPushServer()
        for job in ["a", "b"] {
            #expect(try await PushHTTP.send(server.pushURL + "/metrics/job/\(job)", method: .PUT, body: Array("kept 1\n".utf8)).status == 200)
        }
        await server.stop()
        let journal = server.directory + "/data/pushgateway/journal"
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        handle.seekToEndOfFile()
        handle.write(Data([0x40, 0, 0, 0, 1, 2, 3, 4, 5]))  // a record header promising more than follows
        try handle.close()
        try await server.restart()
        let metrics = try await PushHTTP.send(server.pushURL + "/metrics").body
        #expect(metrics.contains("kept{instance=\"\",job=\"a\"} 1\n"))
        #expect(metrics.contains("kept{instance=\"\",job=\"b\"} 1\n"))
        #expect(server.daemon.log.contains("Truncating torn or corrupt tail"))
        #expect(try await PushHTTP.send(server.pushURL + "/metrics/job/c", method: .PUT, body: Array("kept 1\n".utf8)).status == 200)
        await server.kill9()
        try await server.restart()
        #expect(try await PushHTTP.send(server.pushURL + "/metrics").body.contains("kept{instance=\"\",job=\"c\"} 1\n"))
        await server.stop()
    }
}
