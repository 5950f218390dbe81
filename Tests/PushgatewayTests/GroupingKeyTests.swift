import Pushgateway
import Testing

/// Grouping keys from push URLs, with the real Pushgateway's rules and messages.
@Suite struct GroupingKeyTests {
    @Test(arguments: [
        ("job/batch", [("job", "batch")]),
        ("job/batch/", [("job", "batch")]),
        ("job/batch/instance/a", [("instance", "a"), ("job", "batch")]),
        ("job/batch/zone/", [("job", "batch"), ("zone", "")]),
        ("job/cron/path@base64/L3Zhci90bXA", [("job", "cron"), ("path", "/var/tmp")]),
        ("job/cron/path@base64/L3Zhci90bXA=", [("job", "cron"), ("path", "/var/tmp")]),
        ("job/cron/empty@base64/=", [("empty", ""), ("job", "cron")]),
        ("job@base64/Y3Jvbg==/name@base64/zqDPgc6_zrzOt864zrXPjc-C", [("job", "cron"), ("name", "Προμηθεύς")]),
        ("job/a%20b/x/c%2Fd", [("job", "a b"), ("x", "c")]),
    ] as [(String, [(String, String)])])
    func parsesPath(path: String, labels: [(String, String)]) throws {
        let key = try? GroupingKey(path: path)
        if path.hasSuffix("%2Fd") {
            // %2F decodes to "/" before splitting, as Go's URL.Path does: an odd component count.
            #expect(key == nil)
            return
        }
        let parsed = try #require(key)
        #expect(parsed.labels.map(\.name) == labels.map(\.0))
        #expect(parsed.labels.map(\.value) == labels.map(\.1))
    }

    @Test(arguments: [
        ("job/batch/instance", "odd number of components in label string \"/instance\""),
        ("job/batch/__x/y", "improper label name \"__x\""),
        ("job/batch/1a/y", "improper label name \"1a\""),
        ("job/batch/a@base64/a+b", "invalid base64 encoding for label a=\"a+b\": illegal base64 data"),
        ("job@base64/=", "job name is required"),
        ("job@base64/Zm9v!", "invalid base64 encoding in job name \"Zm9v!\": illegal base64 data"),
        ("other/x", "push paths start with job/ or job@base64/"),
    ])
    func refusesPath(path: String, message: String) {
        #expect(throws: PushgatewayError.invalidPath(message)) { try GroupingKey(path: path) }
    }

    @Test func laterPairWinsAndOrderIsByName() {
        let key = GroupingKey([(name: "b", value: "1"), (name: "a", value: "2"), (name: "b", value: "3")])
        #expect(key.labels.map(\.name) == ["a", "b"])
        #expect(key["b"] == "3")
        #expect(key == GroupingKey([(name: "a", value: "2"), (name: "b", value: "3")]))
    }
}
