import Testing

@testable import Template

/// Parse and execution errors carry Go's wording, template name, line and (for execution)
/// the 0-based column and the failing node.
@Suite struct TemplateErrorTests {
    @Test(arguments: [
        ("{{if .}}", "template: t:1: unexpected EOF"),
        ("{{end}}", "template: t:1: unexpected {{end}}"),
        ("{{else}}", "template: t:1: unexpected {{else}}"),
        ("{{foo}}", "template: t:1: function \"foo\" not defined"),
        ("{{$x}}", "template: t:1: undefined variable \"$x\""),
        ("{{if true}}{{$x := 1}}{{end}}{{$x}}", "template: t:1: undefined variable \"$x\""),
        ("{{.a | 1}}", "template: t:1: non executable command in pipeline stage 2"),
        ("{{break}}", "template: t:1: {{break}} outside {{range}}"),
        ("{{\"abc}}", "template: t:1: unterminated quoted string"),
        ("{{`abc}}", "template: t:1: unterminated raw quoted string"),
        ("{{/* x }}", "template: t:1: unclosed comment"),
        ("{{/* x */ y}}", "template: t:1: comment ends before closing delimiter"),
        ("{{)}}", "template: t:1: unexpected \")\" in command"),
        ("{{ 1 )}}", "template: t:1: unexpected \")\" in command"),
        ("{{template nil}}", "template: t:1: unexpected <nil> in template clause"),
        ("{{template \"a\" | \"bcdefghijklmnop\"}}", "template: t:1: unexpected \"|\" in template clause"),
        ("{{if\n\"abc}}", "template: t:2: unterminated quoted string in action started at t:1"),
        ("{{(1}}", "template: t:1: unclosed left paren"),
        ("line1\n{{if}}{{end}}", "template: t:2: missing value for if"),
        ("{{}}", "template: t:1: missing value for command"),
        ("{{range $a, $b, $c := .}}{{end}}", "template: t:1: too many declarations in range"),
        ("{{$a, $b := 1}}", "template: t:1: too many declarations in command"),
        ("{{1x}}", "template: t:1: bad number syntax: \"1x\""),
        ("{{.a%}}", "template: t:1: bad character U+0025 '%'"),
        ("{{template .}}", "template: t:1: unexpected <.> in template clause"),
        ("{{define \"a\"}}x", "template: t:1: unexpected EOF"),
        ("{{with .}}{{else}}{{else}}{{end}}", "template: t:1: expected end; found {{else}}"),
        ("{{3.a}}", "template: t:1: bad number syntax: \"3.a\""),
        ("{{\"x\".a}}", "template: t:1: unexpected . after term \"\\\"x\\\"\""),
        ("{{ . : }}", "template: t:1: expected :="),
    ])
    func parseErrors(text: String, expected: String) {
        #expect(failure(text) == expected)
    }

