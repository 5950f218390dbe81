import Model

/// Why an exposition body (text, OpenMetrics or protobuf) was refused.
///
/// Text cases carry the 1-based line and column of the offending byte; `description` renders
/// them as `line:column: message`, the shape `promtool check metrics` prints.
package enum ExpositionError: Error, Equatable, Sendable {
    /// A byte that the grammar does not allow at this position.
    case unexpectedByte(UInt8, expected: String, line: Int, column: Int)
    /// The body ended in the middle of an entry.
    case unexpectedEndOfInput(expected: String, line: Int, column: Int)
    /// A value, timestamp or bound that is not a number in the format's syntax.
    case invalidNumber(String, line: Int, column: Int)
    /// A `# HELP`, `# TYPE`, `# UNIT` or other comment line that breaks the format's rules.
    case invalidMetadata(String, line: Int, column: Int)
    /// A sample that is well formed but breaks a rule of its metric type or family.
    case invalidSample(String, line: Int, column: Int)
    /// A label value, help text or name that is not valid UTF-8.
    case invalidUTF8(line: Int, column: Int)
    /// An OpenMetrics body that does not end with `# EOF`.
    case missingEOF(line: Int)
    /// Bytes after an OpenMetrics `# EOF` line.
    case contentAfterEOF(line: Int, column: Int)
    /// A `Content-Type` no parser handles; `fallback_scrape_protocol` picks one instead.
    case unsupportedContentType(String)
    /// A protobuf (`io.prometheus.client.MetricFamily`, delimited) body that cannot be decoded.
    case malformedProtobuf(String, offset: Int)
    /// A snappy block that libsnappy does not accept.
    case corruptSnappy(compressedBytes: Int)
    /// A snappy block that would decompress to more than the limit.
    case decompressedTooLarge(bytes: Int, limitBytes: Int)
    /// A remote-write series the receiver refuses, as the Remote-Write 2.0 specification and
    /// Prometheus's write handler require: `series` renders its labels (or label references)
    /// as sent, `index` is its position in the request and `offset` the byte offset of its
    /// message in the decompressed body.
    case invalidSeries(InvalidSeriesReason, series: String, index: Int, offset: Int)
    /// A remote-write or remote-read `Content-Type` this receiver does not handle (HTTP 415).
    case unsupportedRemoteContentType(String, reason: String)
    /// A remote-read query that cannot be run: a bad matcher or time range.
    case invalidReadQuery(String, query: Int)
    /// A remote-read request that accepts none of the response types this server writes.
    case unsupportedReadResponseTypes([Int])
    /// A `MetricFamily` in a protobuf exposition body that breaks the format's rules; `offset`
    /// is the byte offset of its message.
    case invalidMetricFamily(String, family: String, offset: Int)
}

/// Why a remote-write series was refused (see `ExpositionError.invalidSeries`).
package enum InvalidSeriesReason: Error, Sendable, Equatable {
    /// The series has no labels at all.
    case emptyLabelSet
    /// The series has no `__name__` label (or an empty one).
    case missingMetricName
    /// `__name__` is not a valid metric name under the validation scheme in force.
    case invalidMetricName(String)
    /// A label name that is not valid under the validation scheme in force.
    case invalidLabelName(String)
    /// A label name or value (of the label named) that is not valid UTF-8.
    case invalidUTF8(label: String)
    /// Two labels with the same name.
    case duplicateLabelName(String)
    /// A label whose name sorts before the previous one's (labels must be sorted by name).
    case unsortedLabelName(String)
    /// A 2.0 `labels_refs` list of odd length.
    case oddLabelReferenceCount(Int)
    /// A 2.0 symbol reference (in labels, exemplar labels or metadata) past the symbol table.
    case symbolReferenceOutOfRange(UInt32, symbolCount: Int)
    /// A 2.0 series with neither samples nor histograms.
    case noSamples
}

extension InvalidSeriesReason: CustomStringConvertible {
    package var description: String {
        switch self {
        case .emptyLabelSet: "series has no labels"
        case .missingMetricName: "series has no __name__ label"
        case .invalidMetricName(let name): "invalid metric name \(name.quotedForPromQL)"
        case .invalidLabelName(let name): "invalid label name \(name.quotedForPromQL)"
        case .invalidUTF8(let label): "label \(label.quotedForPromQL) is not valid UTF-8"
        case .duplicateLabelName(let name): "duplicated label \(name.quotedForPromQL)"
        case .unsortedLabelName(let name): "label \(name.quotedForPromQL) is out of order (labels must be sorted by name)"
        case .oddLabelReferenceCount(let count): "labels_refs has odd length \(count)"
        case .symbolReferenceOutOfRange(let ref, let count): "symbol reference \(ref) outside of the symbols table (size \(count))"
        case .noSamples: "series must contain at least one sample or histogram"
        }
    }
}


