import Testing

@testable import Model

/// One relabeling case: input labels, steps, and the expected labels (`nil`: dropped).
struct RelabelCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [String: String]
    let steps: [RelabelConfig]
    let output: [String: String]?

    var testDescription: String { name }
}

private func labels(_ map: [String: String]) -> Labels {
    Labels(map.map { Label(name: $0.key, value: $0.value) })
}

/// The cases of Prometheus's `TestRelabel` (`model/relabel/relabel_test.go`), re-expressed
/// as data, plus cases for behaviour that table leaves implicit.
let upstreamRelabelCases: [RelabelCase] = [
    RelabelCase(
        name: "replace with ${1} twice",
        input: ["a": "foo", "b": "bar", "c": "baz"],
        steps: [.init(sourceLabels: ["a"], regex: "f(.*)", targetLabel: "d", replacement: "ch${1}-ch${1}")],
        output: ["a": "foo", "b": "bar", "c": "baz", "d": "choo-choo"]),
    RelabelCase(
        name: "chained replaces see earlier results",
        input: ["a": "foo", "b": "bar", "c": "baz"],
        steps: [
            .init(sourceLabels: ["a", "b"], regex: "f(.*);(.*)r", targetLabel: "a", replacement: "b${1}${2}m"),
            .init(sourceLabels: ["c", "a"], regex: "(b).*b(.*)ba(.*)", targetLabel: "d", replacement: "$1$2$2$3"),
        ],
        output: ["a": "boobam", "b": "bar", "c": "baz", "d": "boooom"]),
    RelabelCase(
        name: "drop stops before later steps",
        input: ["a": "foo"],
        steps: [
            .init(sourceLabels: ["a"], regex: ".*o.*", action: .drop),
            .init(sourceLabels: ["a"], regex: "f(.*)", targetLabel: "d", replacement: "ch$1-ch$1"),
        ],
        output: nil),
    RelabelCase(
        name: "drop on match",
        input: ["a": "foo", "b": "bar"],
        steps: [.init(sourceLabels: ["a"], regex: ".*o.*", action: .drop)],
        output: nil),
    RelabelCase(
        name: "group inside .*",
        input: ["a": "abc"],
        steps: [.init(sourceLabels: ["a"], regex: ".*(b).*", targetLabel: "d", replacement: "$1")],
        output: ["a": "abc", "d": "b"]),
    RelabelCase(
        name: "drop without match keeps",
        input: ["a": "foo"],
        steps: [.init(sourceLabels: ["a"], regex: "no-match", action: .drop)],
        output: ["a": "foo"]),
    RelabelCase(
        name: "drop regex is anchored",
        input: ["a": "foo"],
        steps: [.init(sourceLabels: ["a"], regex: "f|o", action: .drop)],
        output: ["a": "foo"]),
    RelabelCase(
        name: "keep without match drops",
        input: ["a": "foo"],
        steps: [.init(sourceLabels: ["a"], regex: "no-match", action: .keep)],
        output: nil),
    RelabelCase(
        name: "keep on match",
        input: ["a": "foo"],
        steps: [.init(sourceLabels: ["a"], regex: "f.*", action: .keep)],
        output: ["a": "foo"]),
    RelabelCase(
        name: "replace without match changes nothing",
        input: ["a": "boo"],
        steps: [.init(sourceLabels: ["a"], regex: "f", targetLabel: "b", replacement: "bar")],
        output: ["a": "boo"]),
    RelabelCase(
        name: "blank replacement deletes the target",
        input: ["a": "foo", "f": "baz"],
        steps: [.init(sourceLabels: ["a"], regex: "(f).*", targetLabel: "$1", replacement: "$2")],
        output: ["a": "foo"]),
    RelabelCase(
        name: "hashmod",
        input: ["a": "foo", "b": "bar", "c": "baz"],
        steps: [.init(sourceLabels: ["c"], modulus: 1000, targetLabel: "d", action: .hashmod)],
        output: ["a": "foo", "b": "bar", "c": "baz", "d": "976"]),
    RelabelCase(
        name: "hashmod of a value with a newline",
        input: ["a": "foo\nbar"],
        steps: [.init(sourceLabels: ["a"], modulus: 1000, targetLabel: "b", action: .hashmod)],
        output: ["a": "foo\nbar", "b": "734"]),
    RelabelCase(
        name: "labelmap with prefix",
        input: ["a": "foo", "b1": "bar", "b2": "baz"],
        steps: [.init(regex: "(b.*)", replacement: "bar_${1}", action: .labelmap)],
        output: ["a": "foo", "b1": "bar", "b2": "baz", "bar_b1": "bar", "bar_b2": "baz"]),
    RelabelCase(
        name: "labelmap of meta labels",
        input: ["a": "foo", "__meta_my_bar": "aaa", "__meta_my_baz": "bbb", "__meta_other": "ccc"],
        steps: [.init(regex: "__meta_(my.*)", replacement: "${1}", action: .labelmap)],
        output: [
            "a": "foo", "__meta_my_bar": "aaa", "__meta_my_baz": "bbb", "__meta_other": "ccc",
            "my_bar": "aaa", "my_baz": "bbb",
        ]),
    RelabelCase(
        name: "target label from a group",
        input: ["a": "some-name-value"],
        steps: [.init(sourceLabels: ["a"], regex: "some-([^-]+)-([^,]+)", targetLabel: "${1}", replacement: "${2}")],
        output: ["a": "some-name-value", "name": "value"]),
    RelabelCase(
        name: "replacement naming a missing group is empty",
        input: ["a": "some-name-value"],
        steps: [.init(sourceLabels: ["a"], regex: "some-([^-]+)-([^,]+)", targetLabel: "${1}", replacement: "${3}")],
        output: ["a": "some-name-value"]),
    RelabelCase(
        name: "target naming a missing group is not written",
        input: ["a": "some-name-0"],
        steps: [
            .init(sourceLabels: ["a"], regex: "some-([^-]+)-([^,]+)", targetLabel: "${3}", replacement: "${1}"),
            .init(sourceLabels: ["a"], regex: "some-([^-]+)-([^,]+)", targetLabel: "${3}", replacement: "${1}"),
            .init(sourceLabels: ["a"], regex: "some-([^-]+)(-[^,]+)", targetLabel: "${3}", replacement: "${1}"),
        ],
        output: ["a": "some-name-0"]),
    RelabelCase(
        name: "service discovery tags",
        input: ["__meta_sd_tags": "path:/secret,job:some-job,label:foo=bar"],
        steps: [
            .init(sourceLabels: ["__meta_sd_tags"], regex: "(?:.+,|^)path:(/[^,]+).*",
                  targetLabel: "__metrics_path__", replacement: "${1}"),
            .init(sourceLabels: ["__meta_sd_tags"], regex: "(?:.+,|^)job:([^,]+).*", targetLabel: "job",
                  replacement: "${1}"),
            .init(sourceLabels: ["__meta_sd_tags"], regex: "(?:.+,|^)label:([^=]+)=([^,]+).*",
                  targetLabel: "${1}", replacement: "${2}"),
        ],
        output: [
            "__meta_sd_tags": "path:/secret,job:some-job,label:foo=bar", "__metrics_path__": "/secret",
            "job": "some-job", "foo": "bar",
        ]),
    RelabelCase(
        name: "prometheus issue 12283: labeldrop then set the same name",
        input: [
            "__meta_kubernetes_pod_container_port_name": "foo",
            "__meta_kubernetes_pod_annotation_XXX_metrics_port": "9091",
        ],
        steps: [
            .init(regex: "^__meta_kubernetes_pod_container_port_name$", action: .labeldrop),
            .init(sourceLabels: ["__meta_kubernetes_pod_annotation_XXX_metrics_port"], regex: "(.+)",
                  targetLabel: "__meta_kubernetes_pod_container_port_name", replacement: "metrics"),
            .init(sourceLabels: ["__meta_kubernetes_pod_container_port_name"], regex: "^metrics$", action: .keep),
        ],
        output: [
            "__meta_kubernetes_pod_annotation_XXX_metrics_port": "9091",
            "__meta_kubernetes_pod_container_port_name": "metrics",
        ]),
    RelabelCase(
        name: "labelkeep",
        input: ["a": "foo", "b1": "bar", "b2": "baz"],
        steps: [.init(regex: "(b.*)", action: .labelkeep)],
        output: ["b1": "bar", "b2": "baz"]),
    RelabelCase(
        name: "labeldrop",
        input: ["a": "foo", "b1": "bar", "b2": "baz"],
        steps: [.init(regex: "(b.*)", action: .labeldrop)],
        output: ["a": "foo"]),
    RelabelCase(
        name: "uppercase and lowercase",
        input: ["foo": "bAr123Foo"],
        steps: [
            .init(sourceLabels: ["foo"], targetLabel: "foo_uppercase", action: .uppercase),
            .init(sourceLabels: ["foo"], targetLabel: "foo_lowercase", action: .lowercase),
        ],
        output: ["foo": "bAr123Foo", "foo_lowercase": "bar123foo", "foo_uppercase": "BAR123FOO"]),
    RelabelCase(
        name: "keepequal on equal",
        input: ["__tmp_port": "1234", "__port1": "1234", "__port2": "5678"],
        steps: [.init(sourceLabels: ["__tmp_port"], targetLabel: "__port1", action: .keepequal)],
        output: ["__tmp_port": "1234", "__port1": "1234", "__port2": "5678"]),
    RelabelCase(
        name: "dropequal on equal",
        input: ["__tmp_port": "1234", "__port1": "1234", "__port2": "5678"],
        steps: [.init(sourceLabels: ["__tmp_port"], targetLabel: "__port1", action: .dropequal)],
        output: nil),
    RelabelCase(
        name: "dropequal on different",
        input: ["__tmp_port": "1234", "__port1": "1234", "__port2": "5678"],
        steps: [.init(sourceLabels: ["__tmp_port"], targetLabel: "__port2", action: .dropequal)],
        output: ["__tmp_port": "1234", "__port1": "1234", "__port2": "5678"]),
    RelabelCase(
        name: "keepequal on different",
        input: ["__tmp_port": "1234", "__port1": "1234", "__port2": "5678"],
        steps: [.init(sourceLabels: ["__tmp_port"], targetLabel: "__port2", action: .keepequal)],
        output: nil),
    RelabelCase(
        name: "dot matches newline",
        input: ["a": "line1\nline2", "b": "bar", "c": "baz"],
        steps: [.init(sourceLabels: ["a"], regex: "line1.*line2", targetLabel: "d", replacement: "match${1}")],
        output: ["a": "line1\nline2", "b": "bar", "c": "baz", "d": "match"]),
    RelabelCase(
        name: "UTF-8 source label",
        input: ["utf-8.label": "line1\nline2", "b": "bar", "c": "baz"],
        steps: [.init(sourceLabels: ["utf-8.label"], regex: "line1.*line2", targetLabel: "d", replacement: "match${1}")],
        output: ["utf-8.label": "line1\nline2", "b": "bar", "c": "baz", "d": "match"]),
    RelabelCase(
        name: "UTF-8 target label",
        input: ["a": "line1\nline2", "b": "bar", "c": "baz"],
        steps: [.init(sourceLabels: ["a"], regex: "line1.*line2", targetLabel: "utf-8.label", replacement: "match${1}")],
        output: ["a": "line1\nline2", "b": "bar", "c": "baz", "utf-8.label": "match"]),
    RelabelCase(
        name: "UTF-8 target label with a variable",
        input: ["a": "line1\nline2", "b": "bar", "c": "baz"],
        steps: [
            .init(sourceLabels: ["a"], regex: "line1.*line2", targetLabel: "utf-8.label${1}", replacement: "match${1}")
        ],
        output: ["a": "line1\nline2", "b": "bar", "c": "baz", "utf-8.label": "match"]),
    RelabelCase(
        name: "named groups in both syntaxes",
        input: ["a": "line1\nline2", "b": "bar", "c": "baz"],
        steps: [
            .init(sourceLabels: ["a"], regex: "(line1).*(?<second>line2)", targetLabel: "label1_${1}",
                  replacement: "val_${second}"),
            .init(sourceLabels: ["a"], regex: "(line1).*(?<second>line2)", targetLabel: "label2_$1",
                  replacement: "val_$second"),
        ],
        output: ["a": "line1\nline2", "b": "bar", "c": "baz", "label1_line1": "val_line2", "label2_line1": "val_line2"]),
    RelabelCase(
        name: "__type__ from a suffix",
        input: ["__name__": "http_requests_total"],
        steps: [.init(sourceLabels: ["__name__"], regex: ".*_total$", targetLabel: "__type__", replacement: "counter")],
        output: ["__name__": "http_requests_total", "__type__": "counter"]),
    RelabelCase(
        name: "__unit__ from a suffix",
        input: ["__name__": "disk_usage_bytes"],
        steps: [.init(sourceLabels: ["__name__"], regex: ".*_bytes$", targetLabel: "__unit__", replacement: "bytes")],
        output: ["__name__": "disk_usage_bytes", "__unit__": "bytes"]),
]

