import Foundation
import Model
import Testing
@testable import Rules

/// The rule files of `PromtoolDifferentialTests`: each must get the same verdict (and, when
/// valid, the same rule count) from Pharos and from the real `promtool check rules`.
/// Only what Prometheus 2.42 (the installed promtool) has: no group `labels`/`query_offset`,
/// legacy names, no PromQL added after 2.42.
enum DifferentialCorpus {
    static let files: [(name: String, text: String)] = [
        ("empty", ""),
        ("comment-only", "# nothing here\n"),
        ("no-groups", "groups: []\n"),
        ("one-record", "groups:\n- name: a\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n"),
        ("alert-full", """
            groups:
              - name: alerts
                interval: 1m
                limit: 5
                rules:
                  - alert: InstanceDown
                    expr: up == 0
                    for: 5m
                    keep_firing_for: 10m
                    labels: {severity: page}
                    annotations:
                      summary: "{{ $labels.instance }} of {{ $labels.job }} is down"
                      description: "value {{ $value | humanize }} at {{ $externalURL }}"
            """),
        ("many-groups", """
            groups:
              - name: a
                rules:
                  - {record: "a:b", expr: "rate(x[5m])"}
                  - {record: "a:c", expr: "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))"}
              - name: b
                rules:
                  - {alert: B, expr: "absent(up{job=\\"x\\"})"}
                  - {alert: C, expr: "x offset 5m @ 100 > bool 1"}
                  - {record: "d", expr: "max_over_time(x[1h:5m])"}
            """),
        ("range-result-accepted", "groups:\n- name: a\n  rules:\n  - record: r\n    expr: foo[5m]\n"),
        ("string-result-accepted", "groups:\n- name: a\n  rules:\n  - alert: s\n    expr: '\"text\"'\n"),
        ("null-group-fields", "groups:\n- name: a\n  interval:\n  rules:\n"),
        ("unclosed-paren", "groups:\n- name: a\n  rules:\n  - record: x\n    expr: sum(up\n"),
        ("unknown-function", "groups:\n- name: a\n  rules:\n  - record: x\n    expr: nosuch(up)\n"),
        ("type-error", "groups:\n- name: a\n  rules:\n  - record: x\n    expr: rate(up)\n"),
        ("empty-expr", "groups:\n- name: a\n  rules:\n  - record: x\n"),
        ("record-and-alert", "groups:\n- name: a\n  rules:\n  - {record: x, alert: y, expr: up}\n"),
        ("neither", "groups:\n- name: a\n  rules:\n  - expr: up\n"),
        ("for-on-record", "groups:\n- name: a\n  rules:\n  - {record: x, expr: up, for: 1m}\n"),
        ("keep-firing-on-record", "groups:\n- name: a\n  rules:\n  - {record: x, expr: up, keep_firing_for: 1m}\n"),
        ("annotations-on-record", "groups:\n- name: a\n  rules:\n  - {record: x, expr: up, annotations: {a: b}}\n"),
        ("bad-record-name", "groups:\n- name: a\n  rules:\n  - {record: 'x-y', expr: up}\n"),
        ("braces-in-record", "groups:\n- name: a\n  rules:\n  - {record: 'x{a=\"b\"}', expr: up}\n"),
        ("bad-label-name", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, labels: {'a-b': c}}\n"),
        ("name-label", "groups:\n- name: a\n  rules:\n  - {record: x, expr: up, labels: {__name__: c}}\n"),
        ("bad-annotation-name", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, annotations: {'a b': c}}\n"),
        ("bad-template", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, annotations: {a: '{{ .Labels '}}\n"),
        ("undefined-template-function", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, labels: {a: '{{ nosuch }}'}}\n"),
        ("undefined-variable", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, labels: {a: '{{ $nosuch }}'}}\n"),
        ("template-in-record-labels", "groups:\n- name: a\n  rules:\n  - {record: x, expr: up, labels: {a: '{{ '}}\n"),
        ("empty-group-name", "groups:\n- name: ''\n  rules: []\n"),
        ("repeated-group", "groups:\n- name: a\n  rules: []\n- name: a\n  rules: []\n"),
        ("unknown-group-key", "groups:\n- name: a\n  foo: 1\n  rules: []\n"),
        ("unknown-rule-key", "groups:\n- name: a\n  rules:\n  - {record: x, expr: up, bar: 1}\n"),
        ("unknown-top-key", "groupz: []\n"),
        ("bad-duration", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, for: 5}\n"),
        ("bad-interval", "groups:\n- name: a\n  interval: soon\n  rules: []\n"),
        ("bad-limit", "groups:\n- name: a\n  limit: many\n  rules: []\n"),
        ("label-map-value", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, labels: {a: {b: c}}}\n"),
        ("repeated-key", "groups:\n- name: a\n  rules:\n  - record: x\n    record: y\n    expr: up\n"),
        ("sequence-root", "[1]\n"),
        ("scalar-groups", "groups: 3\n"),
        ("not-yaml", "groups: [\n"),
        ("tab-indent", "groups:\n\t- name: a\n"),
        ("duplicate-rules-are-lint-only", "groups:\n- name: a\n  rules:\n  - {record: x, expr: up}\n  - {record: x, expr: up}\n"),
        ("numbers-as-strings", "groups:\n- name: 1\n  rules:\n  - {alert: 2, expr: 3, labels: {a: 4}}\n"),
        ("promql-variety", """
            groups:
              - name: v
                rules:
                  - {record: a, expr: 'sum by (job) (rate(x[5m] offset 1h)) / on (job) group_left (team) max by (job, team) (y)'}
                  - {record: b, expr: 'topk(3, x) and on () vector(1)'}
                  - {record: c, expr: 'label_replace(x, "dst", "$1", "src", "(.*)")'}
                  - {record: d, expr: 'count_values("value", x)'}
                  - {record: e, expr: 'x @ start() unless x @ end()'}
                  - {record: f, expr: 'quantile_over_time(0.9, rate(x[1m])[10m:])'}
                  - {alert: g, expr: 'absent_over_time(x{a=~"b|c", d!="e"}[5m])'}
            """),
        ("bad-regex", "groups:\n- name: a\n  rules:\n  - {record: x, expr: 'x{a=~\"(\"}'}\n"),
        ("string-param-to-topk", "groups:\n- name: a\n  rules:\n  - {record: x, expr: 'topk(\"a\", x)'}\n"),
        ("wrong-arg-count", "groups:\n- name: a\n  rules:\n  - {record: x, expr: 'rate(x[5m], 1)'}\n"),
        ("binary-on-strings", "groups:\n- name: a\n  rules:\n  - {record: x, expr: '\"a\" + 1'}\n"),
        ("template-variety", """
            groups:
              - name: t
                rules:
                  - alert: T
                    expr: up == 0
                    labels:
                      upper: '{{ $labels.job | toUpper }}'
                    annotations:
                      a: '{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}'
                      b: '{{ humanizeDuration $value }} {{ printf "%.2f" $value }}'
                      c: '{{ with query "up" }}{{ . | first | value }}{{ end }}'
                      d: '{{ reReplaceAll "a(.*)" "$1" $labels.instance }}'
                      e: '{{ define "x" }}X{{ end }}{{ template "x" }}'
                      f: '{{ if gt $value 1.0 }}big{{ else }}small{{ end }}'
                      g: '{{ template "undefined" }}'
            """),
        ("template-stray-else", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, annotations: {a: '{{ else }}'}}\n"),
        ("template-unclosed-range", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, annotations: {a: '{{ range $labels }}'}}\n"),
        ("template-bad-pipeline", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, annotations: {a: '{{ | toUpper }}'}}\n"),
        ("alert-label-template-ok", "groups:\n- name: a\n  rules:\n  - {alert: x, expr: up, labels: {severity: '{{ if $value }}page{{ end }}'}}\n"),
    ]
}

