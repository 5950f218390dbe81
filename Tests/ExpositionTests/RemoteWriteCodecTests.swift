import Model
import SwiftProtobuf
import Testing

@testable import Exposition
import PharosTestSupport

/// Our wire codec against swift-protobuf's generated code, on randomized requests.
@Suite struct RemoteWriteDifferentialTests {
    @Test(arguments: 0..<200)
    func v1AgreesWithSwiftProtobuf(seed: UInt64) throws {
        var random = RandomRemoteWrite(seed: seed)
        let request = random.v1Request()
        let bytes: [UInt8] = try request.serializedBytes()

        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        try decoder.decode(bytes, version: .v1, into: &batch)
        #expect(batch == ExpectedBatch.of(request))

        var encoder = RemoteWriteEncoder()
        let encoded = encoder.encode(batch, version: .v1)
        #expect(encoded == bytes, "our 1.0 encoding differs from swift-protobuf's")
        let reparsed = try Prometheus_WriteRequest(serializedBytes: encoded)
        #expect(ExpectedBatch.of(reparsed) == batch)
    }

    @Test(arguments: 0..<200)
    func v2AgreesWithSwiftProtobuf(seed: UInt64) throws {
        var random = RandomRemoteWrite(seed: seed)
        let request = random.v2Request()
        let bytes: [UInt8] = try request.serializedBytes()

        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        try decoder.decode(bytes, version: .v2, into: &batch)
        #expect(batch == ExpectedBatch.of(request))

        var encoder = RemoteWriteEncoder()
        let encoded = encoder.encode(batch, version: .v2)
        #expect(encoded == bytes, "our 2.0 encoding differs from swift-protobuf's")
        let reparsed = try Io_Prometheus_Write_V2_Request(serializedBytes: encoded)
        #expect(ExpectedBatch.of(reparsed) == batch)
    }

    /// A 1.0 body built from pre-encoded labels is byte for byte the encoder's for the same
    /// series and float samples.
    @Test(arguments: 0..<50)
    func v1BodyFromEncodedLabelsAgreesWithTheEncoder(seed: UInt64) throws {
        var random = RandomRemoteWrite(seed: seed)
        var decoded = RemoteWriteBatch()
        var decoder = RemoteWriteDecoder()
        try decoder.decode(try random.v1Request().serializedBytes(), version: .v1, into: &decoded)
        var floats = RemoteWriteBatch()
        var body = RemoteWriteV1Body()
        for series in decoded.labels.indices {
            let samples = decoded.sampleRanges[series].map { Sample(timestampMs: decoded.timestampsMs[$0], value: decoded.values[$0]) }
            floats.appendSeries(decoded.labels[series], samples: samples)
            body.appendSeries(EncodedSeriesLabelsV1(decoded.labels[series]), samples: samples)
        }
        var encoder = RemoteWriteEncoder()
        #expect(body.bytes == encoder.encode(floats, version: .v1))
    }

    /// Nested messages whose length needs one to four varint bytes are framed as swift-protobuf
    /// frames them (the writer widens the reserved length byte in place).
    @Test(arguments: [1, 100, 115, 116, 127, 128, 16_360, 16_384, 2_097_152])
    func nestedLengthsOfEveryVarintWidth(valueLength: Int) throws {
        var request = Prometheus_WriteRequest()
        var series = Prometheus_TimeSeries()
        series.labels = [Prometheus_Label.with { $0.name = "__name__"; $0.value = "m" },
                         Prometheus_Label.with { $0.name = "v"; $0.value = String(repeating: "x", count: valueLength) }]
        series.samples = [Prometheus_Sample.with { $0.value = 1; $0.timestamp = 1_000 }]
        request.timeseries = [series]
        let bytes: [UInt8] = try request.serializedBytes()
        var batch = RemoteWriteBatch()
        var decoder = RemoteWriteDecoder()
        try decoder.decode(bytes, version: .v1, into: &batch)
        var encoder = RemoteWriteEncoder()
        #expect(encoder.encode(batch, version: .v1) == bytes)
    }

