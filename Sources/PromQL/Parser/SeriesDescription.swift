package import Model

/// A native histogram as written in a test script's series values (`{{schema:0 sum:5 buckets:[1 2]}}`).
/// The fields keep what was written; building a histogram from them is the caller's job.
package struct HistogramLiteral: Sendable, Equatable {
    /// How an explicit `counter_reset_hint:` was spelled.
    package enum CounterResetHint: String, Sendable, Equatable {
        case unknown, reset, notReset = "not_reset", gauge
    }

    /// `schema:` (default 0; -53 for custom buckets).
    package var schema: Int64 = 0
    /// `sum:`.
    package var sum: Double = 0
    /// `count:`.
    package var count: Double = 0
    /// `z_bucket:`, the zero bucket's count.
    package var zeroCount: Double = 0
    /// `z_bucket_w:`, the zero threshold.
    package var zeroThreshold: Double = 0
    /// `buckets:[...]`, consecutive positive buckets from `positiveOffset`.
    package var positiveBuckets: [Double] = []
    /// `offset:`.
    package var positiveOffset: Int64 = 0
    /// `n_buckets:[...]`.
    package var negativeBuckets: [Double] = []
    /// `n_offset:`.
    package var negativeOffset: Int64 = 0
    /// `custom_values:[...]`, the upper bounds for schema -53.
    package var customValues: [Double] = []
    /// `counter_reset_hint:`, nil when not written (then any hint passes a comparison).
    package var counterResetHint: CounterResetHint?

    /// Creates an all-zero histogram (`{{}}`).
    package init() {}
}

/// One position (or run of positions) of a series description's values.
package enum SeriesValue: Sendable, Equatable {
    /// `_`: no sample at this position.
    case omitted
    /// A float sample; `stale` is the staleness marker NaN (bits `0x7ff0000000000002`).
    case float(Double)
    /// A histogram sample.
    case histogram(HistogramLiteral)
    /// `{{A}}+{{B}}xN` or `{{A}}-{{B}}xN`: `N+1` positions holding A, A±B, A±2B, ...; the caller
    /// does the histogram arithmetic.
    case histogramSequence(start: HistogramLiteral, delta: HistogramLiteral, subtract: Bool, times: Int)
}

/// A series description line of a test script: `metric{labels} 1 2+3x4 _ stale {{...}}`.
package struct SeriesDescription: Sendable, Equatable {
    /// The series' labels.
    package var labels: Labels
    /// The values in order; float runs (`1+2x3`) and `_xN` are expanded, histogram sequences not.
    package var values: [SeriesValue]

    /// The staleness marker Prometheus writes (`value.StaleNaN`).
    package static let staleNaN = Double(bitPattern: 0x7FF0_0000_0000_0002)

    /// Parses a line in the promqltest/`promtool test rules` series syntax (upstream's
    /// `ParseSeriesDesc`). Error messages do not follow upstream's wording.
    /// - Throws: `PromQLError.parse` naming the item that does not parse.
    package init(parsing line: String) throws(PromQLError) {
        let bytes = Array(line.utf8)
        let labelsEnd = SeriesDescription.endOfLabels(bytes)
        labels = try PromQLParser.parseMetric(String(decoding: bytes[..<labelsEnd], as: UTF8.self))
        var scanner = SeriesScanner(bytes: bytes, position: labelsEnd, line: line)
        values = try scanner.values()
    }

    /// Where the label part ends: after the closing `}`, or after the leading name.
    private static func endOfLabels(_ bytes: [UInt8]) -> Int {
        var index = 0
        var quote: UInt8?
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\"), open != UInt8(ascii: "`") {
                    escaped = true
                } else if byte == open {
                    quote = nil
                }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`") {
                quote = byte
            } else if byte == UInt8(ascii: "}") {
                return index + 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t"), !bytes[..<index].contains(UInt8(ascii: "{")) {
                return index
            }
            index += 1
        }
        return bytes.count
    }
}

/// Scans the values part of a series description.
private struct SeriesScanner {
    let bytes: [UInt8]
    var position: Int
    let line: String

    private func fail(_ message: String, at start: Int) -> PromQLError {
        .parse(message: message, position: PositionRange(start: start, end: bytes.count), query: line)
    }

