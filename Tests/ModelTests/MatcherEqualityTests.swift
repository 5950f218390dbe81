import Testing

@testable import Model

/// Go compares label values as bytes; Swift's `==` would call canonically equivalent
/// spellings equal. Every matcher type must see them as different, as Prometheus does.
@Suite struct MatcherEqualityTests {
    static let precomposed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    @Test func canonicallyEquivalentValuesDiffer() throws {
        #expect(Self.precomposed == Self.decomposed)  // the trap this suite guards against
        #expect(try !Matcher(.equal, "a", Self.precomposed).matches(Self.decomposed))
        #expect(try Matcher(.notEqual, "a", Self.precomposed).matches(Self.decomposed))
        #expect(try !Matcher(.regexMatch, "a", Self.precomposed).matches(Self.decomposed))
        #expect(try !Matcher(.regexMatch, "a", "x|\(Self.precomposed)").matches(Self.decomposed))
        #expect(try !Matcher(.regexMatch, "a", "caf\u{E9}.*").matches(Self.decomposed))
        #expect(try Matcher(.regexMatch, "a", "cafe.*").matches(Self.decomposed))
    }

    @Test func labelLookupIsByBytes() {
        let labels = Labels([Label(name: Self.precomposed, value: "1")])
        #expect(labels[Self.decomposed] == nil)
        #expect(labels[Self.precomposed] == "1")
    }
}
