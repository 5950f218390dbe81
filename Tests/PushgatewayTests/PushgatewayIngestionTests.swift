import Foundation
import NIOHTTP1
import Testing

/// Pushed groups reach the TSDB like a scrape with `honor_labels: true`, and a deleted group's
/// series end with a staleness marker.
@Suite struct PushgatewayIngestionTests {
    /// The result of an instant query on the main port.
    private func query(_ server: PharosPushServer, _ expression: String) async throws -> [[String: Any]] {
        let reply = try await PushHTTP.send(server.mainURL + "/api/v1/query?query=" + expression)
        let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
        let data = object?["data"] as? [String: Any]
        return data?["result"] as? [[String: Any]] ?? []
    }

    @Test(.enabled(if: PharosPushServer.binary != nil, "needs a built pharos"))
    func pushedMetricIsQueryableAndGoesStaleOnDelete() async throws {
        let server = try await PharosPushServer(scrapeInterval: "1s")
        let push = try await PushHTTP.send(server.pushURL + "/metrics/job/ingest/zone/z1", method: .PUT,
                                           body: Array("# TYPE ingested_metric gauge\ningested_metric{a=\"1\"} 5\n".utf8))
        #expect(push.status == 200)
        var result: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(30)  // guard only: ingestion runs every second
        repeat {
            result = try await query(server, "ingested_metric")
        } while result.isEmpty && ContinuousClock.now < deadline
        let series = try #require(result.first)
        #expect(series["metric"] as? [String: String] == ["__name__": "ingested_metric", "a": "1", "job": "ingest", "zone": "z1"])
        #expect((series["value"] as? [Any])?.last as? String == "5")
        #expect(try await query(server, "push_time_seconds").count == 1)

        #expect(try await PushHTTP.send(server.pushURL + "/metrics/job/ingest/zone/z1", method: .DELETE).status == 202)
        repeat {
            result = try await query(server, "ingested_metric")
        } while !result.isEmpty && ContinuousClock.now < deadline
        #expect(result.isEmpty, "the deleted group's series got a staleness marker")
        await server.stop()
    }
}
