import Model
import Testing
import PharosTestSupport

@Suite struct PrometheusDurationTests {
    static let valid: [(String, Int64)] = [
        ("0", 0), ("0s", 0), ("100ms", 100), ("5m", 300_000), ("1h30m", 5_400_000), ("1d", 86_400_000),
        ("1w", 604_800_000), ("1y", 31_536_000_000),
        ("1y2w3d4h5m6s7ms", 31_536_000_000 + 1_209_600_000 + 259_200_000 + 14_400_000 + 300_000 + 6_000 + 7),
    ]

    @Test(arguments: valid)
    func parses(text: String, milliseconds: Int64) throws {
        #expect(try Duration(prometheus: text) == .milliseconds(milliseconds))
    }

    @Test(arguments: [
        ("", "empty duration string"),
        ("5", "not a valid duration string: \"5\""),
        ("-5m", "not a valid duration string: \"-5m\""),
        ("1.5h", "unknown unit \".\" in duration \"1.5h\""),
        ("30m1h", "not a valid duration string: \"30m1h\""),
        ("1m1m", "not a valid duration string: \"1m1m\""),
        ("5x", "unknown unit \"x\" in duration \"5x\""),
        ("1M", "unknown unit \"M\" in duration \"1M\""),
        ("m", "not a valid duration string: \"m\""),
        ("300y", "duration out of range"),
        ("99999999999999999999s", "not a valid duration string: \"99999999999999999999s\""),
    ])
    func refusesAsPrometheusDoes(text: String, reason: String) {
        #expect(throws: ModelError.invalidDuration(text, reason: reason)) { try Duration(prometheus: text) }
    }

    static let formatted: [(Int64, String)] = [
        (0, "0s"), (1_500, "1s500ms"), (5_400_000, "1h30m"), (90 * 86_400_000, "90d"), (14 * 86_400_000, "2w"),
        (365 * 86_400_000, "1y"), (-60_000, "-1m"),
    ]

    @Test(arguments: formatted)
    func formatsAsPrometheusDoes(milliseconds: Int64, expected: String) {
        #expect(Duration.milliseconds(milliseconds).prometheusString == expected)
    }

    @Test func formattingExtremesDoesNotTrap() {
        #expect(Duration.seconds(Int64.max).prometheusString.hasSuffix("ms"))
        #expect(Duration.seconds(Int64.min).prometheusString.hasPrefix("-"))
    }

    @Test func formattingRoundTrips() throws {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<2_000 {
            let milliseconds = Int64(generator.next() % 9_000_000_000_000)
            let duration = Duration.milliseconds(milliseconds)
            #expect(try Duration(prometheus: duration.prometheusString) == duration)
        }
    }

    @Test func randomTextNeverTraps() {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("0123456789smhdwyx.-+ ")
        for _ in 0..<5_000 {
            let length = Int(generator.next() % 12)
            let text = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            // Either a duration or a ModelError: never a trap.
            _ = try? Duration(prometheus: text)
        }
    }
}