/// Behaviour upstream's table leaves implicit, each checked against relabel.go's code.
let additionalRelabelCases: [RelabelCase] = [
    RelabelCase(
        name: "constant label on empty source (fast path)",
        input: ["a": "1"],
        steps: [.init(targetLabel: "env", replacement: "prod")],
        output: ["a": "1", "env": "prod"]),
    RelabelCase(
        name: "$1x names group 1x, which is absent",
        input: ["a": "foo"],
        steps: [.init(sourceLabels: ["a"], regex: "(f)oo", targetLabel: "b", replacement: "$1x")],
        output: ["a": "foo"]),
    RelabelCase(
        name: "${1}x, $$ and a malformed ${",
        input: ["a": "foo"],
        steps: [.init(sourceLabels: ["a"], regex: "(f)oo", targetLabel: "b", replacement: "${1}x$$1${-")],
        output: ["a": "foo", "b": "fx$1${-"]),
    RelabelCase(
        name: "leading zero is a name, not a number",
        input: ["a": "foo"],
        steps: [.init(sourceLabels: ["a"], regex: "(f)oo", targetLabel: "b", replacement: "[$01]")],
        output: ["a": "foo", "b": "[]"]),
    RelabelCase(
        name: "$0 is the whole value",
        input: ["a": "foo", "b": "bar"],
        steps: [.init(sourceLabels: ["a", "b"], separator: "-", regex: ".*", targetLabel: "c", replacement: "<$0>")],
        output: ["a": "foo", "b": "bar", "c": "<foo-bar>"]),
    RelabelCase(
        name: "missing source labels join as empty",
        input: ["b": "x"],
        steps: [.init(sourceLabels: ["a", "b", "c"], regex: ";x;", action: .keep)],
        output: ["b": "x"]),
    RelabelCase(
        name: "target that expands to an invalid legacy name is skipped only under legacy",
        input: ["a": "9lives"],
        steps: [.init(sourceLabels: ["a"], regex: "(.*)", targetLabel: "$1", replacement: "yes")],
        output: ["a": "9lives", "9lives": "yes"]),
    RelabelCase(
        name: "labelmap: a label set by an earlier step is visited after base labels",
        input: ["x_a": "base", "y_a": "base-y"],
        steps: [
            .init(sourceLabels: ["x_a"], targetLabel: "x_a", replacement: "changed"),
            .init(regex: "[xy]_(a)", replacement: "$1", action: .labelmap),
        ],
        output: ["x_a": "changed", "y_a": "base-y", "a": "changed"]),
    RelabelCase(
        name: "Go simple case mapping",
        input: ["v": "straße İstanbul ǅ"],
        steps: [
            .init(sourceLabels: ["v"], targetLabel: "upper", action: .uppercase),
            .init(sourceLabels: ["v"], targetLabel: "lower", action: .lowercase),
        ],
        output: ["v": "straße İstanbul ǅ", "upper": "STRAßE İSTANBUL Ǆ", "lower": "straße istanbul ǆ"]),
]