    private var atEnd: Bool { position >= bytes.count }
    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
    }

    mutating func values() throws(PromQLError) -> [SeriesValue] {
        var out: [SeriesValue] = []
        while true {
            skipSpaces()
            if atEnd { return out }
            try item(into: &out)
            if let byte = peek(), byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") {
                throw fail("unexpected character in series values: \(GoQuote.quoteRune(Unicode.Scalar(byte)))", at: position)
            }
        }
    }

    /// `xN` after an item; nil when absent.
    private mutating func times() throws(PromQLError) -> Int? {
        guard peek() == UInt8(ascii: "x") else { return nil }
        let start = position
        position += 1
        let digitsStart = position
        while let byte = peek(), byte >= 0x30, byte <= 0x39 { position += 1 }
        guard position > digitsStart, let count = Int(String(decoding: bytes[digitsStart..<position], as: UTF8.self)),
              count <= 1_000_000 else {
            throw fail("invalid repetition in series values", at: start)
        }
        return count
    }

    private mutating func item(into out: inout [SeriesValue]) throws(PromQLError) {
        let start = position
        if peek() == UInt8(ascii: "_") {
            position += 1
            let count = try times() ?? 1
            out.append(contentsOf: repeatElement(.omitted, count: count))
            return
        }
        if peek() == UInt8(ascii: "{"), peek(1) == UInt8(ascii: "{") {
            let first = try histogram()
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), peek(1) == UInt8(ascii: "{") {
                position += 1
                let delta = try histogram()
                guard let count = try times() else { throw fail("expected xN after a histogram sequence", at: position) }
                out.append(.histogramSequence(start: first, delta: delta, subtract: sign == UInt8(ascii: "-"), times: count))
                return
            }
            let count = try times() ?? 0
            out.append(contentsOf: repeatElement(.histogram(first), count: count + 1))
            return
        }
        let word = wordEnd()
        if String(decoding: bytes[start..<word], as: UTF8.self) == "stale" {
            position = word
            out.append(.float(SeriesDescription.staleNaN))
            return
        }
        let value = try number()
        var delta = 0.0
        if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            delta = try number()
            guard peek() == UInt8(ascii: "x") else { throw fail("expected xN after \"+\" or \"-\" in series values", at: position) }
        }
        guard let count = try times() else {
            out.append(.float(value))
            return
        }
        var current = value
        for _ in 0...count {
            out.append(.float(current))
            current += delta
        }
    }

    /// End of the run of letters, digits, `.`, `_`.
    private func wordEnd() -> Int {
        var index = position
        while index < bytes.count {
            let byte = bytes[index]
            let isWord = (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2E || byte == 0x5F
            guard isWord else { break }
            index += 1
        }
        return index
    }

    /// A signed decimal number, `Inf` or `NaN`; stops before an `x` repetition. Hexadecimal
    /// and durations are refused, as upstream's lexer does in series values.
    private mutating func number() throws(PromQLError) -> Double {
        let start = position
        var negative = false
        if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            position += 1
        }
        let textStart = position
        var end = wordEnd()
        // An exponent sign (`1e+3`) continues the number.
        if end > textStart, end + 1 < bytes.count, bytes[end - 1] | 0x20 == UInt8(ascii: "e"),
           bytes[end] == UInt8(ascii: "+") || bytes[end] == UInt8(ascii: "-"),
           bytes[end + 1] >= 0x30, bytes[end + 1] <= 0x39,
           bytes[textStart] >= 0x30 && bytes[textStart] <= 0x39 || bytes[textStart] == UInt8(ascii: ".") {
            position = end + 1
            end = wordEnd()
        }
        // `1x3` / `1+2x3`: a trailing `xN` is the repetition, not part of the number.
        if let x = bytes[textStart..<end].lastIndex(of: UInt8(ascii: "x")),
           bytes[(x + 1)..<end].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), x > textStart {
            end = x
        }
        let text = String(decoding: bytes[textStart..<end], as: UTF8.self)
        position = end
        if case .success(let value) = NumberParsing.number(text), !text.lowercased().hasPrefix("0x") {
            return negative ? -value : value
        }
        throw fail("invalid number in series values: \(GoQuote.quote(String(decoding: bytes[start..<end], as: UTF8.self)))", at: start)
    }

    private mutating func histogram() throws(PromQLError) -> HistogramLiteral {
        let start = position
        position += 2
        var literal = HistogramLiteral()
        var seen: Set<String> = []
        while true {
            skipSpaces()
            if peek() == UInt8(ascii: "}"), peek(1) == UInt8(ascii: "}") {
                position += 2
                return literal
            }
            guard !atEnd else { throw fail("unterminated histogram description", at: start) }
            let keyStart = position
            while let byte = peek(), byte != UInt8(ascii: ":"), byte != UInt8(ascii: " "), byte != UInt8(ascii: "}") {
                position += 1
            }
            let key = String(decoding: bytes[keyStart..<position], as: UTF8.self)
            guard peek() == UInt8(ascii: ":") else { throw fail("missing `:` for histogram descriptor", at: keyStart) }
            position += 1
            guard seen.insert(key).inserted else { throw fail("duplicate key \"\(key)\" in histogram", at: keyStart) }
            switch key {
            case "schema": literal.schema = try integer()
            case "sum": literal.sum = try number()
            case "count": literal.count = try number()
            case "z_bucket": literal.zeroCount = try number()
            case "z_bucket_w": literal.zeroThreshold = try number()
            case "offset": literal.positiveOffset = try integer()
            case "n_offset": literal.negativeOffset = try integer()
            case "buckets": literal.positiveBuckets = try bucketList()
            case "n_buckets": literal.negativeBuckets = try bucketList()
            case "custom_values": literal.customValues = try bucketList()
            case "counter_reset_hint":
                let wordStart = position
                position = wordEnd()
                let word = String(decoding: bytes[wordStart..<position], as: UTF8.self)
                guard let hint = HistogramLiteral.CounterResetHint(rawValue: word) else {
                    throw fail("error parsing counter_reset_hint: unknown value \(word)", at: wordStart)
                }
                literal.counterResetHint = hint
            default:
                throw fail("bad histogram descriptor found: \(GoQuote.quote(key))", at: keyStart)
            }
        }
    }

    private mutating func integer() throws(PromQLError) -> Int64 {
        let start = position
        let value = try number()
        guard value == value.rounded(), abs(value) < 9e15 else { throw fail("expected an integer", at: start) }
        return Int64(value)
    }

    private mutating func bucketList() throws(PromQLError) -> [Double] {
        guard peek() == UInt8(ascii: "[") else { throw fail("expected \"[\" in histogram description", at: position) }
        position += 1
        var out: [Double] = []
        while true {
            skipSpaces()
            if peek() == UInt8(ascii: "]") {
                position += 1
                return out
            }
            guard !atEnd else { throw fail("unterminated bucket list", at: position) }
            out.append(try number())
        }
    }
}
