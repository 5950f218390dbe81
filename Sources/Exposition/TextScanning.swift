/// Lexical pieces shared by `PrometheusTextParser` and `OpenMetricsParser`: byte classes,
/// label sets, escapes and UTF-8 checks, all over an `UnsafeBufferPointer` with explicit
/// bounds checks (every read is guarded by `i < buffer.count`).

/// Where the current line starts, to turn byte offsets into 1-based line:column positions.
struct LinePosition {
    var line = 1
    var lineStart = 0

    func column(_ index: Int) -> Int { index - lineStart + 1 }

    /// The error for a missing token at `i`: the byte found there, or the end of the body.
    func unexpected(_ buffer: UnsafeBufferPointer<UInt8>, _ i: Int, expected: String) -> ExpositionError {
        i < buffer.count
            ? .unexpectedByte(buffer[i], expected: expected, line: line, column: column(i))
            : .unexpectedEndOfInput(expected: expected, line: line, column: column(i))
    }

    /// The error for a token at `range` that is not a number (or is missing).
    func invalidNumber(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, expected: String) -> ExpositionError {
        if range.isEmpty { return unexpected(buffer, range.lowerBound, expected: expected) }
        return .invalidNumber(TextScanning.string(buffer, range), line: line, column: column(range.lowerBound))
    }
}

/// The byte ranges of one `name="value"` pair inside the body.
struct LabelRange: Sendable {
    var name: Range<Int>
    var value: Range<Int>
    /// Whether the value contains a backslash, so it must be unescaped before use.
    var isEscaped: Bool
}

enum TextScanning {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")

    @inline(__always)
    static func isLabelNameStart(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
    }

