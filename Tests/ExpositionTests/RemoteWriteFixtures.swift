import Model

@testable import Exposition
import PharosTestSupport

/// Random remote-write requests built with the generated swift-protobuf types, and their
/// expected decoding built independently of `RemoteWriteDecoder`.
struct RandomRemoteWrite {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    mutating func bool() -> Bool { rng.next() & 1 == 0 }

    mutating func timestamp() -> Int64 {
        switch int(0...3) {
        case 0: 0
        case 1: -Int64(int(1...1_000_000))
        default: 1_700_000_000_000 + Int64(int(0...10_000_000))
        }
    }

    mutating func value() -> Double {
        switch int(0...7) {
        case 0: 0
        case 1: .staleMarker
        case 2: .infinity
        case 3: -0.0
        case 4: .nan
        default: Double(int(-1_000_000...1_000_000)) / 7
        }
    }

    mutating func text(_ alphabet: [String], maxCount: Int) -> String {
        (0..<int(1...maxCount)).map { _ in alphabet[int(0...(alphabet.count - 1))] }.joined()
    }

    /// Label names and values with ASCII, multi-byte UTF-8 and escapes; values never empty
    /// (`Labels` drops empty values, as Pharos stores them).
    mutating func labels(metricName: Bool) -> [(String, String)] {
        var names = Set<String>()
        for _ in 0..<int(0...6) { names.insert(text(["a", "b", "job", "_", "é", "x1", "ñ", "\u{1F600}"], maxCount: 4)) }
        names.remove("__name__")
        var pairs = names.map { name in (name, text(["v", "1", " ", "\"", "\\", "\n", "ü", "long-value-"], maxCount: 12)) }
        if metricName { pairs.append(("__name__", text(["up", "_total", "http", ":", "é"], maxCount: 4))) }
        pairs.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        return pairs
    }

    mutating func metricType() -> Int { int(0...7) }

    mutating func spans() -> [(Int32, UInt32)] {
        (0..<int(0...3)).map { _ in (Int32(int(-5...5)), UInt32(int(0...4))) }
    }

    // MARK: 1.0

    mutating func v1Request() -> Prometheus_WriteRequest {
        var request = Prometheus_WriteRequest()
        for _ in 0..<int(0...8) {
            var series = Prometheus_TimeSeries()
            series.labels = labels(metricName: true).map { name, value in
                var label = Prometheus_Label()
                label.name = name
                label.value = value
                return label
            }
            for _ in 0..<int(0...5) {
                var sample = Prometheus_Sample()
                sample.value = value()
                sample.timestamp = timestamp()
                series.samples.append(sample)
            }
            for _ in 0..<int(0...2) {
                var exemplar = Prometheus_Exemplar()
                exemplar.labels = labels(metricName: false).map { name, value in
                    var label = Prometheus_Label()
                    label.name = name
                    label.value = value
                    return label
                }
                exemplar.value = value()
                exemplar.timestamp = timestamp()
                series.exemplars.append(exemplar)
            }
            for _ in 0..<int(0...2) { series.histograms.append(v1Histogram()) }
            request.timeseries.append(series)
        }
        for _ in 0..<int(0...3) {
            var metadata = Prometheus_MetricMetadata()
            metadata.type = Prometheus_MetricMetadata.MetricType(rawValue: metricType()) ?? .unknown
            metadata.metricFamilyName = text(["up", "_total", "é"], maxCount: 3)
            metadata.help = bool() ? "" : text(["Help ", "text", "\\n", "é"], maxCount: 5)
            metadata.unit = bool() ? "" : "seconds"
            request.metadata.append(metadata)
        }
        return request
    }

    mutating func v1Histogram() -> Prometheus_Histogram {
        var h = Prometheus_Histogram()
        let isFloat = bool()
        if isFloat { h.countFloat = value() } else { h.countInt = UInt64(int(0...1_000)) }
        h.sum = value()
        h.schema = Int32(int(-4...8))
        h.zeroThreshold = bool() ? 0 : 1e-128
        if isFloat { h.zeroCountFloat = value() } else if bool() { h.zeroCountInt = UInt64(int(0...10)) }
        h.negativeSpans = spans().map { var s = Prometheus_BucketSpan(); s.offset = $0.0; s.length = $0.1; return s }
        h.positiveSpans = spans().map { var s = Prometheus_BucketSpan(); s.offset = $0.0; s.length = $0.1; return s }
        if isFloat {
            h.negativeCounts = (0..<int(0...4)).map { _ in value() }
            h.positiveCounts = (0..<int(0...4)).map { _ in value() }
        } else {
            h.negativeDeltas = (0..<int(0...4)).map { _ in Int64(int(-50...50)) }
            h.positiveDeltas = (0..<int(0...4)).map { _ in Int64(int(-50...50)) }
        }
        h.resetHint = Prometheus_Histogram.ResetHint(rawValue: int(0...3)) ?? .unknown
        h.timestamp = timestamp()
        if bool() { h.customValues = (0..<int(1...4)).map { Double($0) * 0.5 } }
        return h
    }

    // MARK: 2.0