    /// A decoder and batch reused across requests give the same answers as fresh ones.
    @Test func reusedDecoderAgreesWithFreshOne() throws {
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        var random = RandomRemoteWrite(seed: 7)
        for _ in 0..<20 {
            let request = random.v2Request()
            try decoder.decode(try request.serializedBytes(), version: .v2, into: &batch)
            #expect(batch == ExpectedBatch.of(request))
        }
    }
}

/// Wire-format corners that swift-protobuf accepts and a hand-written reader easily gets wrong.
@Suite struct RemoteWriteWireFormatTests {
    /// A 2.0 body with the symbols after the series, label references unpacked, fields out of
    /// order and unknown fields of every wire type (groups included) decodes like the canonical one.
    @Test func acceptsNonCanonicalEncoding() throws {
        var w = ProtobufWriter()
        w.message(5) { s in
            s.message(2) { sample in  // the sample before the labels, timestamp before value
                sample.int64Field(2, 1_000)
                sample.doubleField(1, 2.5)
            }
            for ref: UInt64 in [1, 2] { s.tag(1, .varint); s.varint(ref) }  // unpacked
            s.tag(99, .startGroup)
            s.tag(1, .varint); s.varint(7)
            s.tag(98, .startGroup); s.tag(98, .endGroup)
            s.tag(99, .endGroup)
            s.tag(100, .fixed32); s.bytes += [1, 2, 3, 4]
            s.tag(101, .fixed64); s.bytes += [1, 2, 3, 4, 5, 6, 7, 8]
            s.tag(102, .lengthDelimited); s.varint(2); s.bytes += [0xFF, 0xFE]
            s.tag(2, .varint); s.varint(5)  // known field, wrong wire type: unknown
        }
        w.tag(1, .varint); w.varint(3)  // reserved field
        for symbol in ["", "__name__", "up"] { w.tag(4, .lengthDelimited); w.varint(UInt64(symbol.utf8.count)); w.bytes += Array(symbol.utf8) }

        let generated = try Io_Prometheus_Write_V2_Request(serializedBytes: w.bytes)
        #expect(generated.timeseries.first?.labelsRefs == [1, 2])

        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        try decoder.decode(w.bytes, version: .v2, into: &batch)
        #expect(batch == ExpectedBatch.of(generated))
        #expect(batch.labels == [Labels(["__name__": "up"])])
        #expect(batch.values == [2.5] && batch.timestampsMs == [1_000])
    }

    @Test(arguments: [
        ([0x0A, 0x05, 0x0A], "length 5 runs past the end of the message", 1),
        ([0x0A], "truncated varint", 1),
        ([0x0B], "invalid wire type 3".isEmpty ? "" : "unterminated group 1", 1),
        ([0x0C], "end-group tag without a start", 1),
        ([0x0E], "invalid wire type 6", 0),
        ([0x00], "invalid field number 0", 0),
        ([0x09, 1, 2, 3], "truncated fixed64", 1),
        (Array(repeating: 0xFF, count: 11), "varint longer than 10 bytes", 0),
    ] as [([UInt8], String, Int)])
    func refusesCorruptWireFormat(bytes: [UInt8], reason: String, offset: Int) {
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        #expect(throws: ExpositionError.malformedProtobuf(reason, offset: offset)) {
            try decoder.decode(bytes, version: .v1, into: &batch)
        }
    }
}

/// Series the receiver must refuse, each named with its labels, index and byte offset.
@Suite struct RemoteWriteValidationTests {
    static func v1Body(_ series: [[(String, String)]]) -> [UInt8] {
        var request = Prometheus_WriteRequest()
        request.timeseries = series.map { labels in
            var ts = Prometheus_TimeSeries()
            ts.labels = labels.map { var l = Prometheus_Label(); l.name = $0.0; l.value = $0.1; return l }
            var sample = Prometheus_Sample()
            sample.value = 1
            ts.samples = [sample]
            return ts
        }
        return (try? request.serializedBytes()) ?? []
    }

    static let good = [("__name__", "up"), ("job", "a")]

