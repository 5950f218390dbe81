import CompressNIO
import Exposition
import Foundation
import NIOCore
import NIOHTTP1
import PharosTestSupport
import SwiftProtobuf

/// One request of a push sequence.
struct PushRequest: Sendable, CustomStringConvertible {
    var method: HTTPMethod
    var path: String
    var headers: [(String, String)] = []
    var body: [UInt8] = []

    var description: String { "\(method) \(path) \(headers) \(String(decoding: body, as: UTF8.self).debugDescription)" }

    /// Sends the request to the server at `base`.
    func send(to base: String) async throws -> HTTPReply {
        try await PushHTTP.send(base + path, method: method, headers: headers, body: method == .DELETE ? nil : body)
    }
}

/// A deterministic sequence of pushes and deletes, valid and invalid, for the differential test:
/// PUT/POST/DELETE over a few grouping keys (plain, `@base64`, empty values), text and protobuf
/// bodies, gzip, type conflicts, duplicate series within a body and across groups, timestamps,
/// syntax errors and malformed paths.
enum PushSequence {
    /// Grouping-key paths; `x/y` and the empty value only work base64-encoded.
    static let groupPaths = [
        "/metrics/job/batch", "/metrics/job/batch/instance/a", "/metrics/job/batch/instance/b",
        "/metrics/job/cron/path@base64/L3Zhci90bXA", "/metrics/job@base64/Y3Jvbg==/shard/1",
        "/metrics/job/cron/empty@base64/=", "/metrics/job/other/zone/",
    ]

    /// No invalid base64 job name: upstream 1.5.1 returns without unlocking the handler's mutex
    /// then (`handler/push.go`), and every later push to `/metrics/job@base64/…` with that
    /// method hangs.
    static let badPaths = [
        "/metrics/job/batch/instance", "/metrics/job/batch/__reserved/x", "/metrics/job/batch/1abc/x",
        "/metrics/job/batch/a@base64/a+b", "/metrics/job@base64/=", "/metrics/job/batch/a-b/c",
    ]

    static func make(count: Int, seed: UInt64) -> [PushRequest] {
        var random = SeededGenerator(seed: seed)
        var requests: [PushRequest] = []
        while requests.count < count {
            let path = groupPaths.randomElement(using: &random)!
            let roll = Int.random(in: 0..<100, using: &random)
            switch roll {
            case 0..<8:
                requests.append(PushRequest(method: .DELETE, path: path))
            case 8..<12:
                requests.append(PushRequest(method: .PUT, path: badPaths.randomElement(using: &random)!, body: Array("g 1\n".utf8)))
            case 12..<20:
                requests.append(PushRequest(method: .POST, path: path, headers: protobufHeaders, body: protobufBody(&random)))
            case 20..<26:
                var request = PushRequest(method: .PUT, path: path, body: textBody(&random))
                request.headers = [("Content-Encoding", "gzip")]
                request.body = gzip(request.body)
                requests.append(request)
            case 26..<28:
                requests.append(PushRequest(method: .PUT, path: path, headers: [("Content-Encoding", "gzip")], body: Array("g 1\n".utf8)))
            default:
                requests.append(PushRequest(method: Bool.random(using: &random) ? .PUT : .POST, path: path, body: textBody(&random)))
            }
        }
        return requests
    }

