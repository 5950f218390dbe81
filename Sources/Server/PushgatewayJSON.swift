import Exposition
import Model
import Pushgateway

/// The `data` of the Pushgateway's `/api/v1/status` and `/api/v1/metrics` as its `api/v1/api.go`
/// marshals them: Go maps with sorted keys, times in RFC 3339, values as `fmt.Sprint` writes floats.
enum PushgatewayJSON {
    /// `{"build_information":{…},"flags":{…},"start_time":"…"}`.
    static func status(flags: [String: String], startTimeMs: Int64, into json: inout JSONWriter) {
        json.raw(#"{"build_information":"#)
        object(["branch": BuildInfo.branch, "buildDate": "", "buildUser": "", "goVersion": BuildInfo.toolchain,
                "revision": "", "version": BuildInfo.version], into: &json)
        json.raw(#","flags":"#)
        object(flags, into: &json)
        json.raw(#","start_time":"#)
        json.string(RFC3339.format(milliseconds: startTimeMs))
        json.byte("}")
    }

    /// One object per group: `labels`, `last_push_successful`, and per family name its
    /// `time_stamp`, `type`, `help` and `metrics`.
    static func groups(_ groups: [MetricGroup], into json: inout JSONWriter) {
        json.array(groups) { json, group in
            let labels = Dictionary(group.key.labels.map { label in (label.name, label.value) }, uniquingKeysWith: { _, last in last })
            var members: [(String, (inout JSONWriter) -> Void)] = [
                ("labels", { writer in object(labels, into: &writer) }),
                ("last_push_successful", { writer in writer.bool(group.lastPushSucceeded) }),
            ]
            for (name, timed) in group.allFamilies {
                members.append((name, { writer in family(timed, into: &writer) }))
            }
            json.byte("{")
            for (i, member) in members.sorted(by: { $0.0 < $1.0 }).enumerated() {
                if i > 0 { json.byte(",") }
                json.key(member.0)
                member.1(&json)
            }
            json.byte("}")
        }
    }

    private static func family(_ timed: MetricGroup.TimedFamily, into json: inout JSONWriter) {
        let family = timed.family
        json.raw(#"{"time_stamp":"#)
        json.string(RFC3339.format(milliseconds: timed.pushedAtMs))
        json.raw(#","type":"#)
        json.string(PushgatewayExposition.typeName(family.type).uppercased())
        if !family.help.isEmpty {
            json.raw(#","help":"#)
            json.string(family.help)
        }
        json.raw(#","metrics":"#)
        json.array(family.metric) { json, metric in
            var fields: [String: String] = [:]
            var maps: [String: [String: String]] = ["labels": Dictionary(metric.label.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })]
            switch family.type {
            case .summary:
                maps["quantiles"] = Dictionary(metric.summary.quantile.map { (float($0.quantile), float($0.value)) }, uniquingKeysWith: { $1 })
                fields["count"] = String(metric.summary.sampleCount)
                fields["sum"] = float(metric.summary.sampleSum)
            case .histogram, .gaugeHistogram:
                maps["buckets"] = Dictionary(metric.histogram.bucket.map { (float($0.upperBound), String($0.cumulativeCount)) }, uniquingKeysWith: { $1 })
                fields["count"] = String(metric.histogram.sampleCount)
                fields["sum"] = float(metric.histogram.sampleSum)
            case .counter: fields["value"] = float(metric.counter.value)
            case .gauge: fields["value"] = float(metric.gauge.value)
            case .untyped: fields["value"] = float(metric.untyped.value)
            }
            json.byte("{")
            let names = (Array(fields.keys) + Array(maps.keys)).sorted()
            for (i, name) in names.enumerated() {
                if i > 0 { json.byte(",") }
                json.key(name)
                if let map = maps[name] { object(map, into: &json) } else { json.string(fields[name] ?? "") }
            }
            json.byte("}")
        }
        json.byte("}")
    }

    private static func float(_ value: Double) -> String {
        var bytes: [UInt8] = []
        FloatFormatting.append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func object(_ map: [String: String], into json: inout JSONWriter) {
        json.byte("{")
        for (index, (key, value)) in map.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { json.byte(",") }
            json.key(key)
            json.string(value)
        }
        json.byte("}")
    }
}