    @Test(arguments: [
        ([("__name__", "up"), ("job", "a"), ("job", "b")], InvalidSeriesReason.duplicateLabelName("job")),
        ([("__name__", "up"), ("zone", "a"), ("job", "b")], .unsortedLabelName("job")),
        ([("job", "a")], .missingMetricName),
        ([("__name__", ""), ("job", "a")], .missingMetricName),
        ([], .emptyLabelSet),
        ([("", "x"), ("__name__", "up")], .invalidLabelName("")),
    ] as [([(String, String)], InvalidSeriesReason)])
    func refusesInvalidV1Series(labels: [(String, String)], reason: InvalidSeriesReason) throws {
        let body = Self.v1Body([Self.good, labels])
        let firstLength = Self.v1Body([Self.good]).count
        let description = "{" + labels.map { "\($0.0)=\($0.1.quotedForPromQL)" }.joined(separator: ", ") + "}"
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        #expect(throws: ExpositionError.invalidSeries(reason, series: description, index: 1, offset: firstLength)) {
            try decoder.decode(body, version: .v1, into: &batch)
        }
    }

    @Test func refusesLegacyInvalidNamesOnlyUnderTheLegacyScheme() throws {
        let body = Self.v1Body([[("__name__", "up.total"), ("job", "a")]])
        var batch = RemoteWriteBatch()
        var utf8 = RemoteWriteDecoder()
        try utf8.decode(body, version: .v1, into: &batch)
        #expect(batch.labels.first?.metricName == "up.total")
        var legacy = RemoteWriteDecoder(options: .init(nameValidation: .legacy))
        #expect(throws: ExpositionError.invalidSeries(
            .invalidMetricName("up.total"), series: "{__name__=\"up.total\", job=\"a\"}", index: 0, offset: 0)
        ) { try legacy.decode(body, version: .v1, into: &batch) }
    }

    @Test func refusesInvalidUTF8InALabelValue() throws {
        var w = ProtobufWriter()
        w.message(1) { s in
            s.message(1) { l in l.stringField(1, "__name__"); l.stringField(2, "up") }
            s.message(1) { l in l.stringField(1, "job"); l.bytesField(2, [0x61, 0xFF]) }
        }
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        #expect(throws: ExpositionError.invalidSeries(
            .invalidUTF8(label: "job"), series: "{__name__=\"up\", job=\"a\u{FFFD}\"}", index: 0, offset: 0)
        ) { try decoder.decode(w.bytes, version: .v1, into: &batch) }
    }

    @Test func sortsUnsortedLabelsWhenAskedTo() throws {
        let body = Self.v1Body([[("job", "a"), ("__name__", "up")]])
        var decoder = RemoteWriteDecoder(options: .init(sortsUnsortedLabels: true))
        var batch = RemoteWriteBatch()
        try decoder.decode(body, version: .v1, into: &batch)
        #expect(batch.labels == [Labels(["__name__": "up", "job": "a"])])
    }

    /// With `skipsInvalidSeries`, the valid series are kept whole and the invalid ones counted.
    @Test func skipsInvalidSeriesKeepingTheOthers() throws {
        var request = Io_Prometheus_Write_V2_Request()
        request.symbols = ["", "__name__", "up", "job", "a"]
        for refs: [UInt32] in [[1, 2, 3, 4], [3, 4], [1, 2, 3, 9], [1, 2, 3], [1, 2]] {
            var ts = Io_Prometheus_Write_V2_TimeSeries()
            ts.labelsRefs = refs
            var sample = Io_Prometheus_Write_V2_Sample()
            sample.value = Double(refs.count)
            sample.timestamp = 5
            ts.samples = [sample, sample]
            var exemplar = Io_Prometheus_Write_V2_Exemplar()
            exemplar.labelsRefs = [3, 4]
            ts.exemplars = [exemplar]
            request.timeseries.append(ts)
        }
        let body: [UInt8] = try request.serializedBytes()
        var decoder = RemoteWriteDecoder(options: .init(skipsInvalidSeries: true))
        var batch = RemoteWriteBatch()
        try decoder.decode(body, version: .v2, into: &batch)
        #expect(batch.labels == [Labels(["__name__": "up", "job": "a"]), Labels(["__name__": "up"])])
        #expect(batch.values == [4, 4, 2, 2])
        #expect(batch.sampleRanges == [0..<2, 2..<4])
        #expect(batch.exemplarRanges == [0..<1, 1..<2])
        #expect(batch.rejectedSeriesCount == 3 && batch.rejectedSampleCount == 6)
        guard case .invalidSeries(.missingMetricName, "{job=\"a\"}", 1, _) = batch.firstRejection else {
            Issue.record("unexpected first rejection \(String(describing: batch.firstRejection))")
            return
        }

        var strict = RemoteWriteDecoder()
        #expect(throws: ExpositionError.self) { try strict.decode(body, version: .v2, into: &batch) }
    }

    @Test(arguments: [
        ([1, 2, 3, 9] as [UInt32], InvalidSeriesReason.symbolReferenceOutOfRange(9, symbolCount: 5), "labels_refs [1, 2, 3, 9]"),
        ([1, 2, 3], .oddLabelReferenceCount(3), "labels_refs [1, 2, 3]"),
    ])
    func refusesBadV2References(refs: [UInt32], reason: InvalidSeriesReason, description: String) throws {
        var request = Io_Prometheus_Write_V2_Request()
        request.symbols = ["", "__name__", "up", "job", "a"]
        var ts = Io_Prometheus_Write_V2_TimeSeries()
        ts.labelsRefs = refs
        ts.samples = [Io_Prometheus_Write_V2_Sample()]
        request.timeseries = [ts]
        let body: [UInt8] = try request.serializedBytes()
        let offset = body.firstIndex(of: 0x2A) ?? -1
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        #expect(throws: ExpositionError.invalidSeries(reason, series: description, index: 0, offset: offset)) {
            try decoder.decode(body, version: .v2, into: &batch)
        }
    }

    @Test func refusesV2SeriesWithoutSamplesAndBadMetadataReferences() throws {
        var request = Io_Prometheus_Write_V2_Request()
        request.symbols = ["", "__name__", "up"]
        var ts = Io_Prometheus_Write_V2_TimeSeries()
        ts.labelsRefs = [1, 2]
        request.timeseries = [ts]
        // The symbols take 2 + 10 + 4 bytes; the series starts after them.
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        #expect(throws: ExpositionError.invalidSeries(.noSamples, series: "{__name__=\"up\"}", index: 0, offset: 16)) {
            try decoder.decode(try request.serializedBytes(), version: .v2, into: &batch)
        }
        request.timeseries[0].samples = [Io_Prometheus_Write_V2_Sample()]
        request.timeseries[0].metadata.unitRef = 3
        #expect(throws: ExpositionError.invalidSeries(
            .symbolReferenceOutOfRange(3, symbolCount: 3), series: "{__name__=\"up\"}", index: 0, offset: 16)
        ) { try decoder.decode(try request.serializedBytes(), version: .v2, into: &batch) }
    }
}

