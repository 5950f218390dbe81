import AsyncHTTPClient
import Config
import Exposition
import Foundation
import Hummingbird
import Model
import Query
import Server
import TSDB
import Testing

/// Start timestamps (`--enable-feature=st-storage`) over remote read between Pharos's endpoint
/// and Pharos's client: XOR2 chunks are sent as XOR2 and read back with their start timestamps.
@Suite struct RemoteReadStartTimestampTests {
    @Test func xor2ChunksKeepStartTimestamps() async throws {
        var options = Head.Options()
        options.storesStartTimestamps = true
        let head = Head(options: options)
        var appender = head.appender()
        let labels = Labels(["__name__": "requests_total", "job": "a"])
        for i in 0..<300 { try appender.append(labels, timestamp: 1_000_000 + Int64(i) * 15_000, value: Double(i), startTimestamp: 900_000) }
        _ = try appender.commit()
        let querier = head.querier()

        let router = Router()
        RemoteReadAPI(querier: { _, _ in querier }, externalLabels: { Labels() }, sampleLimit: 0, bodyLimit: 1 << 24).register(on: router)
        let (port, server) = await serveOnLoopback(router, label: "pharos.test.remote-read-st")
        defer { server.cancel() }
        try #require(port > 0)

        let client = RemoteReadClient(httpClient: HTTPClient.shared, http: .init(), tls: nil)
        let query = RemoteReadQuery(startTimestampMs: 0, endTimestampMs: 10_000_000, matchers: [try Matcher(.equal, "__name__", "requests_total")])
        let pending = client.send([query], to: "http://127.0.0.1:\(port)/api/v1/read")
        let answer = try await onOwnThread { try pending.wait() }
        #expect(answer.responseType == .streamedXORChunks)
        let series = try #require(answer.series.first?.first)
        #expect(series.labels == labels)
        #expect(series.chunks.allSatisfy { $0.encoding == .xor2 })
        var iterator = series.makeIterator()
        var count = 0
        while iterator.next() {
            #expect(iterator.startTimestamp == 900_000 && iterator.value == Double(count))
            count += 1
        }
        #expect(count == 300 && iterator.error == nil)
    }
}
