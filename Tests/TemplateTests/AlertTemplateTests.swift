import Model
import Testing

@testable import Template

/// Alert annotations expand as in Prometheus (`rules/alerting.go` prelude, `missingkey=zero`,
/// `<error expanding template: …>`), including the examples of Prometheus's
/// `docs/configuration/template_examples.md` and `alerting_rules.md`.
@Suite struct AlertTemplateTests {
    static let labels = Labels(["__name__": "up", "instance": "web-1:9100", "job": "node"])
    static let external = Labels(["region": "eu-west"])
    static let context = PrometheusTemplateContext(externalURL: "https://prom.example.com/prometheus", timestampMs: 1_700_000_000_123)

    func expand(_ text: String, value: Double = 0.5, query: [QueryResultSample] = []) -> String {
        var context = Self.context
        context.query = { _ in query }
        return ParsedAlertTemplate(text, alertName: "InstanceDown").expandOrDescribeError(
            labels: Self.labels, externalLabels: Self.external, value: value, externalURL: context.externalURL,
            functions: PrometheusTemplateFunctions.functions(context))
    }

    @Test func documentationExamples() {
        #expect(expand("{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 5 minutes.")
            == "web-1:9100 of job node has been down for more than 5 minutes.")
        #expect(expand("{{ $labels.instance }} has a median request latency above 1s (current value: {{ $value }}s)", value: 1.25)
            == "web-1:9100 has a median request latency above 1s (current value: 1.25s)")
        #expect(expand("{{ $value | humanize }} | {{ humanizePercentage $value }} | {{ $value | humanizeDuration }}", value: 1234567)
            == "1.235M | 1.235e+08% | 14d 6h 56m 7s")
        #expect(expand("{{ .Labels.job }}/{{ $externalLabels.region }}/{{ $externalURL }}/{{ .ExternalURL }}")
            == "node/eu-west/https://prom.example.com/prometheus/https://prom.example.com/prometheus")
        #expect(expand("[{{ $labels.nope }}][{{ $externalLabels.nope }}]") == "[][]")
        #expect(expand("{{ if gt $value 80.0 }}high{{ else }}ok{{ end }}", value: 95) == "high")
        #expect(expand("{{ $value }}", value: 1234567) == "1.234567e+06")
        // 1700000000.123 × 1e9 rounds down in float64 (as in Go), so milliseconds read .122.
        #expect(expand("{{ now | humanizeTimestamp }} {{ pathPrefix }}") == "2023-11-14 22:13:20.122 +0000 UTC /prometheus")
        let up = [
            QueryResultSample(labels: Labels(["__name__": "up", "instance": "b"]), value: 0),
            QueryResultSample(labels: Labels(["__name__": "up", "instance": "a"]), value: 1),
        ]
        #expect(expand("{{ with query \"some_metric{instance='someinstance'}\" }}{{ . | first | value | humanize }}{{ end }}", query: up)
            == "0")
        #expect(expand("{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Labels.instance }} {{ .Value }};{{ end }}", query: up)
            == "a 1;b 0;")
        #expect(expand("{{ with query \"x\" }}{{ . | first }}{{ else }}none{{ end }}") == "none")
    }

    @Test func errorsBecomeTheAnnotation() {
        let column = AlertTemplate.prelude.utf8.count + 3
        #expect(expand("{{ .Foo }}") == "<error expanding template: error executing template __alert_InstanceDown: template: "
            + "__alert_InstanceDown:1:\(column): executing \"__alert_InstanceDown\" at <.Foo>: can't evaluate field Foo in type "
            + "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }>")
        #expect(expand("{{ .Value.x }}{{ $value.x }}").hasSuffix("at <.Value.x>: can't evaluate field x in type interface {}>"))
        #expect(expand("{{ $value.x }}").hasSuffix("at <$value.x>: can't evaluate field x in type float64>"))
        #expect(expand("line\n{{ if }}") == "<error expanding template: error parsing template __alert_InstanceDown: "
            + "template: __alert_InstanceDown:2: missing value for if>")
        #expect(expand("{{ reReplaceAll \"(\" \"\" \"x\" }}").hasPrefix(
            "<error expanding template: error executing template __alert_InstanceDown: template: __alert_InstanceDown:1:"))
        #expect(expand("{{ reReplaceAll \"(\" \"\" \"x\" }}").contains("error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp:"))
    }

    @Test func queryErrorsAreReported() {
        struct Boom: Error, CustomStringConvertible { var description: String { "engine unavailable" } }
        var context = Self.context
        context.query = { _ in throw Boom() }
        let text = ParsedAlertTemplate("{{ query \"up\" }}", alertName: "A").expandOrDescribeError(
            labels: Labels(), externalLabels: Labels(), value: 0, externalURL: "", functions: PrometheusTemplateFunctions.functions(context))
        #expect(text.hasSuffix("error calling query: engine unavailable>"))
    }

    @Test func oneParseServesEveryEvaluationWithItsOwnFunctions() {
        let template = ParsedAlertTemplate("{{ now }} {{ $labels.instance }} {{ $value }}", alertName: "A")
        let first = PrometheusTemplateFunctions.functions(PrometheusTemplateContext(timestampMs: 1_000))
        let second = PrometheusTemplateFunctions.functions(PrometheusTemplateContext(timestampMs: 61_000))
        #expect(template.expandOrDescribeError(labels: Self.labels, externalLabels: Labels(), value: 1, externalURL: "", functions: first)
            == "1 web-1:9100 1")
        #expect(template.expandOrDescribeError(labels: Labels(["instance": "b"]), externalLabels: Labels(), value: 2, externalURL: "", functions: second)
            == "61 b 2")
        let plain = ParsedAlertTemplate("no actions here", alertName: "A")
        #expect(plain.expandOrDescribeError(labels: Labels(), externalLabels: Labels(), value: 0, externalURL: "", functions: first) == "no actions here")
    }
}