extension ExpositionError {
    /// The 1-based line of the error, for text formats.
    package var line: Int? {
        switch self {
        case .unexpectedByte(_, _, let line, _), .unexpectedEndOfInput(_, let line, _),
            .invalidNumber(_, let line, _), .invalidMetadata(_, let line, _),
            .invalidSample(_, let line, _), .invalidUTF8(let line, _),
            .contentAfterEOF(let line, _), .missingEOF(let line):
            line
        case .unsupportedContentType, .malformedProtobuf, .corruptSnappy, .decompressedTooLarge,
            .invalidSeries, .unsupportedRemoteContentType, .invalidReadQuery, .unsupportedReadResponseTypes,
            .invalidMetricFamily:
            nil
        }
    }

    /// The 1-based column (in bytes) of the error, for text formats.
    package var column: Int? {
        switch self {
        case .unexpectedByte(_, _, _, let column), .unexpectedEndOfInput(_, _, let column),
            .invalidNumber(_, _, let column), .invalidMetadata(_, _, let column),
            .invalidSample(_, _, let column), .invalidUTF8(_, let column),
            .contentAfterEOF(_, let column):
            column
        case .missingEOF:
            1
        case .unsupportedContentType, .malformedProtobuf, .corruptSnappy, .decompressedTooLarge,
            .invalidSeries, .unsupportedRemoteContentType, .invalidReadQuery, .unsupportedReadResponseTypes,
            .invalidMetricFamily:
            nil
        }
    }

    /// The message without the position.
    package var message: String {
        switch self {
        case .unexpectedByte(let byte, let expected, _, _):
            "unexpected \(ExpositionError.describe(byte)), expected \(expected)"
        case .unexpectedEndOfInput(let expected, _, _):
            "unexpected end of input, expected \(expected)"
        case .invalidNumber(let text, _, _):
            "invalid number \(text.quotedForPromQL)"
        case .invalidMetadata(let reason, _, _), .invalidSample(let reason, _, _):
            reason
        case .invalidUTF8:
            "invalid UTF-8"
        case .missingEOF:
            "data does not end with # EOF"
        case .contentAfterEOF:
            "unexpected data after # EOF"
        case .unsupportedContentType(let contentType):
            "received unsupported Content-Type \(contentType.quotedForPromQL); set fallback_scrape_protocol in the scrape config to parse it anyway"
        case .malformedProtobuf(let reason, let offset):
            "malformed protobuf at byte \(offset): \(reason)"
        case .corruptSnappy(let compressedBytes):
            "corrupt snappy block (\(compressedBytes) bytes)"
        case .decompressedTooLarge(let bytes, let limitBytes):
            "snappy block decompresses to \(bytes) bytes, more than the limit of \(limitBytes) bytes"
        case .invalidSeries(let reason, let series, let index, let offset):
            "invalid series \(series) (series \(index) at byte \(offset)): \(reason)"
        case .unsupportedRemoteContentType(let contentType, let reason):
            "unsupported Content-Type \(contentType.quotedForPromQL): \(reason)"
        case .invalidReadQuery(let reason, let query):
            "remote read query \(query): \(reason)"
        case .unsupportedReadResponseTypes(let types):
            "none of the accepted response types \(types) is supported; this server writes SAMPLES (0) and STREAMED_XOR_CHUNKS (1)"
        case .invalidMetricFamily(let reason, let family, let offset):
            "metric family \(family.quotedForPromQL) at byte \(offset): \(reason)"
        }
    }

    static func describe(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "\n"): "end of line"
        case 0x20: "space"
        case 0x21...0x7E: "\"\(Character(Unicode.Scalar(byte)))\""
        default: "byte 0x" + String(byte, radix: 16)
        }
    }
}

extension ExpositionError: CustomStringConvertible {
    /// `line:column: message` for text errors, the bare message otherwise.
    package var description: String {
        guard let line, let column else { return message }
        return "\(line):\(column): \(message)"
    }
}
