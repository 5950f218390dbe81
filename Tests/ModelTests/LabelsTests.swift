import Testing

@testable import Model

@Suite struct LabelsTests {
    @Test func sortsAndDropsEmptyValues() {
        let labels = Labels(["job": "node", "__name__": "up", "empty": "", "instance": "a:9100"])
        #expect(Array(labels).map(\.name) == ["__name__", "instance", "job"])
        #expect(labels.count == 3)
        #expect(labels["job"] == "node")
        #expect(labels["empty"] == nil)
        #expect(labels.metricName == "up")
        #expect(labels.description == #"{__name__="up", instance="a:9100", job="node"}"#)
    }

    /// Values computed with Prometheus's `labels.FromStrings(...).Hash()` (xxhash over
    /// `name 0xFF value 0xFF ...`): the same bytes, so shards and fingerprints agree.
    @Test func hashIsXXH64OfNameSeparatorValueSeparator() {
        let labels = Labels(["a": "b"])
        let bytes: [UInt8] = Array("a".utf8) + [0xFF] + Array("b".utf8) + [0xFF]
        #expect(labels.hash == Labels.xxh64(bytes))
        #expect(Labels().hash == 0xEF46_DB37_51D8_E999)  // XXH64 of no bytes, seed 0
    }

    @Test func equalSetsBuiltInAnyOrderAreEqual() {
        let a = Labels(["x": "1", "y": "2"])
        let b = Labels(["y": "2", "x": "1"])
        #expect(a == b)
        #expect(a.hash == b.hash)
        #expect(a != Labels(["x": "1", "y": "3"]))
    }

    @Test(arguments: [
        (["a": "1"], ["a": "1"], 0),
        (["a": "1"], ["a": "2"], -1),
        (["a": "1"], ["a": "1", "b": "1"], -1),
        (["a": "10"], ["a": "1"], 1),
        (["ab": "1"], ["a": "1"], 1),
        (["a": "1", "c": "1"], ["a": "1", "b": "9"], 1),
    ] as [([String: String], [String: String], Int)])
    func comparesLabelByLabel(lhs: [String: String], rhs: [String: String], sign: Int) {
        let l = Labels(lhs.map { Label(name: $0.key, value: $0.value) })
        let r = Labels(rhs.map { Label(name: $0.key, value: $0.value) })
        #expect(Labels.compare(l, r).signum() == sign)
        #expect(Labels.compare(r, l).signum() == -sign)
    }

    @Test func builderSetsDeletesAndKeeps() {
        var builder = LabelsBuilder(Labels(["a": "1", "b": "2", "c": "3"]))
        builder.set("b", "")
        builder.set("d", "4")
        builder.set("a", "9")
        #expect(builder.labels() == Labels(["a": "9", "c": "3", "d": "4"]))
        builder.keep(["a", "d"])
        #expect(builder.labels() == Labels(["a": "9", "d": "4"]))
    }

    @Test func quotesLikeGo() {
        #expect("a\"b\\c\nd".quotedForPromQL == #""a\"b\\c\nd""#)
        #expect("\u{1}".quotedForPromQL == #""\x01""#)
    }
}

@Suite struct SampleTests {
    @Test func staleMarkerIsADistinctNaN() {
        #expect(Double.staleMarker.isNaN)
        #expect(Double.staleMarker.isStaleMarker)
        #expect(!Double.nan.isStaleMarker)
        #expect(Sample(timestampMs: 1, value: .staleMarker) != Sample(timestampMs: 1, value: .nan))
        #expect(Sample(timestampMs: 1, value: .nan) == Sample(timestampMs: 1, value: .nan))
    }
}

@Suite struct MatcherTests {
    @Test func regexIsAnchoredAndDotMatchesNewline() throws {
        let m = try Matcher(.regexMatch, "job", "ap.")
        #expect(m.matches("api"))
        #expect(!m.matches("xapi"))
        #expect(!m.matches("apix"))
        #expect(try Matcher(.regexMatch, "a", "a.b").matches("a\nb"))
    }

    @Test func absentLabelMatchesAsEmpty() throws {
        #expect(try Matcher(.regexMatch, "a", ".*").matchesEmpty)
        #expect(try !Matcher(.regexMatch, "a", ".+").matchesEmpty)
        #expect(try Matcher(.notEqual, "a", "x").matchesEmpty)
    }

    @Test(arguments: ["(a)\\1", "a(?=b)", "a(?!b)", "(?<=a)b", "[", "a{2,1}"])
    func refusesWhatRE2Refuses(pattern: String) {
        #expect(throws: ModelError.self) { try Matcher(.regexMatch, "a", pattern) }
    }

    @Test func literalAlternativesAreASet() throws {
        let m = try Matcher(.regexMatch, "job", "api|web|db")
        #expect(m.setMatches == ["api", "db", "web"])
        #expect(m.matches("web"))
        #expect(!m.matches("we"))
    }
}