    @Test(arguments: [
        ("{{3 4}}", TemplateValue.missing, "template: t:1:2: executing \"t\" at <3>: can't give argument to non-function 3"),
        ("{{nil}}", .missing, "template: t:1:2: executing \"t\" at <nil>: nil is not a command"),
        ("{{.a.b}}", .map(TemplateMap(["a": .string("s")])), "template: t:1:4: executing \"t\" at <.a.b>: can't evaluate field b in type interface {}"),
        ("{{.a.b}}", .stringMap(["a": "s"]), "template: t:1:4: executing \"t\" at <.a.b>: can't evaluate field b in type string"),
        ("x\n  {{ lt 1 2.0 }}", .missing, "template: t:2:5: executing \"t\" at <lt 1 2.0>: error calling lt: incompatible types for comparison"),
        ("{{eq . 1}}", .float(1), "template: t:1:2: executing \"t\" at <eq . 1>: error calling eq: incompatible types for comparison"),
        ("{{lt true false}}", .missing, "template: t:1:2: executing \"t\" at <lt true false>: error calling lt: invalid type for comparison"),
        ("{{eq 1}}", .missing, "template: t:1:2: executing \"t\" at <eq 1>: error calling eq: missing argument for comparison"),
        ("{{eq}}", .missing, "template: t:1:2: executing \"t\" at <eq>: wrong number of args for eq: want at least 1 got 0"),
        ("{{ne 1}}", .missing, "template: t:1:2: executing \"t\" at <ne>: wrong number of args for ne: want 2 got 1"),
        ("{{eq . .}}", .list([.int(1)]), "template: t:1:2: executing \"t\" at <eq . .>: error calling eq: non-comparable type [%!s(int=1)]: []interface {}"),
        ("{{index . 5}}", .list([.int(1)]), "template: t:1:2: executing \"t\" at <index . 5>: error calling index: index out of range: 5"),
        ("{{index 1 0}}", .missing, "template: t:1:2: executing \"t\" at <index 1 0>: error calling index: can't index item of type int"),
        ("{{slice . 2 1}}", .list([.int(1), .int(2)]), "template: t:1:2: executing \"t\" at <slice . 2 1>: error calling slice: invalid slice index: 2 > 1"),
        ("{{len 3}}", .missing, "template: t:1:2: executing \"t\" at <len 3>: error calling len: len of type int"),
        ("{{range 1.5}}{{end}}", .missing, "template: t:1:8: executing \"t\" at <1.5>: range can't iterate over 1.5"),
        ("{{template \"zz\"}}", .missing, "template: t:1:11: executing \"t\" at <{{template \"zz\"}}>: template \"zz\" not defined"),
        ("{{define \"x\"}}{{.nope.deeper}}{{end}}{{template \"x\" 1}}", .missing,
         "template: t:1:21: executing \"x\" at <.nope.deeper>: can't evaluate field nope in type int"),
        ("{{printf 3}}", .missing, "template: t:1:9: executing \"t\" at <3>: expected string; found 3"),
    ])
    func executionErrors(text: String, data: TemplateValue, expected: String) {
        #expect(failure(text, data) == expected)
    }

    /// Go (1.19 onwards) prints the whole node, and a chain of fields sits at its second field.
    @Test func contextIsTheWholeNodeAtTheChainedField() {
        let data = TemplateValue.map(TemplateMap(["abcdefghij": .map(TemplateMap(["klmnopqrstuv": .int(1)]))]))
        #expect(failure("{{.abcdefghij.klmnopqrstuv.w}}", data)
            == "template: t:1:13: executing \"t\" at <.abcdefghij.klmnopqrstuv.w>: can't evaluate field w in type interface {}")
        #expect(failure("{{$x := 1}}{{$x.y}}", .missing) == "template: t:1:15: executing \"t\" at <$x.y>: can't evaluate field y in type int")
    }

    @Test func recursionStopsAtTheDepthLimit() {
        let text = "{{define \"r\"}}x{{template \"r\" .}}{{end}}{{template \"r\" .}}"
        let error = failure(text) ?? ""
        #expect(error.hasSuffix("exceeded maximum template depth (1000)"))
        #expect(error.hasPrefix("template: t:1:26: executing \"r\" at <{{template \"r\" .}}>"))
    }

    @Test func outputAndStepLimits() throws {
        let limits = TemplateLimits(maxOutputBytes: 1000, maxTemplateDepth: 10, maxSteps: 10_000)
        #expect(throws: TemplateError.outputLimitExceeded(templateName: "t", limitBytes: 1000)) {
            try render("{{range 200}}xxxxxxxxxx{{end}}", limits: limits)
        }
        #expect(throws: TemplateError.stepLimitExceeded(templateName: "t", limit: 10_000)) {
            try render("{{range 1000000000}}{{end}}", limits: limits)
        }
        #expect(try render("{{range 20}}xxxxxxxxxx{{end}}", limits: limits).utf8.count == 200)
        let nested = "{{define \"r\"}}{{if gt . 0}}{{template \"r\" 0}}{{end}}{{end}}{{template \"r\" 1}}"
        #expect(try render(nested, limits: limits) == "")
    }
}

@Suite struct TemplateDefinitionTests {
    @Test func redefinitionWithinOneTextIsRefused() throws {
        #expect(failure("{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}")
            == "template: t:1: template: multiple definition of template \"a\"")
        #expect(failure("{{define \"t\"}}x{{end}}body") == "template: t:1: template: multiple definition of template \"t\"")
        #expect(try render("{{define \"a\"}} {{end}}{{define \"a\"}}y{{end}}{{template \"a\"}}") == "y")
        #expect(try render("{{define \"t\"}}only{{end}}") == "only")
    }
}
