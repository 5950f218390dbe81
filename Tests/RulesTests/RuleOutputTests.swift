import Model
import Template
import Testing
@testable import Rules

@Suite struct RuleOutputTests {
    static let result = [
        RuleResultSample(labels: Labels(["__name__": "http_requests", "job": "api", "instance": "a"]), value: 75),
        RuleResultSample(labels: Labels(["__name__": "http_requests", "job": "api", "instance": "b"]), value: 5),
    ]

    @Test func recordingRuleRenamesAndLabelsSeries() throws {
        let series = try RuleOutput.recordedSeries(Self.result, record: "job:http:sum", labels: ["team": "web", "job": "api2"])
        #expect(series == [
            RuleResultSample(labels: Labels(["__name__": "job:http:sum", "job": "api2", "instance": "a", "team": "web"]), value: 75),
            RuleResultSample(labels: Labels(["__name__": "job:http:sum", "job": "api2", "instance": "b", "team": "web"]), value: 5),
        ])
    }

    @Test func recordingRuleRefusesCollidingSeriesAndTheLimit() {
        #expect(throws: RulesError.evaluation(rule: "r", message: "vector contains metrics with the same labelset after applying rule labels")) {
            try RuleOutput.recordedSeries(Self.result, record: "r", labels: ["instance": ""])
        }
        #expect(throws: RulesError.evaluation(rule: "r", message: "exceeded limit of 1 with 2 series")) {
            try RuleOutput.recordedSeries(Self.result, record: "r", labels: [:], limit: 1)
        }
        #expect(throws: Never.self) { try RuleOutput.recordedSeries(Self.result, record: "r", labels: [:], limit: 2) }
    }

    @Test func alertCandidatesExpandLabelsAndAnnotations() {
        let candidates = RuleOutput.alertCandidates(
            Self.result, alertName: "HighRate",
            templates: AlertRuleTemplates(
                alertName: "HighRate",
                labels: ["severity": "{{ if gt $value 50.0 }}page{{ else }}ticket{{ end }}", "job": ""],
                annotations: ["summary": "{{ $labels.instance }} at {{ $value }} ({{ $externalLabels.cluster }})", "broken": "{{ .Nope.Deeper }}"]),
            externalLabels: Labels(["cluster": "eu"]), context: PrometheusTemplateContext())
        #expect(candidates.map(\.labels) == [
            Labels(["alertname": "HighRate", "instance": "a", "severity": "page"]),
            Labels(["alertname": "HighRate", "instance": "b", "severity": "ticket"]),
        ])
        #expect(candidates.map { $0.annotations["summary"] } == ["a at 75 (eu)", "b at 5 (eu)"])
        #expect(candidates.first?.annotations["broken"]?.hasPrefix("<error expanding template: ") == true)
        #expect(candidates.map(\.value) == [75, 5])
    }
}
