import Testing

@testable import Model

@Suite struct NameValidationTests {
    /// Label names: Prometheus's `model.LabelName.IsValid` under each scheme.
    @Test(arguments: [
        ("a", true, true), ("_", true, true), ("__name__", true, true), ("A_b9", true, true),
        ("", false, false), ("1a", false, true), ("a-b", false, true), ("a:b", false, true),
        ("a.b", false, true), ("ä", false, true), ("with space", false, true), ("日本", false, true),
    ])
    func labelNames(name: String, legacy: Bool, utf8: Bool) {
        #expect(NameValidationScheme.legacy.isValidLabelName(name) == legacy)
        #expect(NameValidationScheme.utf8.isValidLabelName(name) == utf8)
    }

    /// Metric names: as label names, plus `:` anywhere under legacy.
    @Test(arguments: [
        ("up", true, true), ("a:b", true, true), (":a", true, true), ("a_1:rate5m", true, true),
        ("", false, false), ("1a", false, true), ("a-b", false, true), ("a.b", false, true), ("ü", false, true),
    ])
    func metricNames(name: String, legacy: Bool, utf8: Bool) {
        #expect(NameValidationScheme.legacy.isValidMetricName(name) == legacy)
        #expect(NameValidationScheme.utf8.isValidMetricName(name) == utf8)
    }

    @Test func validateThrowsTheNameAndScheme() {
        #expect(throws: ModelError.invalidLabelName("1a", scheme: .legacy)) {
            try NameValidationScheme.legacy.validateLabelName("1a")
        }
        #expect(throws: ModelError.invalidMetricName("", scheme: .utf8)) {
            try NameValidationScheme.utf8.validateMetricName("")
        }
    }
}

@Suite struct LabelsValidationTests {
    private static func encoded(_ pairs: [(String, [UInt8])]) -> Labels {
        var bytes: [UInt8] = []
        for (name, value) in pairs {
            bytes += Array(name.utf8) + [0xFF] + value + [0xFF]
        }
        return Labels(encoded: bytes)
    }

    @Test func acceptsWellFormedSets() throws {
        try Labels(["__name__": "up", "job": "node", "ä": "ü"]).validate(scheme: .utf8)
        try Labels(["__name__": "up:rate", "job": "node"]).validate(scheme: .legacy)
        try Labels().validate(scheme: .legacy)
    }

    @Test(arguments: [
        ([("a", [0x31]), ("a", [0x32])], NameValidationScheme.utf8, ModelError.duplicateLabelName("a")),
        ([("b", [0x31]), ("a", [0x32])], .utf8, .labelsOutOfOrder(name: "a", after: "b")),
        ([("a", [0xC3, 0x28])], .utf8, .invalidLabelValue(name: "a")),
        ([("a", [0xC0, 0x80])], .utf8, .invalidLabelValue(name: "a")),  // overlong NUL
        ([("a", [0xED, 0xA0, 0x80])], .utf8, .invalidLabelValue(name: "a")),  // surrogate
        ([("a", [0xF4, 0x90, 0x80, 0x80])], .utf8, .invalidLabelValue(name: "a")),  // past U+10FFFF
        ([("a-b", [0x31])], .legacy, .invalidLabelName("a-b", scheme: .legacy)),
        ([("__name__", Array("a-b".utf8))], .legacy, .invalidMetricName("a-b", scheme: .legacy)),
        ([("", [0x31])], .utf8, .invalidLabelName("", scheme: .utf8)),
    ] as [([(String, [UInt8])], NameValidationScheme, ModelError)])
    func refusesTheFirstBadLabel(pairs: [(String, [UInt8])], scheme: NameValidationScheme, expected: ModelError) {
        #expect(throws: expected) { try Self.encoded(pairs).validate(scheme: scheme) }
    }

    @Test func utf8SchemeAcceptsWhatLegacyRefuses() throws {
        let labels = Labels(["__name__": "http.requests", "service.name": "api"])
        try labels.validate(scheme: .utf8)
        #expect(throws: ModelError.self) { try labels.validate(scheme: .legacy) }
    }
}