@Suite struct RelabelerTests {
    @Test(arguments: upstreamRelabelCases + additionalRelabelCases)
    func behavesAsPrometheus(_ testCase: RelabelCase) throws {
        let relabeler = try Relabeler(testCase.steps)
        let result = relabeler.process(labels(testCase.input))
        #expect(result == testCase.output.map(labels))
    }

    @Test func legacySchemeSkipsInvalidExpandedTargets() throws {
        let relabeler = try Relabeler(
            [.init(sourceLabels: ["a"], regex: "(.*)", targetLabel: "${1}", replacement: "yes")], scheme: .legacy)
        #expect(relabeler.process(Labels(["a": "9lives"])) == Labels(["a": "9lives"]))
        #expect(relabeler.process(Labels(["a": "ok"])) == Labels(["a": "ok", "ok": "yes"]))
    }

    @Test func unchangedSetIsReturnedAsIs() throws {
        let input = Labels(["a": "foo"])
        let result = try Relabeler([.init(sourceLabels: ["a"], regex: "f.*", action: .keep)]).process(input)
        #expect(result == input)
        #expect(try Relabeler([]).process(input) == input)
    }

    /// Expected shards computed with Python's hashlib, as Prometheus does it:
    /// `int.from_bytes(hashlib.md5(v.encode()).digest()[8:], "big") % m`. The first two are
    /// also the values of Prometheus's own `TestRelabel`.
    @Test(arguments: [
        ("baz", 1000 as UInt64, 976 as UInt64),
        ("foo\nbar", 1000, 734),
        ("10.132.183.40:80", 3, 1),
        ("", 7, 1),
        ("node-exporter:9100", 16, 8),
        ("ünïcödé", 1_000_003, 622_862),
        ("a;b", UInt64.max, 2_420_134_994_223_480_074),
    ])
    func hashmodMatchesPrometheusShards(value: String, modulus: UInt64, shard: UInt64) throws {
        #expect(RelabelStep.hashmod(value, modulus: modulus) == shard)
        let step = try RelabelStep(.init(sourceLabels: ["v"], modulus: modulus, targetLabel: "s", action: .hashmod))
        var builder = LabelsBuilder(Labels(["v": value]))
        #expect(step.apply(to: &builder))
        #expect(builder.value(of: "s") == String(shard))
    }
}

