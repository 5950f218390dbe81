/// Why bytes in an exposition or wire format were refused.
package enum ExpositionError: Error, Equatable, Sendable {
    /// A snappy block that libsnappy does not accept.
    case corruptSnappy(compressedBytes: Int)
    /// A snappy block that would decompress to more than the limit.
    case decompressedTooLarge(bytes: Int, limitBytes: Int)
}

extension ExpositionError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .corruptSnappy(let compressedBytes):
            "corrupt snappy block (\(compressedBytes) bytes)"
        case .decompressedTooLarge(let bytes, let limitBytes):
            "snappy block decompresses to \(bytes) bytes, more than the limit of \(limitBytes) bytes"
        }
    }
}
