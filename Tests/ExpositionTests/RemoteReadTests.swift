import Foundation
import Model
import SwiftProtobuf
import Testing

@testable import Exposition
import PharosTestSupport

@Suite struct RemoteReadRequestTests {
    static func randomRequest(seed: UInt64) -> Prometheus_ReadRequest {
        var random = RandomRemoteWrite(seed: seed)
        var request = Prometheus_ReadRequest()
        for _ in 0..<random.int(0...3) {
            var query = Prometheus_Query()
            query.startTimestampMs = random.timestamp()
            query.endTimestampMs = random.timestamp()
            for (name, value) in random.labels(metricName: true) {
                var matcher = Prometheus_LabelMatcher()
                matcher.type = Prometheus_LabelMatcher.TypeEnum(rawValue: random.int(0...3)) ?? .eq
                matcher.name = name
                matcher.value = matcher.type == .re || matcher.type == .nre ? ["a|b", ".*", "foo.+", "é?"][random.int(0...3)] : value
                query.matchers.append(matcher)
            }
            if random.bool() {
                var hints = Prometheus_ReadHints()
                hints.stepMs = Int64(random.int(0...60_000))
                hints.func = ["rate", "", "sum"][random.int(0...2)]
                hints.startMs = random.timestamp()
                hints.endMs = random.timestamp()
                hints.grouping = random.bool() ? ["job", "instance"] : []
                hints.by = random.bool()
                hints.rangeMs = Int64(random.int(0...300_000))
                query.hints = hints
            }
            request.queries.append(query)
        }
        request.acceptedResponseTypes = (0..<random.int(0...2)).map { _ in random.bool() ? .samples : .streamedXorChunks }
        return request
    }

    static func expected(_ request: Prometheus_ReadRequest) throws -> RemoteReadRequest {
        var result = RemoteReadRequest()
        result.acceptedResponseTypes = request.acceptedResponseTypes.map(\.rawValue)
        result.queries = try request.queries.map { query in
            let types: [MatchType] = [.equal, .notEqual, .regexMatch, .regexNoMatch]
            var hints: RemoteReadHints?
            if query.hasHints {
                var h = RemoteReadHints()
                h.stepMs = query.hints.stepMs
                h.function = query.hints.func
                h.startMs = query.hints.startMs
                h.endMs = query.hints.endMs
                h.grouping = query.hints.grouping
                h.by = query.hints.by
                h.rangeMs = query.hints.rangeMs
                hints = h
            }
            return RemoteReadQuery(
                startTimestampMs: query.startTimestampMs, endTimestampMs: query.endTimestampMs,
                matchers: try query.matchers.map { try Matcher(types[$0.type.rawValue], $0.name, $0.value) }, hints: hints)
        }
        return result
    }

    @Test(arguments: 0..<100)
    func agreesWithSwiftProtobuf(seed: UInt64) throws {
        let request = Self.randomRequest(seed: seed)
        let decoded = try RemoteReadRequest(decoding: try request.serializedBytes())
        #expect(decoded == (try Self.expected(request)))
    }

    /// What `encoded()` writes (a querier's request to its ingesters, hints included) reads
    /// back in swift-protobuf as the request it was made from.
    @Test(arguments: 0..<100)
    func encodingAgreesWithSwiftProtobuf(seed: UInt64) throws {
        let request = Self.randomRequest(seed: seed)
        let encoded = try Self.expected(request).encoded()
        #expect(try Prometheus_ReadRequest(serializedBytes: encoded) == request)
        #expect(try RemoteReadRequest(decoding: encoded) == (try Self.expected(request)))
    }

    @Test(arguments: [
        ([], RemoteReadResponseType.samples), ([1], .streamedXORChunks), ([1, 0], .streamedXORChunks),
        ([7, 0], .samples),
    ] as [([Int], RemoteReadResponseType)])
    func negotiatesTheResponseType(accepted: [Int], type: RemoteReadResponseType) throws {
        var request = RemoteReadRequest()
        request.acceptedResponseTypes = accepted
        #expect(try request.negotiateResponseType() == type)
    }

    @Test func refusesWhenNoResponseTypeIsSupported() throws {
        var w = ProtobufWriter()
        w.tag(2, .varint)
        w.varint(5)
        let request = try RemoteReadRequest(decoding: w.bytes)
        #expect(throws: ExpositionError.unsupportedReadResponseTypes([5])) { try request.negotiateResponseType() }
    }

