import Testing

@testable import Template

/// Renders `text` as template `t` with Go's builtins only.
func render(_ text: String, _ data: TemplateValue = .missing, missingKey: MissingKeyOption = .invalid,
            limits: TemplateLimits = TemplateLimits()) throws(TemplateError) -> String {
    var template = TextTemplate(name: "t", missingKey: missingKey)
    try template.parse(text)
    return try template.execute(data, limits: limits)
}

/// The error text `text` fails with, or `nil` if it renders.
func failure(_ text: String, _ data: TemplateValue = .missing, missingKey: MissingKeyOption = .invalid) -> String? {
    do {
        _ = try render(text, data, missingKey: missingKey)
        return nil
    } catch {
        return "\(error)"
    }
}

/// Go `text/template` behaviour, as Go 1.22+ renders these (expected outputs worked out from
/// Go's exec.go/funcs.go and fmt rules).
@Suite struct TextTemplateTests {
    static let numbers: TemplateValue = .list([1, 2, 3, 4, 5].map { .int($0) })
    static let letters: TemplateValue = .map(TemplateMap(["b": .int(2), "a": .int(1), "c": .int(3)]))

    @Test(arguments: [
        // Text, actions, trimming and comments.
        ("plain", TemplateValue.missing, "plain"),
        ("a  {{- 1 -}}  b", .missing, "a1b"),
        ("a \n {{- 1}} b", .missing, "a1 b"),
        ("{{3 -}}\n\n x", .missing, "3x"),
        ("x {{- /* note */ -}} y", .missing, "xy"),
        ("x{{/* note */}}y", .missing, "xy"),
        ("{{-3}}", .missing, "-3"),
        ("{{ if\n true }}y{{ end }}", .missing, "y"),
        // Literals.
        ("{{0x10}} {{1e3}} {{1_000}} {{-5}} {{.5}} {{0o17}} {{0b101}} {{017}}", .missing, "16 1000 1000 -5 0.5 15 5 15"),
        ("{{'a'}} {{printf \"%c\" 'a'}} {{'\\n'}}", .missing, "97 a 10"),
        ("{{`a\\nb`}} {{\"tab\\tq\\\"\"}}", .missing, "a\\nb tab\tq\""),
        ("{{true}} {{false}}", .missing, "true false"),
        // Dot, $, fields, variables.
        ("{{.}}", .string("x"), "x"),
        ("{{.a}}-{{.b.c}}", .map(TemplateMap(["a": .int(1), "b": .map(TemplateMap(["c": .string("deep")]))])), "1-deep"),
        ("{{.missing}}", .map(TemplateMap([:])), "<no value>"),
        ("{{.missing.deeper}}", .map(TemplateMap([:])), "<no value>"),
        ("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", .missing, "21"),
        ("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", .missing, "2"),
        ("{{range .items}}{{$.prefix}}{{.}} {{end}}",
         .map(TemplateMap(["prefix": .string("#"), "items": .list([.string("a"), .string("b")])])), "#a #b "),
        ("{{with $x := .a}}{{$x}}{{end}}", .map(TemplateMap(["a": .string("v")])), "v"),
        ("{{(index . 0).name}}", .list([.map(TemplateMap(["name": .string("n0")]))]), "n0"),
        // Control structures.
        ("{{if eq . 1}}one{{else if eq . 2}}two{{else}}many{{end}}", .int(2), "two"),
        ("{{if eq . 1}}one{{else if eq . 2}}two{{else}}many{{end}}", .int(7), "many"),
        ("{{if .}}yes{{else}}no{{end}}", .string(""), "no"),
        ("{{if .}}yes{{else}}no{{end}}", .list([]), "no"),
        ("{{if .}}yes{{else}}no{{end}}", .float(0.5), "yes"),
        ("{{with .a}}A{{else with .b}}B={{.}}{{else}}none{{end}}", .map(TemplateMap(["b": .string("bee")])), "B=bee"),
        ("{{with .a}}A{{else with .b}}B={{.}}{{else}}none{{end}}", .map(TemplateMap([:])), "none"),
        ("{{range .}}{{.}},{{end}}", numbers, "1,2,3,4,5,"),
        ("{{range $i, $v := .}}{{$i}}:{{$v}} {{end}}", numbers, "0:1 1:2 2:3 3:4 4:5 "),
        ("{{range $v := .}}{{$v}}{{end}}", numbers, "12345"),
        ("{{range $k, $v := .}}{{$k}}={{$v}};{{end}}", letters, "a=1;b=2;c=3;"),
        ("{{range .}}{{.}}{{end}}", letters, "123"),
        ("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}", numbers, "13"),
        ("{{range .}}x{{else}}empty{{end}}", .list([]), "empty"),
        ("{{range .}}x{{else}}empty{{end}}", .missing, "empty"),
        ("{{range 3}}{{.}}{{end}}", .missing, "012"),
        ("{{$n := 0}}{{range .}}{{$n = .}}{{end}}{{$n}}", numbers, "5"),
        // Templates.
        ("{{define \"T\"}}<{{.}}>{{end}}{{template \"T\" \"x\"}}{{template \"T\"}}", .missing, "<x><<no value>>"),
        ("{{block \"B\" .}}default {{.}}{{end}}", .string("d"), "default d"),
        ("{{define \"T\"}}{{$}}{{end}}{{$x := 1}}{{template \"T\" 2}}", .missing, "2"),
        // Pipelines.
        ("{{\"x\" | printf \"%s-%s\" \"y\"}}", .missing, "y-x"),
        ("{{1 | print 2 | print 3}}", .missing, "32 1"),   // Sprint spaces only between two non-strings
        ("{{(print 1 2) | len}}", .missing, "3"),
        // Builtins.
        ("{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{or 0 \"\"}} {{not 0}} {{not .}}", .string("s"), "0 2 x  true false"),
        ("{{and .x .x.y}}", .map(TemplateMap([:])), "<no value>"),
        ("{{len .}} {{index . 1}} {{slice . 1 3}} {{slice . 3}}", numbers, "5 2 [2 3] [4 5]"),
        ("{{len \"héllo\"}} {{index \"abc\" 1}} {{slice \"abcdef\" 1 3}}", .missing, "6 98 bc"),
        ("{{index . \"b\"}} {{index . \"zz\"}}", letters, "2 <no value>"),
        ("{{index .m \"k\" 1}}", .map(TemplateMap(["m": .map(TemplateMap(["k": .list([.string("p"), .string("q")])]))])), "q"),
        ("{{print 1 2 \"a\" \"b\" 3}}|{{print}}|{{println 1 \"a\"}}", .missing, "1 2ab3||1 a\n"),
        ("{{print .missing}}", .map(TemplateMap([:])), "<nil>"),
        ("{{html .a.b.c}}", .missing, "&lt;nil&gt;"),
        ("{{html \"<a href='x'>&\\\"</a>\"}}", .missing, "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;"),
        ("{{js \"a'b\\\"<>&=\\\\\\n\"}}", .missing, "a\\'b\\\"\\u003C\\u003E\\u0026\\u003D\\\\\\u000A"),
        ("{{urlquery \"a b&c/d?é\"}}", .missing, "a+b%26c%2Fd%3F%C3%A9"),
        ("{{html 1 2}} {{urlquery 3}}", .missing, "1 2 3"),
        ("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}} {{ne 1 2}} {{eq \"a\" \"b\" \"a\"}}", .missing,
         "true true true false true true"),
        ("{{eq .missing \"x\"}} {{eq .missing .missing}} {{ne .missing 1}}", .map(TemplateMap([:])), "false true true"),
        ("{{eq .Value 0.5}}", .map(TemplateMap(["Value": .float(0.5)])), "true"),
        // Printing as fmt does.
        ("{{.}}", .float(1234567), "1.234567e+06"),
        ("{{.}}", .float(100000), "100000"),
        ("{{.}}", .float(0.1), "0.1"),
        ("{{.}}", .float(0.0001), "0.0001"),
        ("{{.}}", .float(0.00001), "1e-05"),
        ("{{.}}", .float(1e21), "1e+21"),
        ("{{.}}", .float(-2.5e-300), "-2.5e-300"),
        ("{{.}}", .float(.infinity), "+Inf"),
        ("{{.}}", .float(.nan), "NaN"),
        ("{{.}}", .float(3), "3"),
        ("{{.}}", .float(123456.789), "123456.789"),
        ("{{.}}", .map(TemplateMap(["b": .string("x"), "a": .int(1)])), "map[a:1 b:x]"),
        ("{{.}}", .list([.int(1), .string("a"), .float(2.5), .bool(true), .missing]), "[1 a 2.5 true <nil>]"),
        ("{{.}}", .duration(90_000_000_000), "1m30s"),
        ("{{.}}", .duration(1_500_000), "1.5ms"),
        ("{{.}}", .duration(3_600_000_000_000), "1h0m0s"),
        ("{{.}}", .time(TemplateTime(seconds: 0, nanoseconds: 5_000_000)), "1970-01-01 00:00:00.005 +0000 UTC"),
    ])
    func rendersAsGo(text: String, data: TemplateValue, expected: String) throws {
        #expect(try render(text, data) == expected)
    }

