import Model
import Testing
@testable import PromQL

/// `PromQLParser.parseMetricSelector`, the `match[]` parser.
@Suite struct MetricSelectorTests {
    @Test func parsesNameAndMatchers() throws {
        let matchers = try PromQLParser.parseMetricSelector(#"up{job="api",instance=~"a|b"}"#)
        #expect(matchers.map(\.description) == [#"job="api""#, #"instance=~"a|b""#, #"__name__="up""#])
    }

    @Test func acceptsQuotedUTF8Names() throws {
        let matchers = try PromQLParser.parseMetricSelector(#"{"my.metric", "a.b"="c"}"#)
        #expect(matchers.map(\.name) == ["__name__", "a.b"])
        #expect(matchers.first?.value == "my.metric")
    }

    /// The regex message comes from Model's RE2 wrapper; the position is the matcher's.
    @Test func reportsBadRegexAtTheMatcher() {
        do {
            _ = try PromQLParser.parseMetricSelector(#"{a=~"("}"#)
            Issue.record("parsed")
        } catch {
            #expect(error.description.hasPrefix("1:2: parse error: error parsing regexp: "))
        }
    }

    @Test func acceptsEmptySelectorWithoutTypeCheck() throws {
        #expect(try PromQLParser.parseMetricSelector("{}").isEmpty)
    }

    @Test(arguments: [
        ("up + 1", "1:4: parse error: unexpected <op:+>"),
        ("rate(x[5m])", "1:5: parse error: unexpected \"(\""),
        ("", "unknown position: parse error: unexpected end of input"),
    ])
    func refusesNonSelectors(selector: String, message: String) {
        do {
            _ = try PromQLParser.parseMetricSelector(selector)
            Issue.record("parsed \(selector)")
        } catch {
            #expect(error.description == message)
        }
    }
}

/// `PromQLParser.parseMetric`, the label-set parser of test scripts.
@Suite struct MetricTests {
    @Test(arguments: [
        (#"up{job="api", instance="a:1"}"#, Labels(["__name__": "up", "job": "api", "instance": "a:1"])),
        (#"{__name__="up"}"#, Labels(["__name__": "up"])),
        (#"{"my.metric", "a.b"='c',}"#, Labels(["__name__": "my.metric", "a.b": "c"])),
        ("{}", Labels()),
        ("sum", Labels(["__name__": "sum"])),
    ])
    func parsesLabelSets(metric: String, expected: Labels) throws {
        #expect(try PromQLParser.parseMetric(metric) == expected)
    }

    @Test(arguments: [
        (#"up{job=~"a"}"#, #"1:7: parse error: unexpected <op:=~> in label set, expected "=""#),
        (#"up{job="a" x}"#, #"1:12: parse error: unexpected identifier "x" in label set, expected "," or "}""#),
        ("up{job=}", #"1:8: parse error: unexpected "}" in label set, expected string"#),
        ("up + 1", "1:4: parse error: unexpected <op:+>"),
    ])
    func refusesOtherSyntax(metric: String, message: String) {
        do {
            _ = try PromQLParser.parseMetric(metric)
            Issue.record("parsed \(metric)")
        } catch {
            #expect(error.description == message)
        }
    }
}
