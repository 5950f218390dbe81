import Foundation
import PharosTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import Model

/// Target relabeling compared with a real Prometheus (Debian's 2.42): each case becomes a
/// scrape job whose single static target carries the case's labels; Prometheus's
/// `/api/v1/targets` then shows what it made of them (`labels`, or the target among
/// `droppedTargets`), and Pharos must make the same of the same discovered labels.
///
/// Only legacy names appear (2.42 predates UTF-8 names), and every case keeps `__address__`
/// (a target without one is an error, not a result).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus"), "needs Debian's prometheus"))
struct RelabelPrometheusTests {
    struct Case {
        let labels: [String: String]
        let steps: [(yaml: String, config: RelabelConfig)]
    }

    static let cases: [Case] = [
        Case(labels: ["a": "foo", "b": "bar"], steps: [
            ("{source_labels: [a], regex: 'f(.*)', target_label: d, replacement: 'ch${1}-ch${1}'}",
             .init(sourceLabels: ["a"], regex: "f(.*)", targetLabel: "d", replacement: "ch${1}-ch${1}")),
        ]),
        Case(labels: ["a": "foo", "b": "bar"], steps: [
            ("{source_labels: [a, b], regex: 'f(.*);(.*)r', target_label: a, replacement: 'b${1}${2}m'}",
             .init(sourceLabels: ["a", "b"], regex: "f(.*);(.*)r", targetLabel: "a", replacement: "b${1}${2}m")),
            ("{source_labels: [a], regex: '(b)(.*)', target_label: 'x_$1', replacement: '$2$1x$$'}",
             .init(sourceLabels: ["a"], regex: "(b)(.*)", targetLabel: "x_$1", replacement: "$2$1x$$")),
        ]),
        Case(labels: ["a": "foo"], steps: [
            ("{source_labels: [a], regex: '.*o.*', action: drop}", .init(sourceLabels: ["a"], regex: ".*o.*", action: .drop)),
        ]),
        Case(labels: ["a": "foo"], steps: [
            ("{source_labels: [a], regex: 'f|o', action: drop}", .init(sourceLabels: ["a"], regex: "f|o", action: .drop)),
        ]),
        Case(labels: ["a": "foo"], steps: [
            ("{source_labels: [a], regex: 'no-match', action: keep}", .init(sourceLabels: ["a"], regex: "no-match", action: .keep)),
        ]),
        Case(labels: ["a": "boo", "f": "baz"], steps: [
            ("{source_labels: [a], regex: '(b).*', target_label: 'f', replacement: '$2'}",
             .init(sourceLabels: ["a"], regex: "(b).*", targetLabel: "f", replacement: "$2")),
            ("{source_labels: [a], regex: 'f', target_label: 'g', replacement: 'never'}",
             .init(sourceLabels: ["a"], regex: "f", targetLabel: "g", replacement: "never")),
        ]),
        Case(labels: ["v1": "baz", "v2": "foo\nbar", "v3": "10.132.183.40:80", "v4": "ünïcödé"], steps: [
            ("{source_labels: [v1], modulus: 1000, target_label: h1, action: hashmod}",
             .init(sourceLabels: ["v1"], modulus: 1000, targetLabel: "h1", action: .hashmod)),
            ("{source_labels: [v2], modulus: 1000, target_label: h2, action: hashmod}",
             .init(sourceLabels: ["v2"], modulus: 1000, targetLabel: "h2", action: .hashmod)),
            ("{source_labels: [v3], modulus: 3, target_label: h3, action: hashmod}",
             .init(sourceLabels: ["v3"], modulus: 3, targetLabel: "h3", action: .hashmod)),
            ("{source_labels: [v4, v1], modulus: 1000003, target_label: h4, action: hashmod}",
             .init(sourceLabels: ["v4", "v1"], modulus: 1_000_003, targetLabel: "h4", action: .hashmod)),
            ("{source_labels: [__address__], modulus: 18446744073709551615, target_label: h5, action: hashmod}",
             .init(sourceLabels: ["__address__"], modulus: .max, targetLabel: "h5", action: .hashmod)),
        ]),
        Case(labels: ["__meta_my_bar": "aaa", "__meta_my_baz": "bbb", "__meta_other": "ccc", "b1": "x"], steps: [
            ("{regex: '__meta_(my.*)', replacement: '${1}', action: labelmap}",
             .init(regex: "__meta_(my.*)", replacement: "${1}", action: .labelmap)),
            ("{regex: '(b.*)', replacement: 'bar_${1}', action: labelmap}",
             .init(regex: "(b.*)", replacement: "bar_${1}", action: .labelmap)),
        ]),
        Case(labels: ["a": "foo", "b1": "bar", "b2": "baz"], steps: [
            ("{regex: 'b.*', action: labeldrop}", .init(regex: "b.*", action: .labeldrop)),
        ]),
        Case(labels: ["a": "foo", "b1": "bar", "b2": "baz"], steps: [
            ("{regex: 'b.*|__.*|job', action: labelkeep}", .init(regex: "b.*|__.*|job", action: .labelkeep)),
        ]),
        Case(labels: ["foo": "bAr123Foo Straße"], steps: [
            ("{source_labels: [foo], target_label: up, action: uppercase}",
             .init(sourceLabels: ["foo"], targetLabel: "up", action: .uppercase)),
            ("{source_labels: [foo], target_label: low, action: lowercase}",
             .init(sourceLabels: ["foo"], targetLabel: "low", action: .lowercase)),
        ]),
        Case(labels: ["p": "1234", "q": "1234", "r": "5678"], steps: [
            ("{source_labels: [p], target_label: q, action: keepequal}", .init(sourceLabels: ["p"], targetLabel: "q", action: .keepequal)),
            ("{source_labels: [p], target_label: r, action: dropequal}", .init(sourceLabels: ["p"], targetLabel: "r", action: .dropequal)),
        ]),
        Case(labels: ["p": "1234", "r": "5678"], steps: [
            ("{source_labels: [p], target_label: r, action: keepequal}", .init(sourceLabels: ["p"], targetLabel: "r", action: .keepequal)),
        ]),
        // No `.` against a newline here: 2.x compiled relabel regexes without `(?s)`; 3.x (and
        // Pharos) let `.` match `\n` (see `RelabelerTests`' "dot matches newline").
        Case(labels: ["a": "line1 line2"], steps: [
            ("{source_labels: [a], regex: 'line1.*line2', target_label: d, replacement: 'match${1}'}",
             .init(sourceLabels: ["a"], regex: "line1.*line2", targetLabel: "d", replacement: "match${1}")),
            ("{source_labels: [a, missing], regex: '(?i)LINE1(.*);', target_label: e, replacement: '[$1]'}",
             .init(sourceLabels: ["a", "missing"], regex: "(?i)LINE1(.*);", targetLabel: "e", replacement: "[$1]")),
            ("{source_labels: [a], regex: '(?P<first>\\w+) (\\w+)', target_label: '${2}_x', replacement: '$first-$1x-${1}x'}",
             .init(sourceLabels: ["a"], regex: "(?P<first>\\w+) (\\w+)", targetLabel: "${2}_x", replacement: "$first-$1x-${1}x")),
        ]),
        Case(labels: ["a": "x"], steps: [
            ("{target_label: env, replacement: prod}", .init(targetLabel: "env", replacement: "prod")),
            ("{source_labels: [a], target_label: instance, replacement: 'inst-$1'}",
             .init(sourceLabels: ["a"], targetLabel: "instance", replacement: "inst-$1")),
        ]),
    ]

