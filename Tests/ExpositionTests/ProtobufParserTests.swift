import Foundation
import Model
import SwiftProtobuf
import Testing

@testable import Exposition
import PharosTestSupport

/// One entry as a parser returns it, for comparing whole parses.
enum ParsedEntry: Equatable, CustomStringConvertible {
    case help(String, String)
    case unit(String, String)
    case type(String, MetricType)
    case series(Labels, value: UInt64, timestampMs: Int64?, createdMs: Int64?, exemplar: String?)
    case histogram(Labels)

    var description: String {
        switch self {
        case .help(let n, let h): "HELP \(n) \(h)"
        case .unit(let n, let u): "UNIT \(n) \(u)"
        case .type(let n, let t): "TYPE \(n) \(t)"
        case .series(let l, let v, let t, let c, let e):
            "\(l) \(Double(bitPattern: v)) \(t.map(String.init) ?? "-") ct=\(c.map(String.init) ?? "-") ex=\(e ?? "-")"
        case .histogram(let l): "HISTOGRAM \(l)"
        }
    }

    static func series(_ labels: KeyValuePairs<String, String>, _ value: Double, timestampMs: Int64? = nil, createdMs: Int64? = nil, exemplar: String? = nil) -> ParsedEntry {
        .series(Labels(labels), value: value.bitPattern, timestampMs: timestampMs, createdMs: createdMs, exemplar: exemplar)
    }

    /// Every entry of `parser`, in order.
    static func all(_ parser: inout some MetricsParser) throws(ExpositionError) -> [ParsedEntry] {
        var entries: [ParsedEntry] = []
        var builder = LabelsBuilder()
        while let entry = try parser.next() {
            switch entry {
            case .help: entries.append(.help(parser.metadataName, parser.help))
            case .unit: entries.append(.unit(parser.metadataName, parser.unit))
            case .type: entries.append(.type(parser.metadataName, parser.type))
            case .comment: break
            case .histogram:
                parser.labels(into: &builder)
                entries.append(.histogram(builder.labels()))
            case .series:
                var exemplarBuilder = LabelsBuilder()
                let exemplar = parser.exemplar(into: &exemplarBuilder).map {
                    "\(exemplarBuilder.labels()) \($0.value) \($0.timestampMs.map(String.init) ?? "-")"
                }
                parser.labels(into: &builder)
                entries.append(.series(
                    builder.labels(), value: parser.value.bitPattern, timestampMs: parser.timestampMs,
                    createdMs: parser.createdTimestampMs, exemplar: exemplar))
            }
        }
        return entries
    }
}

/// Builders of client_model messages for the tests.
enum ClientModel {
    static func family(
        _ name: String, _ type: Io_Prometheus_Client_MetricType, help: String = "", unit: String = "",
        _ metrics: [Io_Prometheus_Client_Metric]
    ) -> Io_Prometheus_Client_MetricFamily {
        var family = Io_Prometheus_Client_MetricFamily()
        family.name = name
        if !help.isEmpty { family.help = help }
        if !unit.isEmpty { family.unit = unit }
        family.type = type
        family.metric = metrics
        return family
    }

    static func metric(_ labels: KeyValuePairs<String, String> = [:], _ fill: (inout Io_Prometheus_Client_Metric) -> Void) -> Io_Prometheus_Client_Metric {
        var metric = Io_Prometheus_Client_Metric()
        metric.label = labels.map { var pair = Io_Prometheus_Client_LabelPair(); pair.name = $0.key; pair.value = $0.value; return pair }
        fill(&metric)
        return metric
    }

    static func timestamp(ms: Int64) -> Google_Protobuf_Timestamp {
        var t = Google_Protobuf_Timestamp()
        t.seconds = ms / 1000
        t.nanos = Int32(ms % 1000) * 1_000_000
        return t
    }

    static func delimited(_ families: [Io_Prometheus_Client_MetricFamily]) throws -> [UInt8] {
        var out = ProtobufWriter()
        for family in families {
            let bytes: [UInt8] = try family.serializedBytes()
            out.varint(UInt64(bytes.count))
            out.bytes += bytes
        }
        return out.bytes
    }

    /// The messages of a delimited body, split by hand and decoded by swift-protobuf.
    static func families(_ body: [UInt8]) throws -> [Io_Prometheus_Client_MetricFamily] {
        var families: [Io_Prometheus_Client_MetricFamily] = []
        try body.withUnsafeBytes { raw in
            var reader = ProtobufReader(raw)
            while reader.hasMore {
                let range = try reader.lengthDelimited()
                families.append(try Io_Prometheus_Client_MetricFamily(serializedBytes: Array(body[range])))
            }
        }
        return families
    }

