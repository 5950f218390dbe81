package import Model

/// A pull parser for OpenMetrics 1.0 text (`application/openmetrics-text; version=1.0.0`).
///
/// It works over the body's bytes and allocates nothing per sample: an entry is kept as byte
/// ranges until the caller asks for strings or labels. The body must end with `# EOF`.
///
/// With `validatesFamilies` (the default) it also enforces the family rules of the
/// specification (see `OpenMetricsValidator`), so a body it accepts is one the OpenMetrics
/// conformance suite accepts. Without it, only the grammar is checked, as Prometheus's
/// `openmetricsparse` does when scraping: real exporters break family rules (client_golang
/// exposes a gauge `go_memstats_alloc_bytes` beside a counter of the same family name).
package struct OpenMetricsParser: MetricsParser {
    private let input: [UInt8]
    private let validatesFamilies: Bool
    private var cursor = 0
    private var position = LinePosition()
    private var isFinished = false
    private var failure: ExpositionError?
    private var validator = OpenMetricsValidator()

    private var entry: MetricEntry = .comment
    private var nameRange = 0..<0
    private var textRange = 0..<0
    private var textIsEscaped = false
    private var metricType: MetricType = .unknown
    private var labelRanges: [LabelRange] = []
    private var seriesRange = 0..<0
    private var exemplarRanges: [LabelRange] = []
    private var exemplarValue: ExemplarValue?
    private var sampleValue = 0.0
    private var sampleTimestampMs: Int64?

    /// Creates a parser over `input`, which it keeps (no copy) until it is dropped.
    /// - Parameter validatesFamilies: enforce the specification's family rules, not only its grammar.
    package init(_ input: [UInt8], validatesFamilies: Bool = true) {
        self.input = input
        self.validatesFamilies = validatesFamilies
        labelRanges.reserveCapacity(16)
    }

    package mutating func next() throws(ExpositionError) -> MetricEntry? {
        if let failure { throw failure }
        if isFinished { return nil }
        let input = self.input
        do {
            return try input.withUnsafeBufferPointer { buffer throws(ExpositionError) in try advance(buffer) }
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func advance(_ buffer: UnsafeBufferPointer<UInt8>) throws(ExpositionError) -> MetricEntry? {
        let start = cursor
        position.lineStart = start
        guard start < buffer.count else {
            throw .missingEOF(line: position.line)
        }
        let end: Int
        if buffer[start] == UInt8(ascii: "#") {
            guard let lineEnd = try parseHashLine(buffer, start) else {
                if validatesFamilies { try validator.finish(buffer, position) }
                isFinished = true
                return nil
            }
            end = lineEnd
        } else {
            end = try parseSample(buffer, start)
            entry = .series
        }
        // `end` is the index of the line's newline.
        cursor = end + 1
        position.line += 1
        return entry
    }

    // MARK: - Metadata lines

    /// Parses a line starting with `#`; returns the index of its newline, or `nil` after `# EOF`.
    private mutating func parseHashLine(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) throws(ExpositionError) -> Int? {
        var i = start + 1
        guard i < buffer.count, buffer[i] == TextScanning.space else {
            throw invalidMetadata("expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\"", at: start)
        }
        i += 1
        let keywordStart = i
        while i < buffer.count, buffer[i] >= UInt8(ascii: "A"), buffer[i] <= UInt8(ascii: "Z") { i += 1 }
        let keyword = keywordStart..<i
        if TextScanning.bytesEqual(buffer, keyword, "EOF") {
            if i == buffer.count { return nil }
            if buffer[i] == TextScanning.newline && i + 1 == buffer.count { return nil }
            throw .contentAfterEOF(line: position.line, column: position.column(i))
        }
        if TextScanning.bytesEqual(buffer, keyword, "HELP") {
            entry = .help
        } else if TextScanning.bytesEqual(buffer, keyword, "TYPE") {
            entry = .type
        } else if TextScanning.bytesEqual(buffer, keyword, "UNIT") {
            entry = .unit
        } else {
            throw invalidMetadata("expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\"", at: keywordStart)
        }
        try expectSpace(buffer, i, "space after the keyword")
        i += 1
        let nameStart = i
        i = try TextScanning.scanMetricName(buffer, from: i, position)
        nameRange = nameStart..<i
        try expectSpace(buffer, i, "space after metric name")
        i += 1
        let textStart = i
        var isASCII = true
        textIsEscaped = false
        while i < buffer.count, buffer[i] != TextScanning.newline {
            if buffer[i] == TextScanning.backslash { textIsEscaped = true }
            if buffer[i] >= 0x80 { isASCII = false }
            i += 1
        }
        guard i < buffer.count else {
            throw .unexpectedEndOfInput(expected: "end of line", line: position.line, column: position.column(i))
        }
        textRange = textStart..<i
        if !isASCII, !TextScanning.isValidUTF8(buffer, textRange) {
            throw .invalidUTF8(line: position.line, column: position.column(textStart))
        }
        switch entry {
        case .type:
            guard let type = Self.metricType(buffer, textRange) else {
                throw invalidMetadata(
                    "invalid metric type \"\(TextScanning.string(buffer, textRange))\"",
                    at: textStart)
            }
            metricType = type
            if validatesFamilies { try validator.type(type, name: nameRange, buffer, position) }
        case .help:
            if validatesFamilies { try validator.help(name: nameRange, buffer, position) }
        default:
            var j = textStart
            while j < textRange.upperBound, TextScanning.isMetricNameByte(buffer[j]) { j += 1 }
            guard j == textRange.upperBound else {
                throw .unexpectedByte(buffer[j], expected: "unit name", line: position.line, column: position.column(j))
            }
            if validatesFamilies { try validator.unit(textRange, name: nameRange, buffer, position) }
        }
        return i
    }

    private static func metricType(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> MetricType? {
        if TextScanning.bytesEqual(buffer, range, "counter") { return .counter }
        if TextScanning.bytesEqual(buffer, range, "gauge") { return .gauge }
        if TextScanning.bytesEqual(buffer, range, "histogram") { return .histogram }
        if TextScanning.bytesEqual(buffer, range, "gaugehistogram") { return .gaugehistogram }
        if TextScanning.bytesEqual(buffer, range, "summary") { return .summary }
        if TextScanning.bytesEqual(buffer, range, "info") { return .info }
        if TextScanning.bytesEqual(buffer, range, "stateset") { return .stateset }
        if TextScanning.bytesEqual(buffer, range, "unknown") { return .unknown }
        return nil
    }

    // MARK: - Samples

    /// Parses `name{labels} value [timestamp] [# {labels} value [timestamp]]`; returns the
    /// index of the line's newline.
    private mutating func parseSample(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) throws(ExpositionError) -> Int {
        var i = try TextScanning.scanMetricName(buffer, from: start, position)
        nameRange = start..<i
        if i < buffer.count, buffer[i] == UInt8(ascii: "{") {
            i = try TextScanning.scanLabels(buffer, from: i, strict: true, into: &labelRanges, position)
        } else {
            labelRanges.removeAll(keepingCapacity: true)
        }
        seriesRange = start..<i
        try expectSpace(buffer, i, "space before the value")
        i += 1
        let valueEnd = tokenEnd(buffer, i)
        guard let value = NumberParsing.parseDouble(buffer, i..<valueEnd) else {
            throw position.invalidNumber(buffer, i..<valueEnd, expected: "sample value")
        }
        sampleValue = value
        i = valueEnd
        sampleTimestampMs = nil
        exemplarValue = nil
        if i < buffer.count, buffer[i] == TextScanning.space {
            i += 1
            if i < buffer.count, buffer[i] != UInt8(ascii: "#") {
                let timestampEnd = tokenEnd(buffer, i)
                guard let timestamp = NumberParsing.parseSecondsAsMilliseconds(buffer, i..<timestampEnd) else {
                    throw position.invalidNumber(buffer, i..<timestampEnd, expected: "timestamp")
                }
                sampleTimestampMs = timestamp
                i = timestampEnd
                if i < buffer.count, buffer[i] == TextScanning.space {
                    i += 1
                    guard i < buffer.count, buffer[i] == UInt8(ascii: "#") else {
                        throw position.unexpected(buffer, i, expected: "\"#\" starting an exemplar")
                    }
                }
            }
            if i < buffer.count, buffer[i] == UInt8(ascii: "#") {
                i = try parseExemplar(buffer, i)
            }
        }
        guard i < buffer.count, buffer[i] == TextScanning.newline else {
            throw position.unexpected(buffer, i, expected: "end of line")
        }
        guard validatesFamilies else { return i }
        try validator.sample(
            name: nameRange, labels: labelRanges, series: seriesRange, value: sampleValue,
            timestampMs: sampleTimestampMs, hasExemplar: exemplarValue != nil, buffer, position)
        return i
    }

    /// Parses `# {labels} value [timestamp]` with `#` at `start`; returns the index after it.
    private mutating func parseExemplar(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) throws(ExpositionError) -> Int {
        var i = start + 1
        try expectSpace(buffer, i, "space after \"#\" of an exemplar")
        i += 1
        guard i < buffer.count, buffer[i] == UInt8(ascii: "{") else {
            throw position.unexpected(buffer, i, expected: "\"{\" starting the exemplar labels")
        }
        let labelsStart = i
        i = try TextScanning.scanLabels(buffer, from: i, strict: true, into: &exemplarRanges, position)
        var codePoints = 0
        for label in exemplarRanges {
            codePoints += TextScanning.codePointCount(buffer, label.name) + TextScanning.codePointCount(buffer, label.value)
        }
        // OpenMetrics 1.0: "The combined length of the label names and values of an Exemplar's
        // LabelSet MUST NOT exceed 128 UTF-8 character code points."
        guard codePoints <= 128 else {
            throw .invalidSample(
                "exemplar labels have \(codePoints) code points, more than the limit of 128",
                line: position.line, column: position.column(labelsStart))
        }
        try expectSpace(buffer, i, "space before the exemplar value")
        i += 1
        let valueEnd = tokenEnd(buffer, i)
        guard let value = NumberParsing.parseDouble(buffer, i..<valueEnd) else {
            throw position.invalidNumber(buffer, i..<valueEnd, expected: "exemplar value")
        }
        i = valueEnd
        var timestamp: Int64?
        if i < buffer.count, buffer[i] == TextScanning.space {
            i += 1
            let timestampEnd = tokenEnd(buffer, i)
            guard let parsed = NumberParsing.parseSecondsAsMilliseconds(buffer, i..<timestampEnd) else {
                throw position.invalidNumber(buffer, i..<timestampEnd, expected: "exemplar timestamp")
            }
            timestamp = parsed
            i = timestampEnd
        }
        exemplarValue = ExemplarValue(value: value, timestampMs: timestamp)
        return i
    }

    // MARK: - Helpers

    /// The end of the token at `start`: the next space or newline (or the end of the body).
    @inline(__always)
    private func tokenEnd(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < buffer.count, buffer[i] != TextScanning.space, buffer[i] != TextScanning.newline { i += 1 }
        return i
    }

    /// `expected` is a `StaticString` so that the message costs nothing unless it is thrown.
    private func expectSpace(_ buffer: UnsafeBufferPointer<UInt8>, _ i: Int, _ expected: StaticString) throws(ExpositionError) {
        guard i < buffer.count, buffer[i] == TextScanning.space else {
            throw position.unexpected(buffer, i, expected: expected.description)
        }
    }



    private func invalidMetadata(_ reason: String, at index: Int) -> ExpositionError {
        .invalidMetadata(reason, line: position.line, column: position.column(index))
    }

    // MARK: - Accessors

    package var metadataName: String { string(nameRange) }
    package var help: String {
        input.withUnsafeBufferPointer { TextScanning.string($0, textRange, isEscaped: textIsEscaped) }
    }
    package var type: MetricType { metricType }
    package var unit: String { string(textRange) }
    package var comment: String { "" }
    package var value: Double { sampleValue }
    package var timestampMs: Int64? { sampleTimestampMs }

    package func labels(into builder: inout LabelsBuilder) {
        input.withUnsafeBufferPointer { buffer in
            Self.write(name: nameRange, labels: labelRanges, buffer, into: &builder)
        }
    }

    package func exemplar(into builder: inout LabelsBuilder) -> ExemplarValue? {
        guard let exemplarValue else { return nil }
        input.withUnsafeBufferPointer { buffer in
            Self.write(name: nil, labels: exemplarRanges, buffer, into: &builder)
        }
        return exemplarValue
    }

    package func withSeriesKey<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try input.withUnsafeBufferPointer { buffer throws(E) in
            try body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[seriesRange])))
        }
    }

    private func string(_ range: Range<Int>) -> String {
        input.withUnsafeBufferPointer { TextScanning.string($0, range) }
    }

    static func write(
        name: Range<Int>?, labels: [LabelRange], _ buffer: UnsafeBufferPointer<UInt8>, into builder: inout LabelsBuilder
    ) {
        builder.reset()
        if let name {
            builder.set(Labels.metricNameLabel, TextScanning.string(buffer, name, isEscaped: false))
        }
        for label in labels {
            builder.set(
                TextScanning.string(buffer, label.name, isEscaped: false),
                TextScanning.string(buffer, label.value, isEscaped: label.isEscaped))
        }
    }
}