    @Test func refusesBadMatchers() throws {
        var query = Prometheus_Query()
        var matcher = Prometheus_LabelMatcher()
        matcher.type = .re
        matcher.name = "job"
        matcher.value = "("
        query.matchers = [matcher]
        var request = Prometheus_ReadRequest()
        request.queries = [Prometheus_Query(), query]
        #expect {
            _ = try RemoteReadRequest(decoding: try request.serializedBytes())
        } throws: { error in
            guard case .invalidReadQuery(let reason, 1) = error as? ExpositionError else { return false }
            return reason.hasPrefix("invalid matcher: error parsing regexp")
        }
        var w = ProtobufWriter()
        w.message(1) { q in q.message(3) { m in m.varintField(1, 9); m.stringField(2, "job") } }
        #expect(throws: ExpositionError.invalidReadQuery("unknown matcher type 9 for label \"job\"", query: 0)) {
            try RemoteReadRequest(decoding: w.bytes)
        }
    }

    @Test func survivesTruncatedAndMutatedRequests() throws {
        let bytes: [UInt8] = try Self.randomRequest(seed: 3).serializedBytes()
        for end in 0..<bytes.count { _ = try? RemoteReadRequest(decoding: Array(bytes[..<end])) }
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<2_000 {
            var mutated = bytes
            let index = Int(rng.next() % UInt64(max(mutated.count, 1)))
            if !mutated.isEmpty { mutated[index] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            _ = try? RemoteReadRequest(decoding: mutated)
        }
        #expect(throws: ExpositionError.self) { try RemoteReadRequest(decoding: [0x0A, 0x7F]) }
    }
}

@Suite struct RemoteReadResponseTests {
    /// `ReadResponse` bytes equal swift-protobuf's for the same series.
    @Test(arguments: 0..<50)
    func samplesResponseMatchesSwiftProtobuf(seed: UInt64) throws {
        var random = RandomRemoteWrite(seed: seed)
        var response = Prometheus_ReadResponse()
        var batches: [RemoteWriteBatch] = []
        for _ in 0..<random.int(1...3) {
            var result = Prometheus_QueryResult()
            result.timeseries = random.v1Request().timeseries
            response.results.append(result)
            batches.append(ExpectedBatch.of({ var r = Prometheus_WriteRequest(); r.timeseries = result.timeseries; return r }()))
        }
        var out: [UInt8] = []
        RemoteReadResponse.encodeSamples(batches, into: &out)
        #expect(out == (try response.serializedBytes()))
    }

    @Test func crc32cMatchesTheCastagnoliCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
    }

    static let frames: [(series: [ChunkedSeries], queryIndex: Int64)] = [
        ([ChunkedSeries(labels: Labels(["__name__": "up", "job": "a"]), chunks: [
            ReadChunk(minTimeMs: 1_000, maxTimeMs: 2_000, encoding: .xor, data: [0x00, 0x02, 0xAB, 0xCD]),
            ReadChunk(minTimeMs: 2_001, maxTimeMs: 9_000, encoding: .histogram, data: Array(repeating: 7, count: 300)),
        ])], 0),
        ([], 1),
        ([ChunkedSeries(labels: Labels(["__name__": "x"]), chunks: [])], 2),
    ]

    /// Frames: uvarint length, big-endian CRC-32C, then a message swift-protobuf reads back.
    @Test func streamedFramesRoundTrip() throws {
        var body: [UInt8] = []
        for frame in Self.frames { RemoteReadResponse.appendFrame(series: frame.series, queryIndex: frame.queryIndex, to: &body) }

        var offset = 0
        for frame in Self.frames {
            let start = offset
            let decoded = try #require(try RemoteReadResponse.nextFrame(in: body, offset: &offset))
            #expect(decoded.series == frame.series && decoded.queryIndex == frame.queryIndex)
            // By hand: the length, the checksum and the generated type's reading of the message.
            var reader = start
            var length = 0, shift = 0
            while true { let b = body[reader]; reader += 1; length |= Int(b & 0x7F) << shift; if b < 0x80 { break }; shift += 7 }
            let crc = body[reader..<(reader + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let message = Array(body[(reader + 4)..<(reader + 4 + length)])
            #expect(CRC32C.checksum(message) == crc && reader + 4 + length == offset)
            let generated = try Prometheus_ChunkedReadResponse(serializedBytes: message)
            #expect(generated.queryIndex == frame.queryIndex)
            #expect(generated.chunkedSeries.map { $0.chunks.map(\.data) } == frame.series.map { $0.chunks.map { Data($0.data) } })
        }
        #expect(try RemoteReadResponse.nextFrame(in: body, offset: &offset) == nil)
    }

    @Test func refusesCorruptFrames() throws {
        var body: [UInt8] = []
        RemoteReadResponse.appendFrame(series: Self.frames[0].series, queryIndex: 0, to: &body)
        var failures = 0
        for end in 1..<body.count {
            var offset = 0
            do { _ = try RemoteReadResponse.nextFrame(in: Array(body[..<end]), offset: &offset) } catch { failures += 1 }
        }
        #expect(failures == body.count - 1)
        var flipped = body
        flipped[flipped.count - 1] ^= 1
        var offset = 0
        #expect(throws: ExpositionError.malformedProtobuf("chunked read frame checksum mismatch", offset: 0)) {
            _ = try RemoteReadResponse.nextFrame(in: flipped, offset: &offset)
        }
        #expect(throws: ExpositionError.malformedProtobuf("chunked read message of \(body.count - 6) bytes exceeds the limit of 10 bytes", offset: 0)) {
            _ = try RemoteReadResponse.nextFrame(in: body, offset: &offset, limitBytes: 10)
        }
    }
}
