package import Model

/// A pull parser for the Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
///
/// It works over the body's bytes and allocates nothing per sample: an entry is kept as byte
/// ranges until the caller asks for strings or labels. As Prometheus's `promparse`, it allows
/// blank lines, free comments, blanks between tokens and a trailing comma in label sets;
/// timestamps are integer milliseconds; every line ends with a newline.
///
/// With `isStrict` it also applies the rules of client_golang's text parser, which
/// `promtool check metrics` uses and Prometheus's scrape path does not: no second `# HELP`
/// or `# TYPE` for a family, no `# TYPE` after the family's samples, only `\\`, `\n` (and
/// `\"` in label values) as escapes, and numeric `quantile`/`le` labels.
package struct PrometheusTextParser: MetricsParser {
    private let input: [UInt8]
    private let isStrict: Bool
    private var cursor = 0
    private var position = LinePosition()
    private var isFinished = false
    private var failure: ExpositionError?

    private var entry: MetricEntry = .comment
    private var nameRange = 0..<0
    private var textRange = 0..<0
    private var metricType: MetricType = .unknown
    private var labelRanges: [LabelRange] = []
    private var seriesRange = 0..<0
    private var sampleValue = 0.0
    private var sampleTimestampMs: Int64?
    private var helpNames: Set<UInt64> = []
    private var typeNames: Set<UInt64> = []
    private var sampleNames: Set<UInt64> = []
    private var lastSampleName = 0..<0
    private var typedFamily = 0..<0

    /// Creates a parser over `input`, which it keeps (no copy) until it is dropped.
    /// - Parameter isStrict: apply client_golang's extra rules (see the type's documentation).
    package init(_ input: [UInt8], isStrict: Bool = false) {
        self.input = input
        self.isStrict = isStrict
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
        while true {
            guard cursor < buffer.count else {
                isFinished = true
                return nil
            }
            position.lineStart = cursor
            let start = TextScanning.skipBlanks(buffer, from: cursor)
            let end: Int
            if start == buffer.count || buffer[start] == TextScanning.newline {
                end = start  // a blank line
            } else if buffer[start] == UInt8(ascii: "#") {
                end = try parseHashLine(buffer, start)
            } else {
                end = try parseSample(buffer, start)
                entry = .series
            }
            if start != end, end == buffer.count {
                // client_golang and promparse both insist on a newline after the last line.
                throw .unexpectedEndOfInput(expected: "newline at end of line", line: position.line, column: position.column(end))
            }
            cursor = end + 1
            position.line += 1
            if start != end { return entry }
        }
    }

    // MARK: - Comments

    /// Parses a `#` line; returns the index of its newline (or the end of the body).
    private mutating func parseHashLine(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) throws(ExpositionError) -> Int {
        var i = TextScanning.skipBlanks(buffer, from: start + 1)
        let keywordStart = i
        while i < buffer.count, buffer[i] >= UInt8(ascii: "A"), buffer[i] <= UInt8(ascii: "Z") { i += 1 }
        let keyword = keywordStart..<i
        let isHelp = TextScanning.bytesEqual(buffer, keyword, "HELP")
        let isType = TextScanning.bytesEqual(buffer, keyword, "TYPE")
        guard (isHelp || isType), i < buffer.count, buffer[i] == TextScanning.space || buffer[i] == TextScanning.tab else {
            entry = .comment
            textRange = keywordStart..<lineEnd(buffer, keywordStart)
            return textRange.upperBound
        }
        // As client_golang's `startComment`: `# HELP`, `# TYPE name` and the like, with the
        // name or the text missing, are comments rather than errors.
        func comment() -> Int {
            entry = .comment
            textRange = keywordStart..<lineEnd(buffer, keywordStart)
            return textRange.upperBound
        }
        i = TextScanning.skipBlanks(buffer, from: i)
        if i == buffer.count || buffer[i] == TextScanning.newline { return comment() }
        let nameStart = i
        i = try TextScanning.scanMetricName(buffer, from: i, position)
        nameRange = nameStart..<i
        if i < buffer.count, buffer[i] != TextScanning.newline, buffer[i] != TextScanning.space, buffer[i] != TextScanning.tab {
            throw .unexpectedByte(buffer[i], expected: "space after metric name", line: position.line, column: position.column(i))
        }
        i = TextScanning.skipBlanks(buffer, from: i)
        let end = lineEnd(buffer, i)
        textRange = i..<end
        if textRange.isEmpty, isStrict || isType { return comment() }
        let hash = TextScanning.hash(buffer, nameRange)
        if isHelp {
            entry = .help
            if !TextScanning.isValidUTF8(buffer, textRange) {
                throw .invalidUTF8(line: position.line, column: position.column(i))
            }
            guard isStrict else { return end }
            if let bad = TextScanning.firstInvalidEscape(buffer, textRange, quotes: false) {
                throw .unexpectedByte(
                    bad + 1 < end ? buffer[bad + 1] : TextScanning.newline, expected: "\\\\ or \\n after a backslash",
                    line: position.line, column: position.column(bad + 1))
            }
            guard helpNames.insert(hash).inserted else {
                throw .invalidMetadata("second HELP line for metric name \"\(metadataName(buffer))\"", line: position.line, column: position.column(start))
            }
        } else {
            entry = .type
            var typeEnd = end
            if !isStrict {
                while typeEnd > i, buffer[typeEnd - 1] == TextScanning.space || buffer[typeEnd - 1] == TextScanning.tab { typeEnd -= 1 }
            }
            guard let type = Self.metricType(buffer, i..<typeEnd) else {
                throw .invalidMetadata(
                    "unknown metric type \"\(TextScanning.string(buffer, i..<typeEnd))\"",
                    line: position.line, column: position.column(i))
            }
            metricType = type
            typedFamily = nameRange
            guard isStrict else { return end }
            guard typeNames.insert(hash).inserted, !sampleNames.contains(hash) else {
                throw .invalidMetadata(
                    "second TYPE line for metric name \"\(metadataName(buffer))\", or TYPE reported after samples",
                    line: position.line, column: position.column(start))
            }
        }
        return end
    }

    private static func metricType(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> MetricType? {
        if TextScanning.bytesEqual(buffer, range, "counter") { return .counter }
        if TextScanning.bytesEqual(buffer, range, "gauge") { return .gauge }
        if TextScanning.bytesEqual(buffer, range, "histogram") { return .histogram }
        if TextScanning.bytesEqual(buffer, range, "summary") { return .summary }
        if TextScanning.bytesEqual(buffer, range, "untyped") { return .unknown }
        return nil
    }

    private func metadataName(_ buffer: UnsafeBufferPointer<UInt8>) -> String {
        TextScanning.string(buffer, nameRange)
    }

    // MARK: - Samples

    /// Parses `name{labels} value [timestamp]`; returns the index of its newline (or the end).
    private mutating func parseSample(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) throws(ExpositionError) -> Int {
        var i = try TextScanning.scanMetricName(buffer, from: start, position)
        nameRange = start..<i
        let afterName = TextScanning.skipBlanks(buffer, from: i)
        if afterName < buffer.count, buffer[afterName] == UInt8(ascii: "{") {
            i = try TextScanning.scanLabels(
                buffer, from: afterName, strict: false, checksEscapes: isStrict, into: &labelRanges, position)
            seriesRange = start..<i
            i = TextScanning.skipBlanks(buffer, from: i)
        } else {
            labelRanges.removeAll(keepingCapacity: true)
            seriesRange = nameRange
            guard afterName > i else { throw position.unexpected(buffer, i, expected: "space or \"{\" after metric name") }
            i = afterName
        }
        let valueEnd = tokenEnd(buffer, i)
        guard let value = NumberParsing.parseDouble(buffer, i..<valueEnd) else {
            throw position.invalidNumber(buffer, i..<valueEnd, expected: "sample value")
        }
        sampleValue = value
        i = TextScanning.skipBlanks(buffer, from: valueEnd)
        sampleTimestampMs = nil
        if i < buffer.count, buffer[i] != TextScanning.newline || (isStrict && i > valueEnd) {
            let timestampEnd = tokenEnd(buffer, i)
            guard let timestamp = NumberParsing.parseInt64(buffer, i..<timestampEnd) else {
                throw position.invalidNumber(buffer, i..<timestampEnd, expected: "timestamp in milliseconds")
            }
            sampleTimestampMs = timestamp
            i = TextScanning.skipBlanks(buffer, from: timestampEnd)
        }
        guard i == buffer.count || buffer[i] == TextScanning.newline else {
            throw position.unexpected(buffer, i, expected: "end of line")
        }
        if isStrict { try checkStrictSample(buffer) }
        return i
    }

    /// client_golang's per-sample rules: remember sample names (for "TYPE after samples") and
    /// require numeric `quantile` (summaries) and `le` (histogram buckets) labels.
    private mutating func checkStrictSample(_ buffer: UnsafeBufferPointer<UInt8>) throws(ExpositionError) {
        if !TextScanning.bytesEqual(buffer, nameRange, lastSampleName) {
            lastSampleName = nameRange
            sampleNames.insert(TextScanning.hash(buffer, nameRange))
            for suffix: StaticString in ["_sum", "_count", "_bucket"] {
                let count = suffix.utf8CodeUnitCount
                if nameRange.count > count,
                   TextScanning.bytesEqual(buffer, (nameRange.upperBound - count)..<nameRange.upperBound, suffix) {
                    sampleNames.insert(TextScanning.hash(buffer, nameRange.lowerBound..<(nameRange.upperBound - count)))
                }
            }
        }
        let special: StaticString
        if metricType == .summary, TextScanning.bytesEqual(buffer, nameRange, typedFamily) {
            special = "quantile"
        } else if metricType == .histogram, nameRange.count == typedFamily.count + 7,
                  TextScanning.bytesEqual(buffer, nameRange.lowerBound..<(nameRange.lowerBound + typedFamily.count), typedFamily),
                  TextScanning.bytesEqual(buffer, (nameRange.upperBound - 7)..<nameRange.upperBound, "_bucket") {
            special = "le"
        } else {
            return
        }
        for label in labelRanges where TextScanning.bytesEqual(buffer, label.name, special) {
            guard NumberParsing.parseDouble(buffer, label.value) != nil else {
                throw .invalidSample(
                    "expected float as value for '\(special)' label, got \"\(TextScanning.string(buffer, label.value))\"",
                    line: position.line, column: position.column(label.value.lowerBound))
            }
        }
    }

    // MARK: - Helpers

    @inline(__always)
    private func tokenEnd(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < buffer.count, buffer[i] != TextScanning.space, buffer[i] != TextScanning.tab, buffer[i] != TextScanning.newline {
            i += 1
        }
        return i
    }

    private func lineEnd(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < buffer.count, buffer[i] != TextScanning.newline { i += 1 }
        return i
    }




    // MARK: - Accessors

    package var metadataName: String { string(nameRange) }
    package var help: String {
        input.withUnsafeBufferPointer { TextScanning.unescape($0, textRange, quotes: false) }
    }
    package var type: MetricType { metricType }
    package var unit: String { "" }
    package var comment: String { string(textRange) }
    package var value: Double { sampleValue }
    package var timestampMs: Int64? { sampleTimestampMs }

    package func labels(into builder: inout LabelsBuilder) {
        input.withUnsafeBufferPointer { buffer in
            OpenMetricsParser.write(name: nameRange, labels: labelRanges, buffer, into: &builder)
        }
    }

    package func exemplar(into builder: inout LabelsBuilder) -> ExemplarValue? { nil }

    package func withSeriesKey<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try input.withUnsafeBufferPointer { buffer throws(E) in
            try body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[seriesRange])))
        }
    }

    private func string(_ range: Range<Int>) -> String {
        input.withUnsafeBufferPointer { TextScanning.string($0, range) }
    }
}
