/// A byte range in a query, as Prometheus's `posrange.PositionRange`: `start..<end` in UTF-8 bytes.
package struct PositionRange: Sendable, Equatable, Hashable {
    /// The first byte.
    package var start: Int
    /// One past the last byte.
    package var end: Int

    /// Creates a range from byte offsets.
    package init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// `line:column` of `start` in `query` (both 1-based, the column counted in bytes), as
    /// upstream's `PositionRange.StartPosInput` renders it.
    package func startPosition(in query: String) -> String {
        if query.isEmpty { return "unknown position" }
        let bytes = Array(query.utf8)
        guard start >= 0, start <= bytes.count else { return "invalid position" }
        var line = 1
        var lastLineBreak = -1
        for index in 0..<start where bytes[index] == UInt8(ascii: "\n") {
            lastLineBreak = index
            line += 1
        }
        return "\(line):\(start - lastLineBreak)"
    }
}

/// Why a PromQL query was refused.
package enum PromQLError: Error, Equatable, Sendable {
    /// The query does not parse or does not type-check. `message` is upstream's wording
    /// (`unexpected end of input`), `position` where in `query` it went wrong.
    case parse(message: String, position: PositionRange, query: String)
    /// Evaluation failed (`vector cannot contain metrics with the same labelset`, ...).
    case execution(String)
    /// The query ran longer than the engine's timeout.
    case timeout(String)
    /// The query would have held more than the engine's `maxSamples` at once.
    case tooManySamples
    /// Storage could not be read.
    case storage(String)
}

extension PromQLError: CustomStringConvertible {
    /// Rendered as Prometheus renders a `ParseErr`: `1:5: parse error: unexpected ...`.
    package var description: String {
        switch self {
        case .parse(let message, let position, let query):
            "\(position.startPosition(in: query)): parse error: \(message)"
        case .execution(let message), .storage(let message): message
        case .timeout(let phase): "query timed out in \(phase)"
        case .tooManySamples: "query processing would load too many samples into memory in query execution"
        }
    }

    /// The message without its position prefix.
    package var message: String {
        switch self {
        case .parse(let message, _, _): message
        default: description
        }
    }
}