    /// A 2.0 request whose symbol table is built in the order `RemoteWriteEncoder` builds it
    /// (series labels, exemplar labels, help, unit; series by series), so the encodings of the
    /// two can be compared byte for byte.
    mutating func v2Request() -> Io_Prometheus_Write_V2_Request {
        var symbols = [""], refs = ["": UInt32(0)]
        func symbolize(_ string: String) -> UInt32 {
            if let ref = refs[string] { return ref }
            refs[string] = UInt32(symbols.count)
            symbols.append(string)
            return UInt32(symbols.count - 1)
        }
        var request = Io_Prometheus_Write_V2_Request()
        for _ in 0..<int(0...8) {
            var series = Io_Prometheus_Write_V2_TimeSeries()
            series.labelsRefs = labels(metricName: true).flatMap { [symbolize($0.0), symbolize($0.1)] }
            let histograms = bool()
            for _ in 0..<int(histograms ? 0...2 : 1...5) {
                var sample = Io_Prometheus_Write_V2_Sample()
                sample.value = value()
                sample.timestamp = timestamp()
                sample.startTimestamp = bool() ? 0 : timestamp()
                series.samples.append(sample)
            }
            if histograms {
                for _ in 0..<int(1...2) {
                    let v1 = v1Histogram()
                    var h = Io_Prometheus_Write_V2_Histogram()
                    if case .countInt(let c) = v1.count { h.countInt = c }
                    if case .countFloat(let c) = v1.count { h.countFloat = c }
                    h.sum = v1.sum
                    h.schema = v1.schema
                    h.zeroThreshold = v1.zeroThreshold
                    if case .zeroCountInt(let c) = v1.zeroCount { h.zeroCountInt = c }
                    if case .zeroCountFloat(let c) = v1.zeroCount { h.zeroCountFloat = c }
                    h.negativeSpans = v1.negativeSpans.map { var s = Io_Prometheus_Write_V2_BucketSpan(); s.offset = $0.offset; s.length = $0.length; return s }
                    h.positiveSpans = v1.positiveSpans.map { var s = Io_Prometheus_Write_V2_BucketSpan(); s.offset = $0.offset; s.length = $0.length; return s }
                    h.negativeDeltas = v1.negativeDeltas
                    h.positiveDeltas = v1.positiveDeltas
                    h.negativeCounts = v1.negativeCounts
                    h.positiveCounts = v1.positiveCounts
                    h.resetHint = Io_Prometheus_Write_V2_Histogram.ResetHint(rawValue: v1.resetHint.rawValue) ?? .unspecified
                    h.timestamp = v1.timestamp
                    h.customValues = v1.customValues
                    h.startTimestamp = bool() ? 0 : timestamp()
                    series.histograms.append(h)
                }
            }
            for _ in 0..<int(0...2) {
                var exemplar = Io_Prometheus_Write_V2_Exemplar()
                exemplar.labelsRefs = labels(metricName: false).flatMap { [symbolize($0.0), symbolize($0.1)] }
                exemplar.value = value()
                exemplar.timestamp = timestamp()
                series.exemplars.append(exemplar)
            }
            var metadata = Io_Prometheus_Write_V2_Metadata()
            metadata.type = Io_Prometheus_Write_V2_Metadata.MetricType(rawValue: metricType()) ?? .unspecified
            metadata.helpRef = symbolize(bool() ? "" : text(["Help ", "text", "é"], maxCount: 4))
            metadata.unitRef = symbolize(bool() ? "" : "bytes")
            series.metadata = metadata
            request.timeseries.append(series)
        }
        request.symbols = symbols
        return request
    }
}

/// The batch a correct decoder produces for a request, built from the generated types.
enum ExpectedBatch {
    static func histogram(_ wire: some WireHistogram, into batch: inout RemoteWriteBatch) {
        func append<T>(_ values: [T], _ column: inout [T]) -> Range<Int> {
            let start = column.count
            column.append(contentsOf: values)
            return start..<column.count
        }
        var h = HistogramSample()
        h.count = wire.pharosCount
        h.sum = wire.sum
        h.schema = wire.schema
        h.zeroThreshold = wire.zeroThreshold
        h.zeroCount = wire.pharosZeroCount
        h.negativeSpans = append(wire.pharosSpans.negative, &batch.histogramSpans)
        h.positiveSpans = append(wire.pharosSpans.positive, &batch.histogramSpans)
        h.negativeDeltas = append(wire.negativeDeltas, &batch.histogramDeltas)
        h.positiveDeltas = append(wire.positiveDeltas, &batch.histogramDeltas)
        h.negativeCounts = append(wire.negativeCounts, &batch.histogramCounts)
        h.positiveCounts = append(wire.positiveCounts, &batch.histogramCounts)
        h.customValues = append(wire.customValues, &batch.histogramCustomValues)
        h.resetHint = wire.pharosResetHint
        h.timestampMs = wire.timestamp
        h.startTimestampMs = wire.pharosStartTimestampMs
        batch.histograms.append(h)
    }

    static func metricType(_ raw: Int) -> MetricType {
        [MetricType.unknown, .counter, .gauge, .histogram, .gaugehistogram, .summary, .info, .stateset][
            (0...7).contains(raw) ? raw : 0]
    }