/// Hostile bytes: every truncation, fixed-seed mutations and random input never crash, and
/// whenever both swift-protobuf and our decoder accept mutated bytes they agree.
@Suite struct RemoteWriteFuzzTests {
    @Test(arguments: RemoteWriteVersion.allCases)
    func survivesTruncationAtEveryOffset(version: RemoteWriteVersion) throws {
        var random = RandomRemoteWrite(seed: 99)
        let bytes: [UInt8] = version == .v1 ? try random.v1Request().serializedBytes() : try random.v2Request().serializedBytes()
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        var failures = 0
        for end in 0..<bytes.count {
            do { try decoder.decode(Array(bytes[..<end]), version: version, into: &batch) } catch { failures += 1 }
        }
        #expect(failures > 0)
    }

    @Test(arguments: RemoteWriteVersion.allCases)
    func mutatedBodiesAgreeWithSwiftProtobufWhenBothAccept(version: RemoteWriteVersion) throws {
        var rng = SeededGenerator(seed: 2024)
        var decoder = RemoteWriteDecoder(options: .init(skipsInvalidSeries: false))
        var batch = RemoteWriteBatch()
        var bothAccepted = 0
        for seed in 0..<40 {
            var random = RandomRemoteWrite(seed: UInt64(seed))
            let original: [UInt8] = version == .v1 ? try random.v1Request().serializedBytes() : try random.v2Request().serializedBytes()
            guard !original.isEmpty else { continue }
            for _ in 0..<100 {
                var mutated = original
                for _ in 0..<Int(rng.next() % 3 + 1) {
                    let index = Int(rng.next() % UInt64(mutated.count))
                    mutated[index] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                }
                let ours: Bool
                do { try decoder.decode(mutated, version: version, into: &batch); ours = true } catch { ours = false }
                guard ours else { continue }
                switch version {
                case .v1:
                    guard let theirs = try? Prometheus_WriteRequest(serializedBytes: mutated) else { continue }
                    #expect(batch == ExpectedBatch.of(theirs), "seed \(seed)")
                case .v2:
                    guard let theirs = try? Io_Prometheus_Write_V2_Request(serializedBytes: mutated) else { continue }
                    #expect(batch == ExpectedBatch.of(theirs), "seed \(seed)")
                }
                bothAccepted += 1
            }
        }
        #expect(bothAccepted > 50)
    }