    @Test func targetRelabelingMatchesPrometheus() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-relabel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var yaml = "global: {scrape_interval: 1h, scrape_timeout: 10s}\nscrape_configs:\n"
        for (index, testCase) in Self.cases.enumerated() {
            yaml += "- job_name: case\(index)\n  static_configs:\n  - targets: ['127.0.0.1:9']\n    labels:\n"
            for (name, value) in testCase.labels.sorted(by: { $0.key < $1.key }) {
                yaml += "      \(name): \(Self.yamlQuoted(value))\n"
            }
            yaml += "  relabel_configs:\n"
            for step in testCase.steps { yaml += "  - \(step.yaml)\n" }
        }
        let configFile = directory.appendingPathComponent("prometheus.yml")
        try yaml.write(to: configFile, atomically: true, encoding: .utf8)

        let port = try Daemon.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = [
            "--config.file=\(configFile.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=error",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }

        // Discovery results reach the target list after Prometheus's 5 s update throttle: poll
        // the API (bounded) until every job is listed, active or dropped.
        var targets: [String: Any] = [:]
        for _ in 0..<120 {
            if let body = try? await Self.get("http://127.0.0.1:\(port)/api/v1/targets?state=any"),
                let json = try JSONSerialization.jsonObject(with: body) as? [String: Any],
                let data = json["data"] as? [String: Any], Self.jobs(in: data).count == Self.cases.count
            {
                targets = data
                break
            }
            try await Task.sleep(for: .milliseconds(250))  // polling interval, not synchronisation
        }
        try #require(!targets.isEmpty, "prometheus did not list the targets")