    /// A body with one family of each kind, exercising every expansion.
    static let sample: [Io_Prometheus_Client_MetricFamily] = [
        family("requests_total", .counter, help: "Requests.", [
            metric(["code": "200"]) { m in
                m.counter.value = 10
                var exemplar = Io_Prometheus_Client_Exemplar()
                exemplar.label = [{ var p = Io_Prometheus_Client_LabelPair(); p.name = "trace_id"; p.value = "abc"; return p }()]
                exemplar.value = 1
                exemplar.timestamp = timestamp(ms: 1_700_000_000_500)
                m.counter.exemplar = exemplar
                m.counter.createdTimestamp = timestamp(ms: 1_600_000_000_250)
            },
            metric(["code": "500"]) { m in m.counter.value = 0; m.timestampMs = 1_700_000_000_000 },
        ]),
        family("temperature_celsius", .gauge, unit: "celsius", [metric { $0.gauge.value = -3.5 }]),
        family("mystery", .untyped, [metric(["a": "b"]) { $0.untyped.value = .infinity }]),
        family("rpc_seconds", .summary, help: "RPC latency.", [
            metric(["svc": "x"]) { m in
                m.summary.sampleCount = 4
                m.summary.sampleSum = 2.5
                m.summary.quantile = [(0.5, 0.1), (1, 0.9), (0, 0.01)].map { q, v in
                    var quantile = Io_Prometheus_Client_Quantile()
                    quantile.quantile = q
                    quantile.value = v
                    return quantile
                }
            }
        ]),
        family("size_bytes", .histogram, [
            metric { m in
                m.histogram.sampleCount = 7
                m.histogram.sampleSum = 1e6
                m.histogram.bucket = [(0.25, 1), (1, 3), (1e6, 6)].map { (bound: Double, count: UInt64) in
                    var bucket = Io_Prometheus_Client_Bucket()
                    bucket.upperBound = bound
                    bucket.cumulativeCount = count
                    return bucket
                }
            }
        ]),
        family("empty_family", .gauge, []),
        family("latency_seconds", .histogram, [
            metric { m in
                m.histogram.sampleCount = 3
                m.histogram.schema = 1
                m.histogram.zeroThreshold = 1e-128
                var span = Io_Prometheus_Client_BucketSpan()
                span.offset = 0
                span.length = 2
                m.histogram.positiveSpan = [span]
                m.histogram.positiveDelta = [1, 1]
            }
        ]),
    ]

    static let sampleEntries: [ParsedEntry] = [
        .help("requests_total", "Requests."), .type("requests_total", .counter),
        .series(["__name__": "requests_total", "code": "200"], 10, createdMs: 1_600_000_000_250,
                exemplar: "{trace_id=\"abc\"} 1.0 1700000000500"),
        .series(["__name__": "requests_total", "code": "500"], 0, timestampMs: 1_700_000_000_000),
        .help("temperature_celsius", ""), .unit("temperature_celsius", "celsius"), .type("temperature_celsius", .gauge),
        .series(["__name__": "temperature_celsius"], -3.5),
        .help("mystery", ""), .type("mystery", .unknown), .series(["__name__": "mystery", "a": "b"], .infinity),
        .help("rpc_seconds", "RPC latency."), .type("rpc_seconds", .summary),
        .series(["__name__": "rpc_seconds_count", "svc": "x"], 4),
        .series(["__name__": "rpc_seconds_sum", "svc": "x"], 2.5),
        .series(["__name__": "rpc_seconds", "svc": "x", "quantile": "0.5"], 0.1),
        .series(["__name__": "rpc_seconds", "svc": "x", "quantile": "1.0"], 0.9),
        .series(["__name__": "rpc_seconds", "svc": "x", "quantile": "0.0"], 0.01),
        .help("size_bytes", ""), .type("size_bytes", .histogram),
        .series(["__name__": "size_bytes_count"], 7), .series(["__name__": "size_bytes_sum"], 1e6),
        .series(["__name__": "size_bytes_bucket", "le": "0.25"], 1),
        .series(["__name__": "size_bytes_bucket", "le": "1.0"], 3),
        .series(["__name__": "size_bytes_bucket", "le": "1e+06"], 6),
        .series(["__name__": "size_bytes_bucket", "le": "+Inf"], 7),
        .help("latency_seconds", ""), .type("latency_seconds", .histogram),
        .histogram(Labels(["__name__": "latency_seconds"])),
    ]
}

