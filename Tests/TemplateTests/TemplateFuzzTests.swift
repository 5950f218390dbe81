import Testing

@testable import Template
import PharosTestSupport

/// Truncated, mutated and random templates never trap: each parses and runs (within limits)
/// or fails with a `TemplateError`.
@Suite struct TemplateFuzzTests {
    /// Seeds taken from the golden tables: every construct of the language appears here.
    static let corpus: [String] = [
        "{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 5 minutes.",
        "{{- range $i, $v := . -}}{{ if eq $i 2 }}{{ continue }}{{ else if gt $i 3 }}{{ break }}{{ end }}{{ printf \"%5.2f|%q\" 1.5 \"x\" }}{{ end }}",
        "{{ with query \"up\" }}{{ . | first | value | humanize }}{{ else }}none{{ end }}",
        "{{define \"T\"}}<{{.}}>{{end}}{{template \"T\" (args 1 \"2\")}}{{block \"B\" .}}{{len .}}{{end}}",
        "{{/* comment */}}{{ $x := 1 }}{{ $x = (index . 0) }}{{ slice \"abc\" 1 }}{{ html `<b>` | js | urlquery }}",
        "{{ reReplaceAll \"(a)(?P<n>b)\" \"$1${n}$$\" \"abab\" }}{{ and 1 0 }}{{ or .a .b.c }}{{ not true }}{{ 'x' }}{{ 0x1F }}{{ -1.5e3 }}",
        "{{ range query \"m\" | sortByLabel \"i\" }}{{ .Labels.i }}:{{ .Value }} {{ end }}{{ humanizeTimestamp 1e9 }}{{ 60 | toDuration }}",
    ]

    static let data = TemplateValue.list([.int(1), .string("two"), .float(3.5), .stringMap(["a": "b"]), .missing])

    static func attempt(_ text: String) -> Bool {
        let context = PrometheusTemplateContext(externalURL: "http://h:9090/p", timestampMs: 0, query: { _ in [] })
        var template = TextTemplate(name: "fuzz", functions: PrometheusTemplateFunctions.functions(context), missingKey: .zero)
        let limits = TemplateLimits(maxOutputBytes: 1 << 16, maxTemplateDepth: 50, maxSteps: 20_000)
        do {
            try template.parse(text)
            _ = try template.execute(data, limits: limits)
            return true
        } catch {
            return !"\(error)".isEmpty
        }
    }

    @Test(arguments: corpus)
    func everyTruncationTerminates(_ seed: String) {
        let bytes = Array(seed.utf8)
        for end in 0...bytes.count {
            #expect(Self.attempt(String(decoding: bytes[..<end], as: UTF8.self)))
        }
    }

    @Test func mutationsTerminate() {
        var rng = SeededGenerator(seed: 0x7E3A_1A7E)
        let alphabet = Array("{}()|$.\"`'-:=, \n/*0123456789abcdefghijklmnopqrstuvwxyz_ifelseendrangewith".utf8)
        for seed in Self.corpus {
            for _ in 0..<300 {
                var bytes = Array(seed.utf8)
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let position = Int(rng.next() % UInt64(bytes.count + 1))
                    switch rng.next() % 3 {
                    case 0 where position < bytes.count: bytes.remove(at: position)
                    case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: position)
                    default:
                        if position < bytes.count { bytes[position] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                    }
                }
                #expect(Self.attempt(String(decoding: bytes, as: UTF8.self)))
            }
        }
    }

    @Test func randomInputTerminates() {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let count = Int(rng.next() % 64)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(Self.attempt("{{" + String(decoding: bytes, as: UTF8.self) + "}}"))
            #expect(Self.attempt(String(decoding: bytes, as: UTF8.self)))
        }
    }

    @Test func deepNestingIsRefused() throws {
        let parens = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(failure("{{" + parens + "}}") == "template: t:1: max expression depth exceeded")
        let ifs = String(repeating: "{{if 1}}", count: 5000) + String(repeating: "{{end}}", count: 5000)
        #expect(failure(ifs) == "template: t:1: max expression depth exceeded")
        let ok = String(repeating: "(", count: 50) + "1" + String(repeating: ")", count: 50)
        #expect(try render("{{" + ok + "}}") == "1")
    }
}