    /// A text body of a few families, sometimes with a deliberate problem.
    static func textBody(_ random: inout SeededGenerator) -> [UInt8] {
        var text = ""
        let value = { (random: inout SeededGenerator) in String(Int.random(in: 0..<1000, using: &random)) }
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            switch Int.random(in: 0..<12, using: &random) {
            case 0:
                text += "# HELP requests_total Requests served.\n# TYPE requests_total counter\n"
                text += "requests_total{code=\"200\"} \(value(&random))\nrequests_total{code=\"500\"} \(value(&random))\n"
            case 1:
                text += "# TYPE temperature gauge\ntemperature{room=\"kitchen\"} \(value(&random)).5\n"
            case 2:
                text += "# HELP latency_seconds Latency.\n# TYPE latency_seconds summary\n"
                text += "latency_seconds{quantile=\"0.5\"} 0.\(value(&random))\nlatency_seconds{quantile=\"0.9\"} 1.5\n"
                text += "latency_seconds_sum 17.25\nlatency_seconds_count \(value(&random))\n"
            case 3:
                text += "# TYPE size_bytes histogram\nsize_bytes_bucket{le=\"0.1\"} 1\nsize_bytes_bucket{le=\"1.0\"} 4\n"
                text += "size_bytes_bucket{le=\"+Inf\"} 9\nsize_bytes_sum 12.5\nsize_bytes_count 9\n"
            case 4:
                text += "untyped_thing \(value(&random))\nuntyped_thing{kind=\"x\\\"y\"} 1e-07\n"
            case 5:
                text += "# TYPE jobs counter\njobs \(value(&random))\n"
            case 6:  // type conflict with the gauge above, across groups or within the group
                text += "# TYPE temperature counter\ntemperature{room=\"kitchen\"} 3\n"
            case 7:  // a series with the labels another group's key gives it
                text += "clash{instance=\"a\"} 1\n"
            case 8:
                text += "clash 2\n"
            case 9:
                text += "stamped \(value(&random)) 1700000000000\n"
            case 10:
                text += ["broken{ 1\n", "broken 1 2 3\n", "broken abc\n", "# TYPE broken nonsense\n"].randomElement(using: &random)!
            default:
                text += "dup_series 1\ndup_series 2\n"
            }
        }
        return Array(text.utf8)
    }

    static let protobufHeaders = [("Content-Type", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited")]

    /// A delimited protobuf body: a gauge with a summary, a histogram without its `+Inf` bucket
    /// or a timestamped counter, or bytes that are not protobuf.
    static func protobufBody(_ random: inout SeededGenerator) -> [UInt8] {
        if Int.random(in: 0..<6, using: &random) == 0 { return [0x0A, 0xFF, 0x01, 0x02] }
        let gauge = family("proto_gauge", .gauge, help: "A gauge pushed as protobuf.") { metric in
            var label = Io_Prometheus_Client_LabelPair()
            label.name = "mode"
            label.value = ["idle", "busy"].randomElement(using: &random)!
            metric.label = [label]
            metric.gauge.value = Double(Int.random(in: 0..<100, using: &random)) / 4
        }
        let summary = family("proto_summary", .summary) { metric in
            metric.summary.sampleCount = 7
            metric.summary.sampleSum = 3.5
            var quantile = Io_Prometheus_Client_Quantile()
            quantile.quantile = 0.99
            quantile.value = 0.25
            metric.summary.quantile = [quantile]
        }
        let histogram = family("proto_histogram", .histogram) { metric in
            metric.histogram.sampleCount = 5
            metric.histogram.sampleSum = 2.5
            metric.histogram.bucket = [0.25, 2].map { bound in
                var bucket = Io_Prometheus_Client_Bucket()
                bucket.upperBound = bound
                bucket.cumulativeCount = bound < 1 ? 1 : 3
                return bucket
            }
        }
        let stamped = family("proto_stamped", .counter) { metric in
            metric.counter.value = 1
            metric.timestampMs = 1_700_000_000_000
        }
        var out: [UInt8] = []
        for family in [[gauge, summary], [histogram], [gauge, stamped]].randomElement(using: &random)! {
            let bytes: [UInt8] = (try? family.serializedBytes()) ?? []
            var length = UInt64(bytes.count)
            while length >= 0x80 { out.append(UInt8(truncatingIfNeeded: length) | 0x80); length >>= 7 }
            out.append(UInt8(length))
            out += bytes
        }
        return out
    }

    /// A family of one metric that `fill` sets up.
    private static func family(_ name: String, _ type: Io_Prometheus_Client_MetricType, help: String? = nil,
                               _ fill: (inout Io_Prometheus_Client_Metric) -> Void) -> Io_Prometheus_Client_MetricFamily {
        var family = Io_Prometheus_Client_MetricFamily()
        family.name = name
        family.type = type
        if let help { family.help = help }
        var metric = Io_Prometheus_Client_Metric()
        fill(&metric)
        family.metric = [metric]
        return family
    }

    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        return (try? Array(buffer.compress(with: .gzip()).readableBytesView)) ?? []
    }

    /// A `/metrics` body reduced to what both gateways must agree on: the pushed families and
    /// the `push_*` gauges (the real one's `go_*`, `process_*`, `pushgateway_*` and `promhttp_*`
    /// families dropped), with each `push_*` value reduced to whether it is zero.
    static func comparable(_ metrics: String) -> String {
        var kept: [String] = []
        for line in metrics.split(separator: "\n") {
            let name = line.hasPrefix("# ") ? String(line.split(separator: " ").dropFirst(2).first ?? "") : String(line.prefix { $0 != "{" && $0 != " " })
            if ["go_", "process_", "pushgateway_", "promhttp_"].contains(where: { name.hasPrefix($0) }) { continue }
            if !line.hasPrefix("#"), name.hasPrefix("push_"), let space = line.lastIndex(of: " ") {
                kept.append(line[..<space] + (line[line.index(after: space)...] == "0" ? " 0" : " <time>"))
            } else {
                kept.append(String(line))
            }
        }
        return kept.joined(separator: "\n")
    }
}

extension PushSequence {
    /// An `/api/v1/metrics` answer reduced to what both gateways must agree on: groups sorted by
    /// their labels, without `time_stamp`s, each `push_*` value reduced to whether it is zero.
    static func comparableGroups(_ json: String) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let groups = object?["data"] as? [[String: Any]] ?? []
        return try groups.map { group in
            var group = group
            for (name, value) in group {
                guard var family = value as? [String: Any] else { continue }
                family["time_stamp"] = nil
                if name.hasPrefix("push_"), var metrics = family["metrics"] as? [[String: Any]] {
                    for i in metrics.indices { metrics[i]["value"] = metrics[i]["value"] as? String == "0" ? "0" : "<time>" }
                    family["metrics"] = metrics
                }
                group[name] = family
            }
            return String(decoding: try JSONSerialization.data(withJSONObject: group, options: [.sortedKeys]), as: UTF8.self)
        }.sorted()
    }
}