@Suite struct ProtobufParserTests {
    @Test func expandsEveryKindOfFamily() throws {
        var parser = ProtobufParser(try ClientModel.delimited(ClientModel.sample))
        let entries = try ParsedEntry.all(&parser)
        #expect(entries == ClientModel.sampleEntries)
        #expect(try parser.next() == nil)
    }

    @Test func emitsCreatedSeriesWhenAsked() throws {
        var parser = ProtobufParser(try ClientModel.delimited(ClientModel.sample), options: .init(emitsCreatedSeries: true))
        let created = try ParsedEntry.all(&parser).filter {
            if case .series(let labels, _, _, _, _) = $0 { return labels.metricName == "requests_total_created" }
            return false
        }
        #expect(created == [.series(["__name__": "requests_total_created", "code": "200"], 1_600_000_000.25, createdMs: 1_600_000_000_250)])
    }

    @Test func seriesKeysAreDistinctPerSeries() throws {
        var parser = ProtobufParser(try ClientModel.delimited(ClientModel.sample))
        var keys = Set<[UInt8]>()
        var count = 0
        while let entry = try parser.next() {
            guard entry == .series || entry == .histogram else { continue }
            keys.insert(parser.withSeriesKey { Array($0) })
            count += 1
        }
        #expect(keys.count == count && count == 16)
    }

    /// A real scrape of Debian's node_exporter 1.5.0, fetched as protobuf and as text 0.0.4 one
    /// after the other: the same families, types, help and series (values may differ). The text
    /// parser keeps `le`/`quantile` as written (`"0"`), Prometheus 3 normalises them (`"0.0"`).
    @Test func nodeExporterScrapeMatchesItsTextPage() throws {
        var protobuf = ProtobufParser(try TestData.fixture("node_exporter.pb"))
        var text = PrometheusTextParser(try TestData.fixture("node_exporter_pb_text.prom"))
        func shape(_ entries: [ParsedEntry]) -> (metadata: [String], series: Set<Labels>) {
            var metadata: [String] = []
            var series = Set<Labels>()
            for entry in entries {
                switch entry {
                case .help(let name, let help) where !help.isEmpty: metadata.append("HELP \(name) \(help)")
                case .type(let name, let type): metadata.append("TYPE \(name) \(type)")
                case .series(let labels, _, _, _, _):
                    var builder = LabelsBuilder(labels)
                    for name in ["le", "quantile"] {
                        if let value = builder.value(of: name), let number = Double(value) {
                            builder.set(name, number.openMetricsLabelValue)
                        }
                    }
                    series.insert(builder.labels())
                default: break
                }
            }
            return (metadata, series)
        }
        let fromProtobuf = shape(try ParsedEntry.all(&protobuf))
        let fromText = shape(try ParsedEntry.all(&text))
        #expect(fromProtobuf.series.count > 400)
        #expect(fromProtobuf.series == fromText.series)
        #expect(fromProtobuf.metadata == fromText.metadata)
    }

