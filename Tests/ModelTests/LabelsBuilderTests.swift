import Testing

@testable import Model

/// The builder keeps upstream `labels.Builder`'s observable behaviour.
@Suite struct LabelsBuilderTests {
    @Test func visitsBaseLabelsThenSetLabelsInSetOrder() {
        var builder = LabelsBuilder(Labels(["a": "1", "b": "2", "c": "3"]))
        builder.set("z", "26")
        builder.set("a", "changed")  // an override moves behind the base labels, as upstream
        builder.set("y", "25")
        builder.set("z", "again")  // re-setting keeps the first position
        #expect(builder.current.map(\.name) == ["b", "c", "z", "a", "y"])
        #expect(builder.labels() == Labels(["a": "changed", "b": "2", "c": "3", "y": "25", "z": "again"]))
    }

    @Test func deleteThenSetRestoresTheLabel() {
        var builder = LabelsBuilder(Labels(["a": "1", "b": "2"]))
        builder.delete("a")
        #expect(builder.value(of: "a") == nil)
        builder.set("a", "back")
        #expect(builder.value(of: "a") == "back")
        builder.set("b", "")
        #expect(builder.labels() == Labels(["a": "back"]))
    }

    @Test func unchangedBuilderReturnsItsBase() {
        let base = Labels(["a": "1"])
        let builder = LabelsBuilder(base)
        builder.labels()._bytes.withUnsafeBufferPointer { a in
            base._bytes.withUnsafeBufferPointer { b in #expect(a.baseAddress == b.baseAddress) }
        }
    }

    @Test func namesAreComparedAsBytes() {
        var builder = LabelsBuilder()
        builder.set("\u{E9}", "precomposed")
        builder.set("e\u{301}", "decomposed")  // canonically equivalent, different bytes
        #expect(builder.labels().count == 2)
        #expect(builder.value(of: "e\u{301}") == "decomposed")
    }

    @Test func resetKeepsNothingOfThePreviousSeries() {
        var builder = LabelsBuilder(Labels(["a": "1"]))
        builder.set("b", "2")
        builder.delete("a")
        builder.reset(Labels(["c": "3"]))
        #expect(builder.labels() == Labels(["c": "3"]))
        builder.keep(["nothing"])
        #expect(builder.labels() == Labels())
    }
}
