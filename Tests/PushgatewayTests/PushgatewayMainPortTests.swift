import Foundation
import NIOHTTP1
import Testing

/// The same API under `/pushgateway/` on the main port, sharing the groups of the Pushgateway port.
@Suite struct PushgatewayMainPortTests {
    @Test(.enabled(if: PharosPushServer.binary != nil, "needs a built pharos"))
    func mainPortServesTheSameGroups() async throws {
        let server = try await PharosPushServer(flags: ["--web.enable-admin-api"])
        let prefix = server.mainURL + "/pushgateway"
        #expect(try await PushHTTP.send(prefix + "/metrics/job/main", method: .PUT, body: Array("via_main 1\n".utf8)).status == 200)
        #expect(try await PushHTTP.send(server.pushURL + "/metrics").body.contains("via_main{instance=\"\",job=\"main\"} 1\n"))
        #expect(try await PushHTTP.send(prefix + "/metrics").body.contains("via_main{instance=\"\",job=\"main\"} 1\n"))
        #expect(try await PushHTTP.send(prefix + "/-/ready").body == "OK")

        let status = try JSONSerialization.jsonObject(with: Data(try await PushHTTP.send(prefix + "/api/v1/status").body.utf8)) as? [String: Any]
        let data = try #require(status?["data"] as? [String: Any])
        #expect(Set(data.keys) == ["build_information", "flags", "start_time"])
        #expect((data["flags"] as? [String: String])?["pushgateway.listen-address"] == "127.0.0.1:\(server.pushPort)")

        #expect(try await PushHTTP.send(prefix + "/api/v1/admin/wipe", method: .PUT).status == 202)
        #expect(!(try await PushHTTP.send(server.pushURL + "/metrics").body.contains("via_main")))
        await server.stop()
    }

    @Test(.enabled(if: PharosPushServer.binary != nil, "needs a built pharos"))
    func wipeNeedsTheAdminAPI() async throws {
        let server = try await PharosPushServer()
        #expect(try await PushHTTP.send(server.pushURL + "/api/v1/admin/wipe", method: .PUT).status == 404)
        await server.stop()
    }
}
