import NIOHTTP1
import PharosTestSupport
import Testing

/// The same pushes and deletes to Debian's `prometheus-pushgateway` 1.5 and to Pharos's
/// Pushgateway port give the same status codes and the same `/metrics` (push times aside).
@Suite(.serialized) struct PushgatewayDifferentialTests {
    @Test(.enabled(if: RealPushgateway.isInstalled && PharosPushServer.binary != nil, "needs prometheus-pushgateway and a built pharos"),
          arguments: [UInt64(6), 42])
    func agreesWithRealPushgateway(seed: UInt64) async throws {
        let real = try await RealPushgateway()
        let pharos = try await PharosPushServer(flags: ["--web.enable-admin-api"])
        var requests = PushSequence.make(count: 300, seed: seed)
        requests.append(PushRequest(method: .PUT, path: "/api/v1/admin/wipe"))
        requests += PushSequence.make(count: 20, seed: seed + 1)
        var statuses: [UInt: Int] = [:]
        for (index, request) in requests.enumerated() {
            let expected = try await request.send(to: real.url)
            statuses[expected.status, default: 0] += 1
            guard let actual = try? await request.send(to: pharos.pushURL) else {
                Issue.record("request \(index) unanswered: \(request)\n\(pharos.daemon.log.suffix(2000))")
                break
            }
            #expect(actual.status == expected.status,
                    "request \(index): \(request)\nreal: \(expected.status) \(expected.body)\npharos: \(actual.status) \(actual.body)")
            if index % 20 == 19 || index == requests.count - 1 {
                let realMetrics = PushSequence.comparable(try await PushHTTP.send(real.url + "/metrics").body)
                let pharosMetrics = PushSequence.comparable(try await PushHTTP.send(pharos.pushURL + "/metrics").body)
                #expect(pharosMetrics == realMetrics, "after request \(index): \(request)")
                if pharosMetrics != realMetrics { break }
            }
        }
        let realGroups = try PushSequence.comparableGroups(try await PushHTTP.send(real.url + "/api/v1/metrics").body)
        let pharosGroups = try PushSequence.comparableGroups(try await PushHTTP.send(pharos.pushURL + "/api/v1/metrics").body)
        #expect(pharosGroups == realGroups)
        #expect(!realGroups.isEmpty)
        // The sequence exercises acceptance, refusal and deletion alike.
        #expect(statuses[200, default: 0] > 50 && statuses[400, default: 0] > 50 && statuses[202, default: 0] > 10, "\(statuses)")
        await real.stop()
        await pharos.stop()
    }
}
