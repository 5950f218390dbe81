import Foundation
import Logging
import NIOHTTP1
import PharosTestSupport
import Pushgateway
import Testing

/// Random and mutated bodies and paths never crash the gateway; malformed ones get 400.
@Suite struct PushgatewayFuzzTests {
    private static let corpus = [
        "# HELP a Help.\n# TYPE a counter\na{b=\"c\"} 1\n",
        "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n",
        "untyped{x=\"y\\\"z\"} -Inf\n",
    ].map { Array($0.utf8) }

    /// A corpus entry with a few bytes flipped, inserted or dropped.
    private static func mutated(_ random: inout SeededGenerator) -> [UInt8] {
        var bytes = corpus.randomElement(using: &random)!
        for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
            default: bytes.remove(at: at)
            }
        }
        return bytes
    }

    @Test func mutatedBodiesAreAcceptedOrRefusedWithAReason() throws {
        var random = SeededGenerator(seed: 7)
        let gateway = try Pushgateway(directory: nil, defaultTTLMs: 0, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let key = try GroupingKey(path: "job/fuzz")
        let protobuf = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
        for i in 0..<3000 {
            let body = i % 3 == 0 ? (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                                  : Self.mutated(&random)
            do {
                try gateway.push(body, contentType: i % 2 == 0 ? protobuf : "", to: key, replace: true, ttlMs: nil, nowMs: Int64(i))
            } catch {
                #expect(!"\(error)".isEmpty)
                if case .journal = error { Issue.record("no journal, yet \(error)") }
            }
        }
    }

    @Test(.enabled(if: PharosPushServer.binary != nil, "needs a built pharos"))
    func malformedRequestsGet400AndTheServerStaysUp() async throws {
        let server = try await PharosPushServer()
        var random = SeededGenerator(seed: 11)
        for i in 0..<200 {
            let body = [UInt8(ascii: "{")] + Self.mutated(&random)  // no line may start with "{"
            let reply = try await PushHTTP.send(server.pushURL + "/metrics/job/fuzz\(i % 5)", method: i % 2 == 0 ? .PUT : .POST, body: body)
            #expect(reply.status == 400, "\(reply.body)")
            let segments = (0..<Int.random(in: 1...5, using: &random)).map { _ in
                String((0..<Int.random(in: 0...6, using: &random)).map { _ in "aZ_9-@=+".randomElement(using: &random)! })
            }
            let path = "/metrics/job/j/" + segments.joined(separator: "/")
            let pathReply = try await PushHTTP.send(server.pushURL + path, method: .PUT, body: Array("ok 1\n".utf8))
            #expect([200, 400].contains(pathReply.status), "\(path): \(pathReply.status) \(pathReply.body)")
        }
        #expect(try await PushHTTP.send(server.pushURL + "/metrics/job/big", method: .PUT,
                                        body: [UInt8](repeating: UInt8(ascii: "a"), count: (32 << 20) + 1)).status == 413)
        #expect(try await PushHTTP.send(server.pushURL + "/-/healthy").status == 200)
        #expect(server.daemon.exited() == nil)
        await server.stop()
    }
}
