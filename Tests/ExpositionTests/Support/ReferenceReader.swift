import Foundation

/// A deliberately naive, line-by-line reader of *valid* OpenMetrics text, written separately
/// from the parsers (Strings, `split`, `Double(String)`), to cross-check what they extract.
struct ReferenceSample: Equatable, CustomStringConvertible {
    var labels: [String: String]
    var value: Double
    var timestampMs: Int64?
    var exemplarLabels: [String: String]?
    var exemplarValue: Double?
    var exemplarTimestampMs: Int64?

    static func == (lhs: ReferenceSample, rhs: ReferenceSample) -> Bool {
        lhs.labels == rhs.labels && lhs.value.bitPattern == rhs.value.bitPattern && lhs.timestampMs == rhs.timestampMs
            && lhs.exemplarLabels == rhs.exemplarLabels
            && lhs.exemplarValue?.bitPattern == rhs.exemplarValue?.bitPattern
            && lhs.exemplarTimestampMs == rhs.exemplarTimestampMs
    }

    var description: String {
        "\(labels.sorted { $0.key < $1.key }) \(value) \(timestampMs.map(String.init) ?? "-") ex=\(exemplarLabels?.description ?? "-") \(exemplarValue.map { "\($0)" } ?? "-") \(exemplarTimestampMs.map(String.init) ?? "-")"
    }
}

enum ReferenceReader {
    static func samples(_ text: String) -> [ReferenceSample] {
        var samples: [ReferenceSample] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            var rest = Substring(line)
            let name = String(rest.prefix { $0 != "{" && $0 != " " })
            rest = rest.dropFirst(name.count)
            var labels = ["__name__": name]
            if rest.first == "{" {
                rest = readLabels(rest, into: &labels)
            }
            rest = rest.dropFirst()  // the space before the value
            var exemplarPart: Substring?
            if let marker = rest.range(of: " # ") {
                exemplarPart = rest[marker.upperBound...]
                rest = rest[..<marker.lowerBound]
            }
            let fields = rest.split(separator: " ")
            var sample = ReferenceSample(labels: labels.filter { !$0.value.isEmpty }, value: number(fields[0]))
            if fields.count > 1 { sample.timestampMs = milliseconds(fields[1]) }
            if var exemplar = exemplarPart {
                var exemplarLabels: [String: String] = [:]
                exemplar = readLabels(exemplar, into: &exemplarLabels).dropFirst()
                let exemplarFields = exemplar.split(separator: " ")
                sample.exemplarLabels = exemplarLabels.filter { !$0.value.isEmpty }
                sample.exemplarValue = number(exemplarFields[0])
                if exemplarFields.count > 1 { sample.exemplarTimestampMs = milliseconds(exemplarFields[1]) }
            }
            samples.append(sample)
        }
        return samples
    }

    /// Reads `{a="b",...}` at the start of `text`; returns what follows the closing brace.
    private static func readLabels(_ text: Substring, into labels: inout [String: String]) -> Substring {
        var characters = Array(text.dropFirst())
        var index = 0
        while index < characters.count, characters[index] != "}" {
            var name = ""
            while characters[index] != "=" { name.append(characters[index]); index += 1 }
            index += 2  // `="`
            var value = ""
            while characters[index] != "\"" {
                if characters[index] == "\\" {
                    let next = characters[index + 1]
                    switch next {
                    case "n": value.append("\n")
                    case "\\", "\"": value.append(next)
                    default: value.append("\\"); value.append(next)
                    }
                    index += 2
                } else {
                    value.append(characters[index])
                    index += 1
                }
            }
            index += 1  // closing quote
            labels[name] = value
            if characters[index] == "," { index += 1 }
        }
        characters.removeFirst(index + 1)
        return Substring(String(characters))
    }

    private static func number(_ text: Substring) -> Double {
        Double(text) ?? .nan
    }

    private static func milliseconds(_ text: Substring) -> Int64 {
        let seconds = Double(text) ?? 0
        let ms = seconds * 1000
        if ms >= 9.2e18 { return .max }
        return Int64(ms)
    }
}
