import Testing

@testable import Model
import PharosTestSupport

@Suite struct LabelsProjectionTests {
    let series = Labels(["__name__": "http_requests_total", "job": "api", "instance": "a:1", "code": "200"])

    @Test func dropsAndKeeps() {
        #expect(series.dropping(["code", "absent"]) == Labels(["__name__": "http_requests_total", "job": "api", "instance": "a:1"]))
        #expect(series.keeping(["job", "code", "absent"]) == Labels(["job": "api", "code": "200"]))
        #expect(series.keeping([]) == Labels())
        #expect(series.dropping([]) == series)
        #expect(series.withoutMetricName == Labels(["job": "api", "instance": "a:1", "code": "200"]))
        #expect(Labels(["a": "1"]).withoutMetricName == Labels(["a": "1"]))
    }

    @Test func unchangedProjectionSharesStorage() {
        let same = series.dropping(["absent"])
        #expect(same == series)
        same._bytes.withUnsafeBufferPointer { a in
            series._bytes.withUnsafeBufferPointer { b in #expect(a.baseAddress == b.baseAddress) }
        }
    }

    /// The subset hashes equal the hash of the subset they stand for, as Prometheus's
    /// `HashForLabels`/`HashWithoutLabels` equal `Hash` of the projected set.
    @Test func subsetHashesEqualHashOfTheSubset() {
        var random = SeededGenerator(seed: 7)
        let names = ["__name__", "a", "b", "code", "instance", "job", "le", "zz", "ä"]
        for _ in 0..<500 {
            var pairs: [Label] = []
            for name in names where Bool.random(using: &random) {
                pairs.append(Label(name: name, value: String(Int.random(in: 0..<1000, using: &random))))
            }
            let labels = Labels(pairs)
            let chosen = names.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
            #expect(labels.hash(for: chosen) == labels.keeping(chosen).hash)
            #expect(labels.hash(without: chosen) == labels.dropping(chosen).withoutMetricName.hash)
        }
    }

    @Test func hashWithoutAlwaysIgnoresTheMetricName() {
        let a = Labels(["__name__": "x", "job": "1"])
        let b = Labels(["__name__": "y", "job": "1"])
        #expect(a.hash(without: []) == b.hash(without: []))
        #expect(a.hash(for: ["job"]) == b.hash(for: ["job"]))
        #expect(a.hash(for: ["__name__"]) != b.hash(for: ["__name__"]))
    }
}
