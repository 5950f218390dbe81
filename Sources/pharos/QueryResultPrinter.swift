import Exposition
import Foundation
import Model
import Server

/// Prints `pharos query` results byte for byte as `promtool query` does: `promql` is
/// client_golang's `String()` of the model value, `json` its `encoding/json` form.
struct QueryResultPrinter {
    /// promtool's `-o` values.
    enum Format: String, CaseIterable {
        case promql
        case json
    }

    let format: Format

    /// Prints a query or range query result.
    func print(_ result: QueryAPIClient.QueryResult) {
        switch format {
        case .promql: emit(Self.promQLText(result))
        case .json: emit(Self.json(result))
        }
    }

    /// Prints the label sets of a series query, one per line (`{a="1", b="2"}`).
    func print(labelSets: [[String: String]]) {
        switch format {
        case .promql: emit(labelSets.map { Self.labelSetText($0) + "\n" }.joined())
        case .json:
            var writer = JSONWriter()
            writer.array(labelSets) { writer, set in Self.object(set, into: &writer) }
            emit(String(decoding: writer.bytes, as: UTF8.self) + "\n")
        }
    }

    /// Prints label values, one per line.
    func print(labelValues: [String]) {
        switch format {
        case .promql: emit(labelValues.map { $0 + "\n" }.joined())
        case .json:
            var writer = JSONWriter()
            writer.strings(labelValues)
            emit(String(decoding: writer.bytes, as: UTF8.self) + "\n")
        }
    }

    private func emit(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    // MARK: promql

    /// `fmt.Println(value)` of client_golang's model value.
    static func promQLText(_ result: QueryAPIClient.QueryResult) -> String {
        switch result {
        case .vector(let samples):
            return samples.map { "\(metricText($0.metric)) => \(value($0.value.value)) @[\(seconds($0.value.milliseconds))]" }
                .joined(separator: "\n") + "\n"
        case .matrix(let series):
            return series.sorted { before($0.metric, $1.metric) }.map { stream in
                let points = (stream.values ?? []).map { "\(value($0.value)) @[\(seconds($0.milliseconds))]" }
                return metricText(stream.metric) + " =>\n" + points.joined(separator: "\n")
            }.joined(separator: "\n") + "\n"
        case .scalar(let point):
            return "scalar: \(value(point.value)) @[\(seconds(point.milliseconds))]\n"
        case .string(_, let text):
            return text + "\n"
        }
    }

    /// `model.Metric.String`: the name, then the other labels as `{a="1", b="2"}` sorted by
    /// their text; `{}` when there is nothing at all.
    static func metricText(_ metric: [String: String]) -> String {
        let name = metric["__name__"]
        let pairs = metric.filter { $0.key != "__name__" }.map { "\($0.key)=\($0.value.quotedForPromQL)" }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if pairs.isEmpty { return name ?? "{}" }
        return (name ?? "") + "{" + pairs.joined(separator: ", ") + "}"
    }

    /// `model.LabelSet.String`: every label, `__name__` included, sorted by its text.
    static func labelSetText(_ set: [String: String]) -> String {
        let pairs = set.map { "\($0.key)=\($0.value.quotedForPromQL)" }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return "{" + pairs.joined(separator: ", ") + "}"
    }

    /// `model.LabelSet.Before`: fewer labels first, then the first differing label in name
    /// order (a missing label sorts first, then by value).
    static func before(_ a: [String: String], _ b: [String: String]) -> Bool {
        if a.count != b.count { return a.count < b.count }
        let names = Set(a.keys).union(b.keys).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for name in names {
            guard let x = a[name] else { return true }
            guard let y = b[name] else { return false }
            if x.hasSameUTF8(as: y) { continue }
            return x.utf8.lexicographicallyPrecedes(y.utf8)
        }
        return false
    }

    // MARK: json

    /// `json.NewEncoder(os.Stdout).Encode(value)` of the model value.
    static func json(_ result: QueryAPIClient.QueryResult) -> String {
        var writer = JSONWriter()
        switch result {
        case .vector(let samples):
            writer.array(samples) { writer, sample in
                writer.byte("{")
                writer.key("metric")
                object(sample.metric, into: &writer)
                writer.byte(",")
                writer.key("value")
                pair(sample.value.milliseconds, sample.value.value, into: &writer)
                writer.byte("}")
            }
        case .matrix(let series):
            writer.array(series) { writer, stream in
                writer.byte("{")
                writer.key("metric")
                object(stream.metric, into: &writer)
                writer.byte(",")
                writer.key("values")
                writer.array(stream.values ?? []) { writer, point in pair(point.milliseconds, point.value, into: &writer) }
                writer.byte("}")
            }
        case .scalar(let point):
            pair(point.milliseconds, point.value, into: &writer)
        case .string(let t, let text):
            writer.byte("[")
            writer.raw(bytes: seconds(t).utf8)
            writer.byte(",")
            writer.string(text)
            writer.byte("]")
        }
        return String(decoding: writer.bytes, as: UTF8.self) + "\n"
    }

    /// A map as Go encodes it: keys in byte order.
    private static func object(_ map: [String: String], into writer: inout JSONWriter) {
        writer.byte("{")
        for (i, key) in map.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if i > 0 { writer.byte(",") }
            writer.key(key)
            writer.string(map[key] ?? "")
        }
        writer.byte("}")
    }

    /// `[<seconds>,"<value>"]`, `model.SamplePair`'s JSON.
    private static func pair(_ milliseconds: Int64, _ sample: Double, into writer: inout JSONWriter) {
        writer.byte("[")
        writer.raw(bytes: seconds(milliseconds).utf8)
        writer.byte(",")
        writer.string(value(sample))
        writer.byte("]")
    }

    /// `model.SampleValue.String`: Go's `FormatFloat(v, 'f', -1, 64)`.
    private static func value(_ v: Double) -> String { FloatFormatting.goFixed(v) }

    /// `model.Time.String`: seconds as Go's `FormatFloat(s, 'f', -1, 64)`.
    private static func seconds(_ milliseconds: Int64) -> String { QueryAPIClient.seconds(milliseconds) }
}