/// The installed Prometheus 2.42 promtool.
private let promtoolPath = "/usr/bin/promtool"

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: promtoolPath), "needs promtool (apt-get install prometheus)"))
struct PromtoolDifferentialTests {
    struct Verdict: Equatable, CustomStringConvertible {
        var isValid: Bool
        var ruleCount: Int?
        var description: String { isValid ? "valid, \(ruleCount.map(String.init) ?? "?") rules" : "invalid" }
    }

    @Test(arguments: DifferentialCorpus.files.map(\.name))
    func agreesWithPromtool(name: String) throws {
        let text = try #require(DifferentialCorpus.files.first { $0.name == name }?.text)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("\(name).yml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))

        let theirs = try promtoolVerdict(path: path)
        let report = RulesCheck.check(file: path, scheme: .legacy, lint: .init(duplicateRules: false))
        let ours = Verdict(isValid: report.isValid, ruleCount: report.isValid ? report.ruleCount : nil)
        #expect(ours == theirs, "pharos: \(report.errors.map(\.description))")
    }

    private func promtoolVerdict(path: String) throws -> Verdict {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtoolPath)
        process.arguments = ["check", "rules", "--lint=none", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stdout = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { return Verdict(isValid: false, ruleCount: nil) }
        let count = stdout.split(separator: "\n").lazy
            .compactMap { line -> Int? in
                guard let range = line.range(of: "SUCCESS: ") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }.first
        return Verdict(isValid: true, ruleCount: count)
    }
}
