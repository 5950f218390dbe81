import Model
import Testing

@testable import Template

/// Golden cases re-expressed from Prometheus's `template/template_test.go`
/// (`TestTemplateExpansion`), run through `AlertTemplate.expand(_:name:data:context:)`, which is
/// Prometheus's `Expander.Expand` (`missingkey=zero`, template named `test`).
@Suite struct PrometheusTemplateFunctionsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var input: TemplateValue = .missing
        var query: [QueryResultSample] = []
        var output: String?
        var error: String?
        var testDescription: String { text }
    }

    static let context = PrometheusTemplateContext(externalURL: "http://testhost:9090/path/prefix", timestampMs: 0)

    static func metric(_ pairs: KeyValuePairs<String, String>, _ value: Double) -> QueryResultSample {
        QueryResultSample(labels: Labels(pairs), value: value)
    }

    static func floats(_ values: [Double]) -> TemplateValue { .list(values.map { .float($0) }) }
    static func strings(_ values: [String]) -> TemplateValue { .list(values.map { .string($0) }) }
    static func ints(_ values: [Int]) -> TemplateValue { .list(values.map { .int($0) }) }

    static let cases: [Case] = [
        Case(text: "plain text", output: "plain text"),
        Case(text: "{{ 1 }}", output: "1"),
        Case(text: "{{ \u{A0}}}", error: "error parsing template test: template: test:1: unrecognized character in action: U+00A0"),
        Case(text: "{{ \"<b>\" }}", output: "<b>"),
        Case(text: "{{define \"x\"}}{{.arg0}} {{.arg1}}{{end}}{{template \"x\" (args 1 \"2\")}}", output: "1 2"),
        Case(text: "{{ query \"1.5\" | first | value }}", query: [metric([:], 1.5)], output: "1.5"),
        Case(text: "{{ query \"metric{instance='a'}\" | first | value }}",
             query: [metric(["__name__": "metric", "instance": "a"], 11)], output: "11"),
        Case(text: "{{ query \"metric{instance='a'}\" | first | label \"instance\" }}",
             query: [metric(["__name__": "metric", "instance": "a"], 11)], output: "a"),
        Case(text: "{{ query \"metric{__value__='a'}\" | first | strvalue }}",
             query: [metric(["__name__": "metric", "__value__": "a"], 11)], output: "a"),
        Case(text: "{{ query \"metric{instance='a'}\" | first | label \"foo\" }}",
             query: [metric(["__name__": "metric", "instance": "a"], 11)], output: ""),
        Case(text: "{{ $x := query \"metric\" | first }}{{ $x.Labels.foo }}",
             query: [metric(["__name__": "metric", "instance": "a"], 11)], output: ""),
        Case(text: "{{ range query \"metric\" | sortByLabel \"instance\" }}{{.Labels.instance}}:{{.Value}}: {{end}}",
             query: [metric(["__name__": "metric", "instance": "b"], 21), metric(["__name__": "metric", "instance": "a"], 11)],
             output: "a:11: b:21: "),
        Case(text: "{{ \"foo.example.com\" | stripPort }}", output: "foo.example.com"),
        Case(text: "{{ \"foo.example.com:12345\" | stripPort }}", output: "foo.example.com"),
        Case(text: "{{ \"192.0.2.1\" | stripPort }}", output: "192.0.2.1"),
        Case(text: "{{ \"192.0.2.1:12345\" | stripPort }}", output: "192.0.2.1"),
        Case(text: "{{ \"2001:0DB8::1\" | stripPort }}", output: "2001:0DB8::1"),
        Case(text: "{{ \"[2001:0DB8::1]:12345\" | stripPort }}", output: "2001:0DB8::1"),
        Case(text: "{{ \"[2001:0DB8::1]::12345\" | stripPort }}", output: "[2001:0DB8::1]::12345"),
        Case(text: "{{ .Foo }}", output: "<no value>"),
        Case(text: "{{", error: "error parsing template test: template: test:1: unclosed action"),
        Case(text: "{{ query \"missing\" | first }}",
             error: "error executing template test: template: test:1:21: executing \"test\" at <first>: error calling first: first() called on vector with no elements"),
        Case(text: "{{ (query \"missing\").banana }}",
             error: "error executing template test: template: test:1:10: executing \"test\" at <\"missing\">: can't evaluate field banana in type template.queryResult"),
        Case(text: "{{ reReplaceAll \"(a)b\" \"x$1\" \"ab\" }}", output: "xa"),
        Case(text: "{{ range . }}{{ humanize . }}:{{ end }}", input: floats([0, 1, 1234567, 0.12]), output: "0:1:1.235M:120m:"),
        Case(text: "{{ range . }}{{ humanize . }}:{{ end }}", input: strings(["0.0", "1.0", "1234567.0", ".12"]), output: "0:1:1.235M:120m:"),
        Case(text: "{{ humanize \"one\" }}",
             error: "error executing template test: template: test:1:3: executing \"test\" at <humanize \"one\">: error calling humanize: strconv.ParseFloat: parsing \"one\": invalid syntax"),
        Case(text: "{{ range . }}{{ humanize . }}:{{ end }}", input: ints([0, -1, 1, 1234567, Int.max]), output: "0:-1:1:1.235M:9.223E:"),
        Case(text: "{{ range . }}{{ humanize1024 . }}:{{ end }}", input: floats([0, 1, 1048576, 0.12]), output: "0:1:1Mi:0.12:"),
        Case(text: "{{ range . }}{{ humanize1024 . }}:{{ end }}", input: strings(["0.0", "1.0", "1048576.0", ".12"]), output: "0:1:1Mi:0.12:"),
        Case(text: "{{ range . }}{{ humanize1024 . }}:{{ end }}", input: ints([0, -1, 1, 1234567, Int.max]), output: "0:-1:1:1.177Mi:8Ei:"),
        Case(text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
             input: floats([0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99]),
             output: "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:"),
        Case(text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}", input: strings(["0", "1", "60", "3600", "86400"]),
             output: "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:"),
        Case(text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}", input: floats([0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345]),
             output: "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:"),
        Case(text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}", input: ints([0, -1, 1, 1234567]), output: "0s:-1s:1s:14d 6h 56m 7s:"),
        Case(text: "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}",
             input: floats([.infinity, -.infinity, .nan]), output: "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:"),
        Case(text: "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}",
             input: strings(["+Inf", "-Inf", "NaN"]), output: "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:"),
        Case(text: "{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}",
             output: "-22.22%:0%:12.35%:123.5%"),
        Case(text: "{{ range . }}{{ humanizePercentage . }}:{{ end }}", input: ints([0, -1, 1, 1234567, Int.max]),
             output: "0%:-100%:100%:1.235e+08%:9.223e+20%:"),
        Case(text: "{{ \"one\" | humanizePercentage }}",
             error: "error executing template test: template: test:1:11: executing \"test\" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing \"one\": invalid syntax"),
        Case(text: "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}", input: ints([0, -1, 1, 1234567, 9223372036]),
             output: "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:"),
        Case(text: "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}", input: ints([Int.min, Int.max]),
             error: "error executing template test: template: test:1:16: executing \"test\" at <humanizeTimestamp .>: error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64"),
        Case(text: "{{ 1435065584.128 | humanizeTimestamp }}", output: "2015-06-23 13:19:44.128 +0000 UTC"),
        Case(text: "{{ \"1435065584.128\" | humanizeTimestamp }}", output: "2015-06-23 13:19:44.128 +0000 UTC"),
        Case(text: "{{ \"aa bb CC\" | title }}", output: "Aa Bb CC"),
        Case(text: "{{ \"aa bb CC\" | toUpper }}", output: "AA BB CC"),
        Case(text: "{{ \"aA bB CC\" | toLower }}", output: "aa bb cc"),
        Case(text: "{{ match \"a+\" \"aa\" }} {{ match \"a+\" \"b\" }}", output: "true false"),
        Case(text: "{{ graphLink \"up\" }}", output: "/graph?g0.expr=up&g0.tab=0"),
        Case(text: "{{ tableLink \"up\" }}", output: "/graph?g0.expr=up&g0.tab=1"),
        Case(text: "{{ define \"a\" }}x{{ end }}{{ $name := \"a\"}}{{ tmpl $name . }}", output: "x"),
        Case(text: "{{ pathPrefix }}", output: "/path/prefix"),
        Case(text: "{{ externalURL }}", output: "http://testhost:9090/path/prefix"),
        Case(text: "{{ printf \"%0.2f\" (parseDuration \"1h2m10ms\") }}", output: "3720.01"),
        Case(text: "{{ \"foo.example.com\" | stripDomain }}", output: "foo"),
        Case(text: "{{ \"foo.example.com:12345\" | stripDomain }}", output: "foo:12345"),
        Case(text: "{{ \"192.0.2.1\" | stripDomain }}", output: "192.0.2.1"),
        Case(text: "{{ \"192.0.2.1:12345\" | stripDomain }}", output: "192.0.2.1:12345"),
        Case(text: "{{ \"2001:0DB8::1\" | stripDomain }}", output: "2001:0DB8::1"),
        Case(text: "{{ \"[2001:0DB8::1]:12345\" | stripDomain }}", output: "[2001:0DB8::1]:12345"),
        Case(text: "{{ \"[2001:0DB8::1]::12345\" | stripDomain }}", output: "[2001:0DB8::1]::12345"),
    ]

    @Test(arguments: cases)
    func expandsAsPrometheus(_ c: Case) {
        var context = Self.context
        let result = c.query
        context.query = { _ in result }
        do {
            let output = try AlertTemplate.expand(c.text, name: "test", data: c.input, context: context)
            #expect(c.error == nil, "expected error \(c.error ?? "")")
            #expect(output == c.output)
        } catch {
            #expect(c.output == nil, "unexpected error: \(error)")
            #expect("\(error)" == c.error)
        }
    }
}