    static func of(_ request: Prometheus_WriteRequest) -> RemoteWriteBatch {
        var batch = RemoteWriteBatch()
        for series in request.timeseries {
            let labels = Labels(series.labels.map { Label(name: $0.name, value: $0.value) })
            let histogramStart = batch.histograms.count
            for h in series.histograms { histogram(h, into: &batch) }
            batch.appendSeries(labels, samples: series.samples.map { Sample(timestampMs: $0.timestamp, value: $0.value) })
            batch.histogramRanges[batch.histogramRanges.count - 1] = histogramStart..<batch.histograms.count
            for e in series.exemplars {
                batch.appendExemplar(
                    Labels(e.labels.map { Label(name: $0.name, value: $0.value) }), value: e.value, timestampMs: e.timestamp)
            }
        }
        batch.familyMetadata = request.metadata.map { m in
            RemoteWriteFamilyMetadata(
                familyName: m.metricFamilyName,
                metadata: RemoteWriteMetadata(type: metricType(m.type.rawValue), help: m.help, unit: m.unit))
        }
        return batch
    }

    static func of(_ request: Io_Prometheus_Write_V2_Request) -> RemoteWriteBatch {
        var batch = RemoteWriteBatch()
        let symbols = request.symbols
        func labels(_ refs: [UInt32]) -> Labels {
            Labels(stride(from: 0, to: refs.count, by: 2).map { Label(name: symbols[Int(refs[$0])], value: symbols[Int(refs[$0 + 1])]) })
        }
        for series in request.timeseries {
            let histogramStart = batch.histograms.count
            for h in series.histograms { histogram(h, into: &batch) }
            let sampleStart = batch.timestampsMs.count
            batch.appendSeries(
                labels(series.labelsRefs),
                samples: series.samples.map { Sample(timestampMs: $0.timestamp, value: $0.value) },
                metadata: RemoteWriteMetadata(
                    type: metricType(series.metadata.type.rawValue), help: symbols[Int(series.metadata.helpRef)],
                    unit: symbols[Int(series.metadata.unitRef)]))
            for (i, sample) in series.samples.enumerated() { batch.startTimestampsMs[sampleStart + i] = sample.startTimestamp }
            batch.histogramRanges[batch.histogramRanges.count - 1] = histogramStart..<batch.histograms.count
            for e in series.exemplars {
                batch.appendExemplar(labels(e.labelsRefs), value: e.value, timestampMs: e.timestamp)
            }
        }
        return batch
    }
}

/// What the 1.0 and 2.0 generated histogram types have in common, for `ExpectedBatch`.
protocol WireHistogram {
    var sum: Double { get }
    var schema: Int32 { get }
    var zeroThreshold: Double { get }
    var negativeDeltas: [Int64] { get }
    var positiveDeltas: [Int64] { get }
    var negativeCounts: [Double] { get }
    var positiveCounts: [Double] { get }
    var customValues: [Double] { get }
    var timestamp: Int64 { get }
    var pharosCount: HistogramCount { get }
    var pharosZeroCount: HistogramCount { get }
    var pharosSpans: (negative: [HistogramSpan], positive: [HistogramSpan]) { get }
    var pharosResetHint: Int32 { get }
    var pharosStartTimestampMs: Int64 { get }
}

extension Prometheus_Histogram: WireHistogram {
    var pharosCount: HistogramCount {
        switch count {
        case .countInt(let c): .int(c)
        case .countFloat(let c): .float(c)
        case nil: .none
        }
    }
    var pharosZeroCount: HistogramCount {
        switch zeroCount {
        case .zeroCountInt(let c): .int(c)
        case .zeroCountFloat(let c): .float(c)
        case nil: .none
        }
    }
    var pharosSpans: (negative: [HistogramSpan], positive: [HistogramSpan]) {
        (negativeSpans.map { HistogramSpan(offset: $0.offset, length: $0.length) },
         positiveSpans.map { HistogramSpan(offset: $0.offset, length: $0.length) })
    }
    var pharosResetHint: Int32 { Int32(resetHint.rawValue) }
    var pharosStartTimestampMs: Int64 { 0 }
}

extension Io_Prometheus_Write_V2_Histogram: WireHistogram {
    var pharosCount: HistogramCount {
        switch count {
        case .countInt(let c): .int(c)
        case .countFloat(let c): .float(c)
        case nil: .none
        }
    }
    var pharosZeroCount: HistogramCount {
        switch zeroCount {
        case .zeroCountInt(let c): .int(c)
        case .zeroCountFloat(let c): .float(c)
        case nil: .none
        }
    }
    var pharosSpans: (negative: [HistogramSpan], positive: [HistogramSpan]) {
        (negativeSpans.map { HistogramSpan(offset: $0.offset, length: $0.length) },
         positiveSpans.map { HistogramSpan(offset: $0.offset, length: $0.length) })
    }
    var pharosResetHint: Int32 { Int32(resetHint.rawValue) }
    var pharosStartTimestampMs: Int64 { startTimestamp }
}