    @Test(arguments: [
        (ClientModel.family("bad name", .gauge, [ClientModel.metric { $0.gauge.value = 1 }]), nil as String?),
        (ClientModel.family("", .gauge, [ClientModel.metric { $0.gauge.value = 1 }]), "invalid metric name (UTF-8 validation)"),
        (ClientModel.family("g", .gauge, [ClientModel.metric(["a": "1", "a": "2"]) { $0.gauge.value = 1 }]), "duplicate label name \"a\""),
        (ClientModel.family("g", .gauge, [ClientModel.metric(["": "1"]) { $0.gauge.value = 1 }]), "invalid label name \"\""),
        (ClientModel.family("g", .gauge, [ClientModel.metric(["__name__": "x"]) { $0.gauge.value = 1 }]), "label \"__name__\" is reserved in a gauge family"),
        (ClientModel.family("g", .gauge, [ClientModel.metric { $0.counter.value = 1 }]), "metric of a gauge family carries a counter value"),
        (ClientModel.family("s", .summary, [ClientModel.metric { m in
            var q = Io_Prometheus_Client_Quantile(); q.quantile = 1.5; m.summary.quantile = [q]
        }]), "quantile 1.5 outside [0, 1]"),
        (ClientModel.family("s", .summary, [ClientModel.metric(["quantile": "x"]) { $0.summary.sampleCount = 1 }]), "label \"quantile\" is reserved in a summary family"),
        (ClientModel.family("h", .histogram, [ClientModel.metric { m in
            var a = Io_Prometheus_Client_Bucket(); a.upperBound = 2; a.cumulativeCount = 1
            var b = Io_Prometheus_Client_Bucket(); b.upperBound = 1; b.cumulativeCount = 2
            m.histogram.bucket = [a, b]
        }]), "bucket bound 1.0 does not increase (previous 2.0)"),
        (ClientModel.family("h", .histogram, [ClientModel.metric { m in
            var a = Io_Prometheus_Client_Bucket(); a.upperBound = 1; a.cumulativeCount = 3
            var b = Io_Prometheus_Client_Bucket(); b.upperBound = 2; b.cumulativeCount = 2
            m.histogram.bucket = [a, b]
        }]), "cumulative count 2.0 of bucket le=2.0 is less than the previous bucket's 3.0"),
        (ClientModel.family("h", .histogram, [ClientModel.metric { m in
            var span = Io_Prometheus_Client_BucketSpan(); span.length = 3
            m.histogram.positiveSpan = [span]; m.histogram.positiveDelta = [1]
        }]), "positive side: spans require 3 buckets, have 1"),
    ] as [(Io_Prometheus_Client_MetricFamily, String?)])
    func refusesInvalidFamilies(family: Io_Prometheus_Client_MetricFamily, reason: String?) throws {
        // A good family first, so the offset of the bad one is not zero.
        let good = ClientModel.family("ok", .gauge, [ClientModel.metric { $0.gauge.value = 1 }])
        let prefix = try ClientModel.delimited([good])
        var parser = ProtobufParser(prefix + (try ClientModel.delimited([family])))
        for _ in 0..<3 { _ = try parser.next() }  // help, type and series of the good family
        guard let reason else {
            // Space in a name is valid UTF-8; only the legacy scheme refuses it.
            var legacy = ProtobufParser(try ClientModel.delimited([family]), options: .init(nameValidation: .legacy))
            #expect(throws: ExpositionError.invalidMetricFamily("invalid metric name (legacy validation)", family: family.name, offset: 0)) {
                _ = try legacy.next()
            }
            return
        }
        let expected = ExpositionError.invalidMetricFamily(reason, family: family.name, offset: prefix.count)
        #expect(throws: expected) { _ = try parser.next() }
        #expect(throws: expected) { _ = try parser.next() }  // the error is final
    }

    @Test func refusesUnknownMetricTypes() throws {
        var w = ProtobufWriter()
        w.stringField(1, "x")
        w.tag(3, .varint)
        w.varint(9)
        w.message(4) { m in m.message(2) { g in g.presentDoubleField(1, 1) } }
        var body = ProtobufWriter()
        body.varint(UInt64(w.bytes.count))
        body.bytes += w.bytes
        var parser = ProtobufParser(body.bytes)
        #expect(throws: ExpositionError.invalidMetricFamily("unknown metric type", family: "x", offset: 0)) { _ = try parser.next() }
    }

    @Test func refusesBrokenFraming() {
        var parser = ProtobufParser([0x05, 0x0A, 0x01])
        #expect(throws: ExpositionError.malformedProtobuf("message length 5 runs past the end of the body (2 bytes left)", offset: 0)) {
            _ = try parser.next()
        }
        var truncated = ProtobufParser([0x80])
        #expect(throws: ExpositionError.malformedProtobuf("truncated length prefix", offset: 0)) { _ = try truncated.next() }
    }

    /// Every prefix of a body and fixed-seed mutations of the real scrape: an error or entries,
    /// never a crash.
    @Test func survivesTruncationAndMutation() throws {
        let body = try ClientModel.delimited(ClientModel.sample)
        var failures = 0
        for end in 0..<body.count {
            var parser = ProtobufParser(Array(body[..<end]))
            do { _ = try ParsedEntry.all(&parser) } catch { failures += 1 }
        }
        #expect(failures > 0)
        let scrape = try TestData.fixture("node_exporter.pb")
        var rng = SeededGenerator(seed: 77)
        for _ in 0..<300 {
            var mutated = scrape
            for _ in 0..<3 {
                let index = Int(rng.next() % UInt64(mutated.count))
                mutated[index] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
            var parser = ProtobufParser(mutated)
            _ = try? ParsedEntry.all(&parser)
        }
        for _ in 0..<2_000 {
            var parser = ProtobufParser((0..<Int(rng.next() % 48)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            _ = try? ParsedEntry.all(&parser)
        }
    }
}

@Suite struct ProtobufExpositionWriterTests {
    @Test func roundTripsThroughTheParserAndSwiftProtobuf() throws {
        var writer = ProtobufExpositionWriter()
        writer.writeFamily(name: "up", type: .gauge, help: "Target is up.", series: [
            .init(labels: Labels(["__name__": "up", "job": "node"]), value: 1, timestampMs: 1_700_000_000_000),
            .init(labels: Labels(["__name__": "up", "job": "api"]), value: 0, timestampMs: -5),
        ])
        writer.writeFamily(name: "http_requests_total", type: .counter, unit: "requests", series: [
            .init(labels: Labels(["__name__": "http_requests_total"]), value: .staleMarker)
        ])
        writer.writeFamily(name: "rpc_seconds_bucket", type: .histogram, series: [
            .init(labels: Labels(["__name__": "rpc_seconds_bucket", "le": "0.5"]), value: 3)
        ])
        var parser = ProtobufParser(writer.bytes)
        #expect(try ParsedEntry.all(&parser) == [
            .help("up", "Target is up."), .type("up", .gauge),
            .series(["__name__": "up", "job": "node"], 1, timestampMs: 1_700_000_000_000),
            .series(["__name__": "up", "job": "api"], 0, timestampMs: -5),
            .help("http_requests_total", ""), .unit("http_requests_total", "requests"), .type("http_requests_total", .counter),
            .series(["__name__": "http_requests_total"], .staleMarker),
            .help("rpc_seconds_bucket", ""), .type("rpc_seconds_bucket", .unknown),
            .series(["__name__": "rpc_seconds_bucket", "le": "0.5"], 3),
        ])
        let families = try ClientModel.families(writer.bytes)
        #expect(families.map(\.name) == ["up", "http_requests_total", "rpc_seconds_bucket"])
        #expect(families[0].metric[1].hasGauge && families[0].metric[1].gauge.hasValue)
        #expect(families[0].metric[0].label.map(\.name) == ["job"])
        #expect(families[2].type == .untyped)

        writer.removeAll()
        #expect(writer.bytes.isEmpty)
    }
}

