import AsyncHTTPClient
import Config
import Foundation
import Hummingbird
import Logging
import Model
import PharosTestSupport
import PromQL
import Query
import Server
import Synchronization
import TSDB
import Testing

/// `SelectHints` over remote read, end to end and against Prometheus: Pharos's remote-read
/// endpoint (the one ingesters serve queriers on) runs on loopback over a real head. Debian's
/// Prometheus 2.42, configured with `remote_read` to it, and Pharos's engine through the
/// cluster's `IngesterQuerier` run the same queries; the `ReadHints` each sends arrive at the
/// endpoint's querier as `SelectHints`, and must be the same.
@Suite(.enabled(if: TestBinaries.onPath("prometheus") != nil, "needs prometheus (Debian package prometheus)"))
struct SelectHintsPrometheusTests {
    /// The endpoint's querier: the head's, keeping the hints each select came with.
    private final class HeadWithHints: Querier {
        let head: Head
        let received = Mutex<[SelectHints?]>([])

        init(head: Head) { self.head = head }

        func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [Series] {
            received.withLock { $0.append(hints) }
            return try head.querier().select(matchers, mint: mint, maxt: maxt, hints: hints)
        }
        func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] { try head.querier().labelNames(matchers) }
        func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
            try head.querier().labelValues(name, matchers)
        }
        /// The hints received since the last call, in a stable order (Prometheus may send a
        /// query's selects concurrently).
        func take() -> [String] {
            received.withLock { all in
                defer { all = [] }
                return all.map { hints in hints.map { "\($0)" } ?? "none" }.sorted()
            }
        }
    }

    private static let queries: [(query: String, instant: Bool)] = [
        ("sum by (a) (rate(x[5m]))", false), ("sum by (a) (x)", false), ("count without (b) (x)", false),
        ("abs(rate(x[1m]) * on(a) group_left y)", false), ("max_over_time(rate(x[1m])[10m:2m])", false),
        ("topk(1, x)", true), ("y", true),
    ]

    @Test func pharosSendsTheHintsPrometheusSends() async throws {
        let prometheus = try #require(TestBinaries.onPath("prometheus"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-hints-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let now = WallClock.milliseconds() / 60_000 * 60_000
        let (start, end) = (now - 20 * 60_000, now - 5 * 60_000)
        let head = Head()
        var appender = head.appender()
        for a in ["p", "q"] {
            for t in stride(from: now - 60 * 60_000, through: now, by: 15_000) {
                try appender.append(Labels(["__name__": "x", "a": a, "b": "1"]), timestamp: t, value: Double(t / 1000))
                try appender.append(Labels(["__name__": "y", "a": a]), timestamp: t, value: 2)
            }
        }
        _ = try appender.commit()
        let querier = HeadWithHints(head: head)

        let router = Router()
        RemoteReadAPI(querier: { _, _ in querier }, externalLabels: { Labels() }, sampleLimit: 0, bodyLimit: 1 << 24,
                      path: String(IngesterQuerier.readPath.dropFirst())).register(on: router)
        SeriesAPI(querier: { _, _ in querier }, bodyLimit: 1 << 20).register(on: router)
        let (port, server) = await serveOnLoopback(router, label: "pharos.test.hints")
        defer { server.cancel() }
        try #require(port > 0)
        let address = "127.0.0.1:\(port)"

        let prometheusPort = try Daemon.freePort()
        try """
            remote_read:
              - url: http://\(address)\(IngesterQuerier.readPath)
                read_recent: true
            """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let reader = try Daemon(prometheus, [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(prometheusPort)",
        ], output: .file(directory + "/prometheus.log"))
        defer { Task { await reader.terminate() } }
        try await reader.waitUntilListening(port: prometheusPort)

        var config = StreamConfig()
        config.ingesters = [StreamIngesterConfig(address: address, partitions: [0])]
        let ingesters = IngesterQuerier(ring: IngesterRing(config: config), httpClient: HTTPClient.shared, mint: start, maxt: end)
        for (query, instant) in Self.queries {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let url = instant
                ? "http://127.0.0.1:\(prometheusPort)/api/v1/query?query=\(encoded)&time=\(end / 1000)"
                : "http://127.0.0.1:\(prometheusPort)/api/v1/query_range?query=\(encoded)&start=\(start / 1000)&end=\(end / 1000)&step=30"
            _ = querier.take()
            var answer: Any?
            for _ in 0..<100 where answer == nil {  // until Prometheus is ready
                answer = try? await PharosInstance.data(url: url)
                if answer == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            try #require(answer != nil, "Prometheus did not answer \(query): \(reader.log)")
            let fromPrometheus = querier.take()

            let expr = try PromQLParser.parse(query)
            // The querier blocks its thread on HTTP: evaluate on a thread of its own.
            let result = try await onOwnThread {
                instant ? try Engine().instantQuery(expr, at: end, querier: ingesters)
                    : try Engine().rangeQuery(expr, start: start, end: end, step: 30_000, querier: ingesters)
            }
            let fromPharos = querier.take()
            #expect(!fromPrometheus.isEmpty, "\(query): Prometheus sent no hints")
            #expect(fromPharos == fromPrometheus, "\(query)")
            switch result.value {
            case .vector(let samples): #expect(!samples.isEmpty, "\(query)")
            case .matrix(let series): #expect(!series.isEmpty, "\(query)")
            default: Issue.record("\(query): unexpected \(result.value)")
            }
        }

        // `/api/v1/series` of each: Prometheus through remote read, Pharos's API on its querier.
        let series = "series?match%5B%5D=y&start=\(start / 1000)&end=\(end / 1000)"
        _ = try await PharosInstance.data(url: "http://127.0.0.1:\(prometheusPort)/api/v1/\(series)")
        let seriesFromPrometheus = querier.take()
        _ = try await PharosInstance.data(url: "http://\(address)/api/v1/\(series)")
        #expect(querier.take() == seriesFromPrometheus)
        #expect(seriesFromPrometheus == ["\(SelectHints(function: "series"))"])
    }
}
