import Foundation
import Model
import NIOHTTP1
import PharosTestSupport
import Testing

/// `/api/v1/parse_query`, `stats` on queries and `/api/v1/query_exemplars` of a real
/// `pharos server` process.
@Suite(.enabled(if: PharosInstance.binary != nil, "needs the pharos binary (swift build --build-tests)"))
struct QueryAPIExtrasTests {
    /// Prometheus 3's tree for the query, as `translateAST` writes it.
    @Test func parseQueryAnswersWithTheSyntaxTree() async throws {
        let pharos = try await PharosInstance(samples: QueryAPITests.samples())
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let up = try await pharos.get("/api/v1/parse_query?query=up")
        #expect(up.status == 200)
        #expect(up.body == #"{"status":"success","data":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"up"}],"name":"up","offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"}}"#)

        let query = #"sum by (job) (rate(http_requests_total{code="200"}[5m] offset 1m @ end())) / on(job) group_left(x) -count(up) > bool 0.5"#
        let posted = try await pharos.get("/api/v1/parse_query", method: .POST,
                                          headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                          body: "query=\(encoded(query))")
        let object = try JSONSerialization.jsonObject(with: Data(posted.bytes)) as? [String: Any]
        let tree = try #require(object?["data"] as? [String: Any])
        #expect(tree["type"] as? String == "binaryExpr")
        #expect(tree["op"] as? String == ">")
        #expect(tree["bool"] as? Bool == true)
        #expect((tree["rhs"] as? [String: Any])?["val"] as? String == "0.5")
        let division = try #require(tree["lhs"] as? [String: Any])
        #expect(division["op"] as? String == "/")
        let matching = try #require(division["matching"] as? [String: Any])
        #expect(matching["card"] as? String == "many-to-one")
        #expect(matching["labels"] as? [String] == ["job"])
        #expect(matching["include"] as? [String] == ["x"])
        #expect(matching["on"] as? Bool == true)
        let sum = try #require(division["lhs"] as? [String: Any])
        #expect(sum["type"] as? String == "aggregation")
        #expect(sum["op"] as? String == "sum")
        #expect(sum["grouping"] as? [String] == ["job"])
        #expect(sum["without"] as? Bool == false)
        #expect(sum["param"] is NSNull)
        let rate = try #require(sum["expr"] as? [String: Any])
        #expect(rate["type"] as? String == "call")
        let function = try #require(rate["func"] as? [String: Any])
        #expect(function["name"] as? String == "rate")
        #expect(function["argTypes"] as? [String] == ["matrix"])
        #expect(function["variadic"] as? Int == 0)
        #expect(function["returnType"] as? String == "vector")
        let selector = try #require((rate["args"] as? [[String: Any]])?.first)
        #expect(selector["type"] as? String == "matrixSelector")
        #expect(selector["range"] as? Int == 300_000)
        #expect(selector["offset"] as? Int == 60_000)
        #expect(selector["startOrEnd"] as? String == "end")
        #expect((selector["matchers"] as? [[String: String]])?.contains(["name": "code", "type": "=", "value": "200"]) == true)
        let negated = try #require(division["rhs"] as? [String: Any])
        #expect(negated["type"] as? String == "unaryExpr")
        #expect(negated["op"] as? String == "-")

        let scalars = try await pharos.data("/api/v1/parse_query?query=\(encoded("(up + 1)[5m:1m]"))") as? [String: Any]
        #expect(scalars?["type"] as? String == "subquery")
        #expect(scalars?["range"] as? Int == 300_000)
        #expect(scalars?["step"] as? Int == 60_000)
        let paren = scalars?["expr"] as? [String: Any]
        #expect(paren?["type"] as? String == "parenExpr")
        #expect((paren?["expr"] as? [String: Any])?["matching"] is NSNull)

        let bad = try await pharos.get("/api/v1/parse_query?query=\(encoded("sum(up"))")
        #expect(bad.status == 400)
        #expect(bad.body.contains(#""errorType":"bad_data","error":"invalid parameter \"query\": 1:7: parse error: unclosed left parenthesis"#))
    }

    @Test func statsReportTimingsAndSamples() async throws {
        let pharos = try await PharosInstance(samples: QueryAPITests.samples())
        defer { Task { await pharos.stop() } }
        try await pharos.waitUntilReady()
        let t = Double(QueryAPITests.base + 300_000) / 1000
        let plain = try await pharos.data("/api/v1/query?query=up&time=\(t)") as? [String: Any]
        #expect(plain?["stats"] == nil)
        // A 1m window over samples 15 s apart ending on one: 4 samples of one series.
        let instant = try await pharos.data("/api/v1/query?query=\(encoded("rate(http_requests_total[1m])"))&time=\(t)&stats=all") as? [String: Any]
        let stats = try #require(instant?["stats"] as? [String: Any])
        let timings = try #require(stats["timings"] as? [String: Double])
        #expect(Set(timings.keys) == ["evalTotalTime", "resultSortTime", "queryPreparationTime", "innerEvalTime", "execQueueTime", "execTotalTime"])
        #expect(timings.values.allSatisfy { $0 >= 0 })
        #expect(timings["execTotalTime"]! >= timings["innerEvalTime"]!)
        let samples = try #require(stats["samples"] as? [String: Int])
        #expect(samples["totalQueryableSamples"] == 4)
        #expect((samples["peakSamples"] ?? 0) >= 4)
        // Three steps of two `up` series.
        let start = Double(QueryAPITests.base) / 1000
        let range = try await pharos.data("/api/v1/query_range?query=up&start=\(start)&end=\(start + 120)&step=60&stats=all") as? [String: Any]
        #expect(((range?["stats"] as? [String: Any])?["samples"] as? [String: Int])?["totalQueryableSamples"] == 6)
    }

    /// Pharos stores no exemplars: every request gets what Debian's Prometheus 2.42 (no
    /// exemplar storage) answers, status and body.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")))
    func queryExemplarsAnswersAsPrometheusWithoutExemplarStorage() async throws {
        try await Self.withPrometheus { pharos, port in
            let requests = [
                "query=up", "query=\(encoded("rate(up{job=\"node\"}[5m]) + on(job) down"))&start=1700000000&end=1700000300",
                "query=1", "query=\(encoded("sum(up"))", "query=up&start=10&end=5", "query=up&start=abc",
                "query=up&end=2023-11-14T22:13:20Z",
            ]
            for request in requests {
                let ours = try await pharos.get("/api/v1/query_exemplars?\(request)")
                let theirs = try await PharosInstance.fetch("http://127.0.0.1:\(port)/api/v1/query_exemplars?\(request)")
                #expect(ours.status == theirs.status, "\(request)")
                #expect(ours.body == theirs.body, "\(request)")
            }
            // No query: 400 on both; the message's position differs (2.42: "1:1:", 3.x and Pharos:
            // "unknown position:").
            #expect(try await pharos.get("/api/v1/query_exemplars").status == 400)
            let posted = try await pharos.get("/api/v1/query_exemplars", method: .POST,
                                              headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "query=up")
            #expect(posted.body == #"{"status":"success","data":[]}"#)
        }
    }

    /// A bad `start`/`end` of the metadata endpoints is refused with Prometheus's own words
    /// (its `parseTimeParam`), checked against Debian's Prometheus 2.42.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")))
    func badTimesOfMetadataEndpointsAnswerAsPrometheus() async throws {
        try await Self.withPrometheus { pharos, port in
            let requests = [
                "/api/v1/series?match[]=up&start=x", "/api/v1/series?match[]=up&end=2023-13-45T00:00:00Z",
                "/api/v1/labels?start=yesterday", "/api/v1/label/job/values?end=y",
            ]
            for request in requests {
                let ours = try await pharos.get(request)
                let theirs = try await PharosInstance.fetch("http://127.0.0.1:\(port)\(request)")
                #expect(ours.status == theirs.status, "\(request)")
                #expect(ours.body == theirs.body, "\(request)")
            }
        }
    }

    /// Runs `body` with a Pharos holding `QueryAPITests.samples()` and Debian's Prometheus 2.42
    /// on the port given, both stopped after.
    static func withPrometheus(_ body: (PharosInstance, Int) async throws -> Void) async throws {
        let pharos = try await PharosInstance(samples: QueryAPITests.samples())
        defer { Task { await pharos.stop() } }
        let port = try Daemon.freePort()
        let prometheus = try await RemoteWriteSenderTests.startPrometheus(port: port, directory: pharos.directory)
        defer { Task { await prometheus.terminate() } }
        try await pharos.waitUntilReady()
        try await body(pharos, port)
    }
}