@Suite struct RelabelConfigValidationTests {
    /// Prometheus's `TestRelabelValidate` cases and the other checks of `Config.Validate`.
    @Test(arguments: [
        (RelabelConfig(), NameValidationScheme.utf8, "requires 'target_label' value"),
        (.init(action: .lowercase), .utf8, "requires 'target_label' value"),
        (.init(targetLabel: "${3}", action: .lowercase), .utf8, nil),
        (.init(targetLabel: "${3}", action: .lowercase), .legacy, #""${3}" is invalid 'target_label' for lowercase action"#),
        (.init(sourceLabels: ["a"], regex: "some-([^-]+)-([^,]+)", targetLabel: "${3}", replacement: "${1}"), .utf8, nil),
        (.init(sourceLabels: ["a"], regex: "some-([^-]+)-([^,]+)", targetLabel: "0${3}", replacement: "${1}"), .utf8, nil),
        (.init(sourceLabels: ["a"], regex: "some-([^-]+)-([^,]+)", targetLabel: "-${3}", replacement: "${1}"), .utf8, nil),
        (.init(sourceLabels: ["a"], targetLabel: "-${3}"), .legacy, "is invalid 'target_label' for replace action"),
        (.init(sourceLabels: ["a"], targetLabel: "9x"), .legacy, "is invalid 'target_label' for replace action"),
        (.init(regex: "__meta_kubernetes_pod_label_(strimzi_io_.+)", replacement: "$1", action: .labelmap), .legacy, nil),
        (.init(regex: "__meta_(.+)", replacement: "${1}", action: .labelmap), .legacy, nil),
        (.init(regex: "__meta_(.+)", replacement: "-${1}", action: .labelmap), .legacy, "is invalid 'replacement' for labelmap action"),
        (.init(sourceLabels: ["a"], targetLabel: "t", action: .hashmod), .utf8, "requires non-zero modulus"),
        (.init(sourceLabels: ["a"], modulus: 4, targetLabel: "t", action: .hashmod), .utf8, nil),
        (.init(sourceLabels: ["a"], targetLabel: "t", replacement: "x", action: .uppercase), .utf8, "'replacement' can not be set"),
        (.init(sourceLabels: ["a"], regex: "x", targetLabel: "t", action: .keepequal), .utf8, "requires only 'source_labels' and `target_label`"),
        (.init(sourceLabels: ["a"], separator: ",", targetLabel: "t", action: .dropequal), .utf8, "requires only 'source_labels' and `target_label`"),
        (.init(sourceLabels: ["a"], regex: "x", action: .labeldrop), .utf8, "requires only 'regex'"),
        (.init(regex: "x", targetLabel: "t", action: .labelkeep), .utf8, "requires only 'regex'"),
        (.init(regex: "x", action: .labelkeep), .utf8, nil),
    ] as [(RelabelConfig, NameValidationScheme, String?)])
    func validatesAsPrometheus(config: RelabelConfig, scheme: NameValidationScheme, expected: String?) {
        do {
            try config.validate(scheme: scheme)
            #expect(expected == nil)
        } catch {
            let message = error.description
            #expect(expected.map { message.contains($0) } == true, "\(message)")
        }
    }

    @Test func stepRefusesBadRegexWithThePattern() {
        do {
            _ = try RelabelStep(.init(regex: "(", action: .labeldrop))
            Issue.record("an unbalanced parenthesis compiled")
        } catch {
            guard case .invalidRegex(let pattern, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(pattern == "(")
            #expect(reason.contains("missing )"))
        }
    }

    /// Upstream's `TestTargetLabelLegacyValidity`, through validation of a `replace` target.
    @Test(arguments: [
        ("-label", false), ("label", true), ("label${1}", true), ("${1}label", true), ("${1}", true),
        ("${", false), ("$", false), ("${}", false), ("foo${", false), ("$1", true), ("asd$2asd", true),
        ("-foo${1}bar-", false), ("bar.foo${1}bar", false), ("_${1}_", true), ("foo${bar}foo", true),
    ])
    func legacyTemplateTargets(target: String, valid: Bool) {
        let config = RelabelConfig(sourceLabels: ["a"], targetLabel: target)
        #expect((try? config.validate(scheme: .legacy)) != nil || !valid)
        #expect((try? config.validate(scheme: .legacy)) == nil || valid)
    }
}
