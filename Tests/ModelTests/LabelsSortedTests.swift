import Testing

@testable import Model

@Suite struct LabelsSortedTests {
    /// Labels a decoder has already sorted give the same set (bytes and hash) as `init(_:)`.
    @Test func sortedUniqueEqualsTheGeneralInitializer() {
        let sorted = [
            Label(name: "__name__", value: "up"), Label(name: "empty", value: ""),
            Label(name: "instance", value: "a:9100"), Label(name: "job", value: "node"), Label(name: "é", value: "ü"),
        ]
        let fast = Labels(sortedUnique: sorted)
        let general = Labels(sorted.reversed())
        #expect(fast == general && fast.hash == general.hash)
        #expect(fast.count == 4 && fast["empty"] == nil)
        #expect(Labels(sortedUnique: []) == Labels())
    }
}