        let active = (targets["activeTargets"] as? [[String: Any]]) ?? []
        let dropped = (targets["droppedTargets"] as? [[String: Any]]) ?? []
        for (index, testCase) in Self.cases.enumerated() {
            let job = "case\(index)"
            let activeTarget = active.first { $0["scrapePool"] as? String == job }
            let droppedTarget = dropped.first { ($0["discoveredLabels"] as? [String: String])?["job"] == job }
            guard activeTarget != nil || droppedTarget != nil else {
                Issue.record("\(job) missing from prometheus's targets")
                continue
            }
            // The input is rebuilt from the configuration: 2.42's API shows some active targets'
            // `discoveredLabels` already relabeled (its builder wrote through to them).
            var discovered = testCase.labels
            discovered["job"] = job
            discovered["__address__"] = "127.0.0.1:9"
            discovered["__scheme__"] = "http"
            discovered["__metrics_path__"] = "/metrics"
            discovered["__scrape_interval__"] = "1h"
            discovered["__scrape_timeout__"] = "10s"
            let relabeler = try Relabeler(testCase.steps.map(\.config), scheme: .legacy)
            let ours = relabeler.process(Labels(discovered.map { Label(name: $0.key, value: $0.value) }))
            guard let ours else {
                #expect(droppedTarget != nil, "\(job): pharos drops, prometheus keeps")
                continue
            }
            // What Prometheus shows for an active target: `__` labels removed, `instance`
            // defaulted to the address.
            var expected = [String: String]()
            for label in ours where !label.name.hasPrefix("__") { expected[label.name] = label.value }
            if expected["instance"] == nil { expected["instance"] = ours["__address__"] }
            #expect(activeTarget?["labels"] as? [String: String] == expected, "\(job)")
        }
    }

    private static func jobs(in data: [String: Any]) -> Set<String> {
        var jobs = Set<String>()
        for target in (data["activeTargets"] as? [[String: Any]]) ?? [] {
            if let pool = target["scrapePool"] as? String { jobs.insert(pool) }
        }
        for target in (data["droppedTargets"] as? [[String: Any]]) ?? [] {
            if let job = (target["discoveredLabels"] as? [String: String])?["job"] { jobs.insert(job) }
        }
        return jobs
    }

    private static func yamlQuoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func get(_ url: String) async throws -> Data {
        guard let url = URL(string: url) else { throw URLError(.badURL) }
        let (data, _) = try await URLSession.shared.data(from: url)
        return data
    }
}