    @Test func survivesRandomBytes() {
        var rng = SeededGenerator(seed: 5)
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        for _ in 0..<3_000 {
            let bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for version in RemoteWriteVersion.allCases {
                _ = try? decoder.decode(bytes, version: version, into: &batch)
            }
        }
        #expect(throws: ExpositionError.self) { try decoder.decode([0xFF], version: .v2, into: &batch) }
    }
}

@Suite struct RemoteWriteContentTypeTests {
    @Test(arguments: [
        ("", RemoteWriteVersion.v1),
        ("application/x-protobuf", .v1),
        ("application/x-protobuf;proto=prometheus.WriteRequest", .v1),
        ("application/x-protobuf;proto=io.prometheus.write.v2.Request", .v2),
        ("Application/X-Protobuf; proto=\"io.prometheus.write.v2.Request\"", .v2),
        ("application/x-protobuf;charset=utf-8;proto=io.prometheus.write.v2.Request", .v2),
    ])
    func picksTheVersion(header: String, version: RemoteWriteVersion) throws {
        #expect(try RemoteWriteVersion(contentType: header) == version)
        #expect(try RemoteWriteVersion(contentType: version.contentType) == version)
    }

    @Test(arguments: [
        "text/plain", "application/json", "application/x-protobuf;proto=io.prometheus.write.v3.Request",
        "application/x-protobuf;proto", "application/x-protobufx",
    ])
    func refusesUnsupportedContentTypes(header: String) {
        #expect(throws: ExpositionError.self) { try RemoteWriteVersion(contentType: header) }
    }

    @Test func refusesVersionsNotAccepted() {
        #expect(throws: ExpositionError.self) {
            try RemoteWriteVersion(contentType: RemoteWriteVersion.v2.contentType, accepted: [.v1])
        }
    }
}

/// Bodies Debian's Prometheus 2.42 sent to a loopback receiver while scraping itself
/// (`scripts/capture-remote-write`): snappy, then 1.0 protobuf as gogo/protobuf writes it.
@Suite struct RemoteWriteRealSenderTests {
    @Test(arguments: 1...3)
    func decodesWhatPrometheusSends(index: Int) throws {
        let compressed = try TestData.fixture("prometheus_2.42_remote_write_\(index).snappy")
        let body = try Snappy.decompress(compressed)
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        try decoder.decode(body, version: try RemoteWriteVersion(contentType: "application/x-protobuf"), into: &batch)
        let generated = try Prometheus_WriteRequest(serializedBytes: body)
        #expect(batch == ExpectedBatch.of(generated))
        #expect(batch.seriesCount + batch.familyMetadata.count > 0)
        #expect(batch.labels.allSatisfy { $0.metricName != nil && $0["job"] == "prometheus" })

        var encoder = RemoteWriteEncoder()
        #expect(encoder.encode(batch, version: .v1) == body, "our encoding differs from gogo/protobuf's")
    }
}