    @inline(__always)
    static func isLabelNameByte(_ byte: UInt8) -> Bool {
        isLabelNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    @inline(__always)
    static func isMetricNameStart(_ byte: UInt8) -> Bool {
        isLabelNameStart(byte) || byte == UInt8(ascii: ":")
    }

    @inline(__always)
    static func isMetricNameByte(_ byte: UInt8) -> Bool {
        isLabelNameByte(byte) || byte == UInt8(ascii: ":")
    }

    /// Scans a metric name starting at `start`; returns its end. Throws if there is none.
    static func scanMetricName(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, _ position: LinePosition
    ) throws(ExpositionError) -> Int {
        var i = start
        guard i < buffer.count else {
            throw .unexpectedEndOfInput(expected: "metric name", line: position.line, column: position.column(i))
        }
        guard isMetricNameStart(buffer[i]) else {
            throw .unexpectedByte(buffer[i], expected: "metric name", line: position.line, column: position.column(i))
        }
        i += 1
        while i < buffer.count, isMetricNameByte(buffer[i]) { i += 1 }
        return i
    }

    /// Skips spaces and tabs (text 0.0.4 allows them between tokens).
    @inline(__always)
    static func skipBlanks(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < buffer.count, buffer[i] == space || buffer[i] == tab { i += 1 }
        return i
    }

    /// Scans `{name="value",...}` with the opening brace at `start` and returns the index after
    /// the closing brace. `strict` is OpenMetrics: no blanks, no trailing comma. With
    /// `checksEscapes`, only `\\`, `\"` and `\n` may follow a backslash (client_golang's rule).
    /// Duplicate label names are refused. Label values must be valid UTF-8.
    static func scanLabels(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, strict: Bool, checksEscapes: Bool = false,
        into labels: inout [LabelRange], _ position: LinePosition
    ) throws(ExpositionError) -> Int {
        labels.removeAll(keepingCapacity: true)
        var i = start + 1
        func expectByte(_ expected: String) -> ExpositionError { position.unexpected(buffer, i, expected: expected) }
        if !strict { i = skipBlanks(buffer, from: i) }
        if i < buffer.count, buffer[i] == UInt8(ascii: "}") { return i + 1 }
        var seenNames: [UInt64: Int] = [:]  // allocated only past `linearDuplicateCheckLimit` labels
        while true {
            if !strict { i = skipBlanks(buffer, from: i) }
            let nameStart = i
            guard i < buffer.count, isLabelNameStart(buffer[i]) else { throw expectByte("label name") }
            i += 1
            while i < buffer.count, isLabelNameByte(buffer[i]) { i += 1 }
            let name = nameStart..<i
            // The name goes in `__name__`; a label of that name would silently rename the series.
            if bytesEqual(buffer, name, "__name__") {
                throw .invalidSample("label name \"__name__\" is reserved", line: position.line, column: position.column(nameStart))
            }
            if !strict { i = skipBlanks(buffer, from: i) }
            guard i < buffer.count, buffer[i] == UInt8(ascii: "=") else { throw expectByte("\"=\" after label name") }
            i += 1
            if !strict { i = skipBlanks(buffer, from: i) }
            guard i < buffer.count, buffer[i] == quote else { throw expectByte("quoted label value") }
            i += 1
            let valueStart = i
            var isEscaped = false, isASCII = true
            while true {
                guard i < buffer.count else { throw expectByte("closing quote of label value") }
                let byte = buffer[i]
                if byte == quote { break }
                if byte == newline { throw expectByte("closing quote of label value") }
                if byte == backslash {
                    isEscaped = true
                    i += 1
                    guard i < buffer.count, buffer[i] != newline else { throw expectByte("escaped character") }
                    if checksEscapes, buffer[i] != backslash, buffer[i] != quote, buffer[i] != UInt8(ascii: "n") {
                        throw expectByte("\\\\, \\\" or \\n after a backslash")
                    }
                }
                if buffer[i] >= 0x80 { isASCII = false }
                i += 1
            }
            let value = valueStart..<i
            if !isASCII, !isValidUTF8(buffer, value) {
                throw .invalidUTF8(line: position.line, column: position.column(valueStart))
            }
            i += 1
            if isDuplicate(name, in: labels, buffer, seen: &seenNames) {
                throw .invalidSample(
                    "duplicate label name \"\(string(buffer, name))\"",
                    line: position.line, column: position.column(nameStart))
            }
            labels.append(LabelRange(name: name, value: value, isEscaped: isEscaped))
            if !strict { i = skipBlanks(buffer, from: i) }
            guard i < buffer.count else { throw expectByte("\",\" or \"}\"") }
            if buffer[i] == UInt8(ascii: "}") { return i + 1 }
            guard buffer[i] == UInt8(ascii: ",") else { throw expectByte("\",\" or \"}\"") }
            i += 1
            if !strict {
                i = skipBlanks(buffer, from: i)
                if i < buffer.count, buffer[i] == UInt8(ascii: "}") { return i + 1 }
            }
        }
    }

    /// Label sets up to this size are checked for duplicate names pairwise; larger ones (hostile
    /// or absurd input) through a hash table, so a line with 100,000 labels stays linear.
    static let linearDuplicateCheckLimit = 16

    /// Whether `name` is already among `labels`. `seen` maps name hashes to label indices once
    /// the set is past the linear limit.
    static func isDuplicate(
        _ name: Range<Int>, in labels: [LabelRange], _ buffer: UnsafeBufferPointer<UInt8>, seen: inout [UInt64: Int]
    ) -> Bool {
        if labels.count < linearDuplicateCheckLimit {
            for label in labels where bytesEqual(buffer, label.name, name) { return true }
            return false
        }
        if seen.isEmpty {
            for (index, label) in labels.enumerated() { seen[hash(buffer, label.name)] = index }
        }
        let key = hash(buffer, name)
        if let index = seen[key] {
            if bytesEqual(buffer, labels[index].name, name) { return true }
            // A hash collision between different names: settle it the slow way.
            for label in labels where bytesEqual(buffer, label.name, name) { return true }
        }
        seen[key] = labels.count
        return false
    }

    /// Whether two ranges of the buffer hold the same bytes.
    @inline(__always)
    static func bytesEqual(_ buffer: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        var i = a.lowerBound, j = b.lowerBound
        while i < a.upperBound {
            if buffer[i] != buffer[j] { return false }
            i += 1; j += 1
        }
        return true
    }

    /// Whether `buffer[range]` equals the ASCII `literal`.
    static func bytesEqual(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let bytes = literal.utf8Start
        var offset = 0
        for i in range {
            if buffer[i] != bytes[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Whether `buffer[range]` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
    static func isValidUTF8(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let byte = buffer[i]
            if byte < 0x80 { i += 1; continue }
            var length = 0
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch byte {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard end - i >= length else { return false }
            guard buffer[i + 1] >= lower && buffer[i + 1] <= upper else { return false }
            for k in 2..<max(length, 2) where buffer[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }

    /// The index of the first backslash in `buffer[range]` not followed by `\\` or `n` (or by
    /// `"` when `quotes`), or `nil` when every escape is one the text format defines.
    static func firstInvalidEscape(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, quotes: Bool) -> Int? {
        var i = range.lowerBound
        while i < range.upperBound {
            if buffer[i] == backslash {
                guard i + 1 < range.upperBound else { return i }
                let next = buffer[i + 1]
                guard next == backslash || next == UInt8(ascii: "n") || (quotes && next == quote) else { return i }
                i += 2
            } else {
                i += 1
            }
        }
        return nil
    }

    /// The number of Unicode code points in valid UTF-8 `buffer[range]`.
    static func codePointCount(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var count = 0
        for i in range where buffer[i] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// Decodes `buffer[range]`, replacing `\\`, `\n` and (when `quotes` is set) `\"`; any other
    /// backslash is kept as written, as Prometheus's parsers do.
    static func unescape(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, quotes: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let byte = buffer[i]
            if byte == backslash, i + 1 < range.upperBound {
                let next = buffer[i + 1]
                if next == backslash || (quotes && next == quote) {
                    bytes.append(next); i += 2; continue
                }
                if next == UInt8(ascii: "n") {
                    bytes.append(newline); i += 2; continue
                }
            }
            bytes.append(byte)
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The string of `buffer[range]` as written.
    static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    /// FNV-1a over the bytes of `range` followed by `suffix`: names seen in a body, kept as
    /// hashes so that tracking them allocates nothing per sample.
    static func hash(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, suffix: StaticString = "") -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in range { hash = (hash ^ UInt64(buffer[i])) &* 0x100_0000_01b3 }
        for k in 0..<suffix.utf8CodeUnitCount { hash = (hash ^ UInt64(suffix.utf8Start[k])) &* 0x100_0000_01b3 }
        return hash
    }

    /// The string of `buffer[range]`, unescaped when `isEscaped`.
    @inline(__always)
    static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, isEscaped: Bool) -> String {
        isEscaped ? unescape(buffer, range, quotes: true) : string(buffer, range)
    }
}