@Suite struct ProtobufFamilyWriterTests {
    /// Text pages (a real node_exporter page and the synthetic one) parsed into families,
    /// written as protobuf and parsed back give the same series, values and timestamps.
    @Test(arguments: ["node_exporter_pb_text.prom", "synthetic.prom"])
    func textFamiliesSurviveAProtobufRoundTrip(fixture: String) throws {
        let text = try TestData.fixture(fixture)
        var textParser = PrometheusTextParser(text)
        let families = try MetricFamily.collect(from: &textParser)
        var body: [UInt8] = []
        ExpositionWriter.write(families, format: .protobuf, into: &body)

        func normalised(_ entries: [ParsedEntry]) -> [ParsedEntry] {
            entries.compactMap { entry in
                guard case .series(let labels, let value, let timestamp, _, _) = entry else { return nil }
                var builder = LabelsBuilder(labels)
                for name in ["le", "quantile"] {
                    if let raw = builder.value(of: name), let number = Double(raw) { builder.set(name, number.openMetricsLabelValue) }
                }
                return .series(builder.labels(), value: value, timestampMs: timestamp, createdMs: nil, exemplar: nil)
            }
        }
        var again = PrometheusTextParser(text)
        var protobuf = ProtobufParser(body)
        let expected = normalised(try ParsedEntry.all(&again))
        let actual = normalised(try ParsedEntry.all(&protobuf))
        #expect(actual.count == expected.count && actual.count > 100)
        #expect(Set(actual.map(\.description)) == Set(expected.map(\.description)))
        let decoded = try ClientModel.families(body)
        #expect(decoded.map(\.name) == families.map { $0.type == .counter && !$0.name.hasSuffix("_total") ? $0.name + "_total" : $0.name })
    }

    @Test func writesCreatedTimestampsAndExemplars() throws {
        let exemplar = Exemplar(labels: Labels(["trace_id": "t1"]), value: ExemplarValue(value: 0.5, timestampMs: -1_500))
        let family = MetricFamily(name: "jobs", type: .counter, help: "Jobs.", samples: [
            MetricSample(labels: Labels(["__name__": "jobs_total", "q": "a"]), value: 4, exemplar: exemplar),
            MetricSample(labels: Labels(["__name__": "jobs_created", "q": "a"]), value: 1_700_000_000.123),
        ])
        var writer = ProtobufExpositionWriter()
        writer.write(family)
        var parser = ProtobufParser(writer.bytes)
        #expect(try ParsedEntry.all(&parser) == [
            .help("jobs_total", "Jobs."), .type("jobs_total", .counter),
            .series(["__name__": "jobs_total", "q": "a"], 4, createdMs: 1_700_000_000_123,
                    exemplar: "{trace_id=\"t1\"} 0.5 -1500"),
        ])
    }
}