/// Prometheus functions beyond the upstream test table.
@Suite struct PrometheusFunctionDetailTests {
    func run(_ text: String, _ data: TemplateValue = .missing) -> String {
        do {
            return try AlertTemplate.expand(text, name: "t", data: data, context: PrometheusTemplateContext(timestampMs: 1500))
        } catch {
            return "error: \(error)"
        }
    }

    @Test(arguments: [
        ("{{ reReplaceAll \"a*\" \"-\" \"baaac\" }}", "-b-c-"),
        ("{{ reReplaceAll \"(?P<word>\\\\w+)@(\\\\w+)\" \"${2}/${word}$$\" \"me@host you@there\" }}", "host/me$ there/you$"),
        ("{{ reReplaceAll \"^a\" \"X\" \"aaa\" }}", "Xaa"),
        ("{{ reReplaceAll \"(a)\" \"$1x\" \"a\" }}", ""),
        ("{{ reReplaceAll \"(a)\" \"${1}x\" \"a\" }}", "ax"),
        ("{{ reReplaceAll \"\" \"-\" \"héé\" }}", "-h-é-é-"),
        ("{{ reReplaceAll \"x\" \"$\" \"axb\" }}", "a$b"),
        ("{{ match \"^b\" \"abc\" }} {{ match \"b\" \"abc\" }}", "false true"),
        ("{{ title \"hello wORLD-foo_bar élan 3d\" }}", "Hello WORLD-Foo_bar Élan 3d"),
        ("{{ toUpper \"straße\" }} {{ toLower \"İSTANBUL\" }}", "STRAßE istanbul"),
        ("{{ now }} {{ 90 | toDuration }} {{ 0.25 | toDuration }} {{ 1.5 | toTime }}", "1.5 1m30s 250ms 1970-01-01 00:00:01.5 +0000 UTC"),
        ("{{ parseDuration \"1y2w3d\" }} {{ parseDuration \"0\" }} {{ parseDuration \"1m30s\" }}", "3.30048e+07 0 90"),
        ("{{ parseDuration \"1s1m\" }}", "error: error executing template t: template: t:1:3: executing \"t\" at <parseDuration \"1s1m\">: error calling parseDuration: not a valid duration string: \"1s1m\""),
        ("{{ urlQueryEscape \"a b/c\" }} {{ graphLink \"rate(x[5m]) > 1\" }}", "a+b%2Fc /graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=0"),
        ("{{ safeHtml \"<b>\" }}", "<b>"),
        ("{{ with args 1 \"two\" 3.5 }}{{ .arg0 }} {{ .arg1 }} {{ .arg2 }} [{{ .arg3 }}]{{ end }}", "1 two 3.5 [<no value>]"),
        ("{{ humanize 0.000001234 }} {{ humanize -1500 }} {{ humanize1024 -2048 }} {{ humanizeDuration 0.000000001 }}", "1.234u -1.5k -2ki 1ns"),
        ("{{ humanize true }}", "error: error executing template t: template: t:1:3: executing \"t\" at <humanize true>: error calling humanize: can't convert bool to float"),
        ("{{ title 3 }}", "error: error executing template t: template: t:1:9: executing \"t\" at <3>: expected string; found 3"),
        ("{{ title . }}", "error: error executing template t: template: t:1:9: executing \"t\" at <.>: wrong type for value; expected string; got float64"),
        ("{{ label \"a\" nil }}", "error: error executing template t: template: t:1:3: executing \"t\" at <label \"a\" nil>: error calling label: runtime error: invalid memory address or nil pointer dereference"),
        ("{{ tmpl \"nope\" . }}", "error: error executing template t: template: t:1:3: executing \"t\" at <tmpl \"nope\" .>: error calling tmpl: template: no template \"nope\" associated with template \"t\""),
        ("{{ toTime \"NaN\" }}", "error: error executing template t: template: t:1:3: executing \"t\" at <toTime \"NaN\">: error calling toTime: value is NaN or Inf"),
    ])
    func functionBehaviour(text: String, expected: String) {
        #expect(run(text, .float(2)) == expected)
    }
}