    @Test func missingKeyOptions() throws {
        let labels = TemplateValue.stringMap(["job": "api"])
        let any = TemplateValue.map(TemplateMap([:]))
        #expect(try render("[{{.nope}}]", labels, missingKey: .zero) == "[]")
        #expect(try render("[{{.nope}}]", any, missingKey: .zero) == "[<no value>]")
        #expect(try render("[{{.nope}}]", labels, missingKey: .invalid) == "[<no value>]")
        #expect(failure("{{.nope}}", labels, missingKey: .error)
            == "template: t:1:2: executing \"t\" at <.nope>: map has no entry for key \"nope\"")
        #expect(failure("{{.a.b}}", any, missingKey: .zero)
            == "template: t:1:4: executing \"t\" at <.a.b>: nil pointer evaluating interface {}.b")
        #expect(try render("{{.a.b}}", any, missingKey: .invalid) == "<no value>")
        #expect(failure("{{.Foo}}", missingKey: .error)
            == "template: t:1:2: executing \"t\" at <.Foo>: nil data; no entry for key \"Foo\"")
    }

    @Test func templatesDefinedAcrossParses() throws {
        var set = TextTemplate(name: "main")
        try set.parse("{{define \"a\"}}A{{end}}")
        try set.parse("{{define \"b\"}}B{{template \"a\"}}{{end}}", as: "extra")
        try set.parse("main: {{template \"b\"}}")
        #expect(try set.execute(.missing) == "main: BA")
        #expect(try set.execute(templateNamed: "b", data: .missing) == "BA")
        #expect(set.templateNames == ["a", "b", "extra", "main"])
        #expect(throws: TemplateError.undefinedTemplate(name: "zz", setName: "main")) {
            try set.execute(templateNamed: "zz", data: .missing)
        }
        // An empty redefinition does not replace a non-empty one.
        try set.parse("{{define \"a\"}}  {{end}}")
        #expect(try set.execute(templateNamed: "b", data: .missing) == "BA")
    }
}
