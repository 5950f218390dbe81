import Foundation
import Model

/// A `load` block's start-timestamp line (FORMAT.md 3.2): `metric{labels}@st  _ -30s-1mx2 …`,
/// the offsets from each position's time to its sample's start timestamp, for the series
/// line right after it.
struct StartTimestampLine {
    /// The series the line is for.
    var labels: Labels
    /// Per position, the offset in milliseconds, `nil` for `_` (no start timestamp).
    var offsets: [Int64?]

    /// Parses a line whose label part ends in `@st`; `nil` for any other line.
    ///
    /// - Throws: `PromQLError.execution` naming the item that does not parse.
    init?(parsing text: String) throws(PromQLError) {
        let trimmed = text.trimmingWhitespace()
        // The label part ends at the first `@st` followed by whitespace or the end of the line.
        var searchFrom = trimmed.startIndex
        var found: Range<String.Index>?
        while let marker = trimmed.range(of: "@st", range: searchFrom..<trimmed.endIndex) {
            if marker.upperBound == trimmed.endIndex || trimmed[marker.upperBound] == " " || trimmed[marker.upperBound] == "\t" {
                found = marker
                break
            }
            searchFrom = marker.upperBound
        }
        guard let marker = found else { return nil }
        let end = marker.lowerBound
        labels = try PromQLParser.parseMetric(String(trimmed[..<end]))
        offsets = []
        for item in trimmed[marker.upperBound...].split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            offsets.append(contentsOf: try StartTimestampLine.positions(String(item)))
        }
    }

    /// The positions one item stands for: `_`, `_xN`, `D`, `DxN`, `D+ExN`, `D-ExN` (D and E
    /// durations, D optionally signed).
    static func positions(_ item: String) throws(PromQLError) -> [Int64?] {
        func invalid() -> PromQLError { .execution("invalid start timestamp item \"\(item)\"") }
        if item == "_" { return [nil] }
        if item.hasPrefix("_x") {
            guard let count = Int(item.dropFirst(2)), count >= 0 else { throw invalid() }
            return Array(repeating: nil, count: count)
        }
        var body = Substring(item)
        var sign: Int64 = 1
        if let first = body.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            body = body.dropFirst()
        }
        var repeats: Int?
        if let x = body.lastIndex(of: "x") {
            guard let count = Int(body[body.index(after: x)...]), count >= 0 else { throw invalid() }
            repeats = count
            body = body[..<x]
        }
        var step: Int64 = 0
        if let operatorIndex = body.firstIndex(where: { $0 == "+" || $0 == "-" }) {
            guard repeats != nil, let magnitude = PromQLTestScript.duration(String(body[body.index(after: operatorIndex)...])) else {
                throw invalid()
            }
            step = body[operatorIndex] == "-" ? -magnitude : magnitude
            body = body[..<operatorIndex]
        }
        guard let start = PromQLTestScript.duration(String(body)) else { throw invalid() }
        let first = sign * start
        return (0...(repeats ?? 0)).map { first + Int64($0) * step }
    }
}
