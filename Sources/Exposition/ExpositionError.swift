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
        case .unsupportedContentType, .malformedProtobuf, .corruptSnappy, .decompressedTooLarge:
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
        case .unsupportedContentType, .malformedProtobuf, .corruptSnappy, .decompressedTooLarge:
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
