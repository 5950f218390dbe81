import AsyncHTTPClient
import Config
import Exposition
import Foundation
import Hummingbird
import Model
import NIOCore
import PharosTestSupport
import Query
import Server
import Synchronization
import TSDB
import Testing

/// Local storage merged with `remote_read` endpoints in one process: a head as local storage,
/// Pharos's remote-read endpoint over another head as a good remote, and loopback endpoints
/// answering what broken or slow servers answer.
@Suite struct RemoteReadFanoutQuerierTests {
    /// Requests received per path.
    final class Requests: Sendable {
        let counts = Mutex<[String: Int]>([:])
        func count(_ path: String) { counts.withLock { $0[path, default: 0] += 1 } }
    }

    /// Serves `/good` (Pharos's endpoint over `remote`) and broken answers on loopback,
    /// counting the broken ones' requests in `requests`.
    static func serve(_ remote: Head, requests: Requests = Requests()) async -> (port: Int, server: Task<Void, any Error>) {
        let router = Router()
        let querier = remote.querier()
        RemoteReadAPI(querier: { _, _ in querier }, externalLabels: { Labels(["region": "eu"]) }, sampleLimit: 0, bodyLimit: 1 << 24,
                      path: "good").register(on: router)
        func answer(_ path: String, status: HTTPResponse.Status = .ok, contentType: String, body: [UInt8], delay: Duration = .zero) {
            router.post(RouterPath(path)) { _, _ in
                requests.count(path)
                if delay > .zero { try await Task.sleep(for: delay) }
                return Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
        answer("html", contentType: "text/html", body: Array("<html>login</html>".utf8))
        answer("error", status: .internalServerError, contentType: "text/plain", body: Array("storage is on fire\n".utf8))
        answer("truncated", contentType: RemoteReadResponseType.streamedXORChunks.contentType, body: [0x40, 0, 0, 0, 0, 1, 2])
        answer("notsnappy", contentType: RemoteReadResponseType.samples.contentType, body: Array(repeating: 0xFF, count: 32))
        router.post("moved") { _, _ in
            Response(status: .temporaryRedirect, headers: [.location: "/good"])
        }
        answer("slow", contentType: RemoteReadResponseType.samples.contentType, body: [], delay: .seconds(30))
        return await serveOnLoopback(router, label: "pharos.test.fanout")
    }

    /// The endpoint at `url` (`extra` YAML added to its entry); `remote_timeout` is long but
    /// for `/slow`, so that a loaded machine running the whole suite answers in time.
    static func endpoint(_ url: String, _ extra: String = "") throws -> RemoteReadEndpoint {
        let timeout = url.hasSuffix("/slow") ? "2s" : "60s"
        let config = try PrometheusConfig.parse(
            "global: {external_labels: {region: eu}}\nremote_read:\n  - {url: \"\(url)\", remote_timeout: \(timeout)\(extra)}\n", environment: [:])
        return try RemoteReadEndpoint(config.remoteRead[0], name: url, externalLabels: config.global.externalLabels, httpClient: HTTPClient.shared)
    }

    @Test func mergesLocalAndRemoteAndTurnsBrokenAnswersIntoWarnings() async throws {
        let both = Labels(["__name__": "x", "job": "both"])
        let local = try Head.holding([(both, [(1_000, 1), (2_000, 2)])])
        let remote = try Head.holding([(both, [(2_000, 2), (3_000, 3)]), (Labels(["__name__": "x", "job": "remote"]), [(1_000, 9)])])
        let requests = Requests()
        let (port, server) = await Self.serve(remote, requests: requests)
        defer { server.cancel() }
        try #require(port > 0)
        let base = "http://127.0.0.1:\(port)/"
        let broken = ["html", "error", "truncated", "notsnappy", "slow"]
        let endpoints = try [Self.endpoint(base + "good", ", read_recent: true")] + broken.map { try Self.endpoint(base + $0, ", read_recent: true") }
        let fanout = RemoteReadFanoutQuerier(primary: local.querier(), endpoints: endpoints, mint: .min, maxt: .max, localStartMs: 0)
        let matchers = [try Matcher(.equal, "__name__", "x")]

        let selected = try await onOwnThread { try fanout.select(matchers, mint: 0, maxt: 10_000) }
        #expect(selected.map(\.labels) == [both, Labels(["__name__": "x", "job": "remote"])])
        var iterator = selected[0].makeIterator()
        var (ts, vs) = ([Int64](), [Double]())
        iterator.appendRemaining(timestamps: &ts, values: &vs, skippingStaleMarkers: false)
        #expect(ts == [1_000, 2_000, 3_000] && vs == [1, 2, 3])

        let warnings = fanout.warnings
        #expect(warnings.count == broken.count, "\(warnings)")
        #expect(warnings.allSatisfy { $0.hasPrefix("remote_read: ") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("unsupported content type \"text/html\"") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("returned HTTP status 500 Internal Server Error: storage is on fire") }, "\(warnings)")
        #expect(warnings.contains { $0.contains(base + "truncated") && $0.contains("malformed remote-read response") }, "\(warnings)")
        #expect(warnings.contains { $0.contains(base + "notsnappy") && $0.contains("malformed remote-read response") }, "\(warnings)")
        #expect(warnings.contains { $0.contains(base + "slow") && $0.contains("timed out after") }, "\(warnings)")

        // Failed endpoints are not asked again in the same query: no new request or warning.
        #expect(requests.counts.withLock { $0 } == Dictionary(uniqueKeysWithValues: broken.map { ($0, 1) }))
        let newest = try await onOwnThread { try fanout.selectNewest(matchers, mint: 0, maxt: 10_000) }
        #expect(requests.counts.withLock { $0 } == Dictionary(uniqueKeysWithValues: broken.map { ($0, 1) }))
        #expect(newest.map(\.timestamp) == [3_000, 1_000])
        #expect(fanout.warnings == warnings)

        // Label names come from local storage, with a warning per endpoint.
        let names = try await onOwnThread { try fanout.labelNames([]) }
        #expect(names == ["__name__", "job"])
        #expect(fanout.warnings.filter { $0.contains("not implemented") }.count == endpoints.count)
    }

    @Test func readRecentFalseLeavesLocalTimeToLocalStorage() async throws {
        let labels = Labels(["__name__": "x"])
        let remote = try Head.holding([(labels, [(1_000, 1), (5_000, 5), (9_000, 9)])])
        let (port, server) = await Self.serve(remote)
        defer { server.cancel() }
        try #require(port > 0)
        let fanout = RemoteReadFanoutQuerier(primary: Head().querier(), endpoints: [try Self.endpoint("http://127.0.0.1:\(port)/good")],
                                             mint: .min, maxt: .max, localStartMs: 5_000)
        let matchers = [try Matcher(.equal, "__name__", "x")]
        // Cut at local storage's start, even though the answer's chunk holds later samples.
        let cut = try await onOwnThread { try fanout.select(matchers, mint: 0, maxt: 10_000) }
        var iterator = try #require(cut.first).makeIterator()
        var (ts, vs) = ([Int64](), [Double]())
        iterator.appendRemaining(timestamps: &ts, values: &vs, skippingStaleMarkers: false)
        #expect(ts == [1_000, 5_000])
        #expect(try await onOwnThread { try fanout.select(matchers, mint: 5_001, maxt: 10_000) }.isEmpty)
        #expect(fanout.warnings.isEmpty)
    }

    @Test func followRedirectsAsConfigured() async throws {
        let labels = Labels(["__name__": "x"])
        let remote = try Head.holding([(labels, [(1_000, 1)])])
        let (port, server) = await Self.serve(remote)
        defer { server.cancel() }
        try #require(port > 0)
        let url = "http://127.0.0.1:\(port)/moved"
        let matchers = [try Matcher(.equal, "__name__", "x")]
        let storage = RemoteReadStorage(httpClient: HTTPClient.shared)
        // No external labels here: the series keeps the endpoint's `region`.
        for (follows, expected) in [(true, [Labels(["__name__": "x", "region": "eu"])]), (false, [])] {
            try storage.applyConfig(PrometheusConfig.parse(
                "remote_read:\n  - {url: \"\(url)\", read_recent: true, follow_redirects: \(follows), enable_http2: false}\n", environment: [:]))
            let querier = storage.querier(local: Head().querier(), mint: .min, maxt: .max, localStartMs: 0)
            let selected = try await onOwnThread { try querier.select(matchers, mint: 0, maxt: 10_000) }
            #expect(selected.map(\.labels) == expected, "follow_redirects: \(follows)")
            #expect(querier.warnings.contains { $0.contains("returned HTTP status 307") } == !follows, "\(querier.warnings)")
        }
        await storage.shutdown()
    }
}
