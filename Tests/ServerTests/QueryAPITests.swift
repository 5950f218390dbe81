import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Server
import Testing

/// The query API of a real `pharos server` process, over samples it replays from its WAL.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct QueryAPITests {
    static let base: Int64 = 1_700_000_000_000

    /// `up` for two instances every 15 s over 10 minutes.
    static func samples() -> [(Labels, [(Int64, Double)])] {
        let times = (0..<40).map { base + Int64($0) * 15_000 }
        return [
            (Labels(["__name__": "up", "job": "node", "instance": "a:9100"]), times.map { ($0, 1) }),
            (Labels(["__name__": "up", "job": "node", "instance": "b:9100"]), times.map { ($0, 0) }),
            (Labels(["__name__": "http_requests_total", "job": "api", "code": "200"]),
             times.enumerated().map { ($0.element, Double($0.offset) * 10) }),
        ]
    }

    @Test func instantQueryAnswersAsPrometheus() async throws {
        let pharos = try await PharosInstance(samples: Self.samples())
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let t = Double(Self.base + 300_000) / 1000
        let reply = try await pharos.get("/api/v1/query?query=\(encoded("sum by (job) (up)"))&time=\(t)")
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "content-type") == "application/json")
        #expect(reply.body == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"node"},"value":[1700000300,"1"]}]}}"#)

        let rate = try await pharos.data("/api/v1/query?query=\(encoded("rate(http_requests_total[1m])"))&time=\(t)") as? [String: Any]
        let result = try #require((rate?["result"] as? [[String: Any]])?.first)
        #expect((result["value"] as? [Any])?.last as? String == "0.6666666666666666")
        #expect(result["metric"] as? [String: String] == ["job": "api", "code": "200"])
    }

    @Test func rangeQueryAndErrors() async throws {
        let pharos = try await PharosInstance(samples: Self.samples())
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let start = Double(Self.base) / 1000, end = start + 120
        let data = try await pharos.data("/api/v1/query_range?query=up&start=\(start)&end=\(end)&step=60") as? [String: Any]
        #expect(data?["resultType"] as? String == "matrix")
        let series = try #require(data?["result"] as? [[String: Any]])
        #expect(series.count == 2)
        #expect((series[0]["values"] as? [[Any]])?.count == 3)

        // POST form bodies work like query strings.
        let posted = try await pharos.get("/api/v1/query", method: .POST,
                                          headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                          body: "query=\(encoded("count(up)"))&time=\(start + 60)")
        #expect(posted.body.contains(#""value":[1700000060,"2"]"#))

        let bad = try await pharos.get("/api/v1/query?query=\(encoded("sum(up"))")
        #expect(bad.status == 400)
        #expect(bad.body.hasPrefix(#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:7: parse error: unclosed left parenthesis"#))
        let noStep = try await pharos.get("/api/v1/query_range?query=up&start=\(start)&end=\(end)")
        #expect(noStep.status == 400)
        #expect(noStep.body.contains(#"invalid parameter \"step\""#))
        let tooMany = try await pharos.get("/api/v1/query_range?query=up&start=0&end=\(end)&step=1")
        #expect(tooMany.body.contains("exceeded maximum resolution of 11,000 points per timeseries"))
        let badTime = try await pharos.get("/api/v1/query?query=up&time=yesterday")
        #expect(badTime.body.contains(#"invalid parameter \"time\": cannot parse \"yesterday\" to a valid timestamp"#))
        let rfc = try await pharos.data("/api/v1/query?query=count(up)&time=2023-11-14T22:14:20Z") as? [String: Any]
        #expect(((rfc?["result"] as? [[String: Any]])?.first?["value"] as? [Any])?.first as? Double == 1_700_000_060)
    }

    @Test func seriesLabelsAndLabelValues() async throws {
        let pharos = try await PharosInstance(samples: Self.samples())
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let series = try await pharos.data("/api/v1/series?match%5B%5D=\(encoded("up{instance=\"a:9100\"}"))") as? [[String: String]]
        #expect(series == [["__name__": "up", "instance": "a:9100", "job": "node"]])
        let names = try await pharos.data("/api/v1/labels") as? [String]
        #expect(names == ["__name__", "code", "instance", "job"])
        let jobs = try await pharos.data("/api/v1/label/job/values") as? [String]
        #expect(jobs == ["api", "node"])
        let matched = try await pharos.data("/api/v1/label/job/values?match%5B%5D=up") as? [String]
        #expect(matched == ["node"])
        let limited = try await pharos.get("/api/v1/label/instance/values?limit=1")
        #expect(limited.body == #"{"status":"success","data":["a:9100"],"warnings":["results truncated due to limit"]}"#)
        let missing = try await pharos.get("/api/v1/series")
        #expect(missing.status == 400 && missing.body.contains("no match[] parameter provided"))
        let formatted = try await pharos.data("/api/v1/format_query?query=\(encoded("sum(rate(x[5m]))by(job)"))") as? String
        #expect(formatted == "sum by (job) (rate(x[5m]))")
    }

    @Test func promtoolQueriesPharos() async throws {
        guard let promtool = TestBinaries.onPath("promtool") else { return }
        let now = WallClock.milliseconds()
        let pharos = try await PharosInstance(samples: [
            (Labels(["__name__": "up", "job": "pharos", "instance": "localhost:9090"]), [(now - 10_000, 1)]),
        ])
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let output = pharos.directory + "/promtool.out"
        let run = try Daemon(promtool, ["query", "instant", pharos.baseURL, "up"], output: .file(output))
        let status = await run.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "\(run.log)")
        #expect(run.log.contains(#"up{instance="localhost:9090", job="pharos"} => 1 @["#), "\(run.log)")
    }
}
