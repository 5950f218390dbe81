import Logging
import Pushgateway
import Testing

/// `PUT`/`POST`/`DELETE` semantics and the consistency checks, in process with time as an argument.
@Suite struct PushStateTests {
    private let gateway = try! Pushgateway(directory: nil, defaultTTLMs: 0, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))

    private func push(_ text: String, _ path: String, replace: Bool = true, at nowMs: Int64 = 1_000) throws(PushgatewayError) {
        try gateway.push(Array(text.utf8), contentType: "text/plain", to: try GroupingKey(path: path), replace: replace, ttlMs: nil, nowMs: nowMs)
    }

    private var metrics: String {
        var out: [UInt8] = []
        PushgatewayExposition.write(gateway.groups, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func putReplacesTheGroupAndPostOnlyThePushedNames() throws {
        try push("a 1\nb 2\n", "job/x")
        try push("b 3\n", "job/x", replace: false)
        #expect(metrics.contains("a{instance=\"\",job=\"x\"} 1\n"))
        #expect(metrics.contains("b{instance=\"\",job=\"x\"} 3\n"))
        try push("c 4\n", "job/x")
        #expect(!metrics.contains("a{"))
        #expect(!metrics.contains("b{"))
        #expect(metrics.contains("c{instance=\"\",job=\"x\"} 4\n"))
    }

    @Test func refusedPushRecordsItsFailureTime() throws {
        #expect(throws: PushgatewayError.timestampsPresent) { try push("a 1 1234\n", "job/y", at: 5_000) }
        let group = try #require(gateway.groups.first)
        #expect(group.lastPushMs == 0)
        #expect(group.lastFailureMs == 5_000)
        #expect(!group.lastPushSucceeded)
        #expect(metrics.contains("push_failure_time_seconds{instance=\"\",job=\"y\"} 5\n"))
        #expect(metrics.contains("push_time_seconds{instance=\"\",job=\"y\"} 0\n"))
    }

    /// Expects the push to be refused as inconsistent, for a reason containing `reason`.
    private func expectInconsistent(_ text: String, _ path: String, reason: String) {
        #expect {
            try push(text, path)
        } throws: { error in
            guard case .inconsistent(let message) = error as? PushgatewayError else { return false }
            return message.contains(reason)
        }
    }

    @Test func typeConflictAcrossGroupsIsRefused() throws {
        try push("# TYPE t gauge\nt 1\n", "job/a")
        expectInconsistent("# TYPE t counter\nt 1\n", "job/b", reason: "is not a GAUGE")
    }

    @Test func sameSeriesFromTwoGroupsIsRefused() throws {
        try push("s{instance=\"i\"} 1\n", "job/a")
        expectInconsistent("s 2\n", "job/a/instance/i", reason: "was collected before with the same name and label values")
    }

    @Test func groupingLabelsOverwriteBodyLabels() throws {
        try push("m{job=\"other\",zone=\"body\"} 1\n", "job/a/zone/url")
        #expect(metrics.contains("m{instance=\"\",job=\"a\",zone=\"url\"} 1\n"))
    }

    @Test func suffixCollisionWithASummaryIsRefused() throws {
        try push("# TYPE lat summary\nlat{quantile=\"0.5\"} 1\nlat_sum 2\nlat_count 3\n", "job/a")
        #expect(throws: PushgatewayError.self) { try push("lat_count 1\n", "job/b") }
    }

    @Test func histogramIsWrittenAsExpfmtWritesIt() throws {
        try push("# TYPE h histogram\nh_bucket{le=\"1.0\"} 2\nh_sum 1.5\nh_count 4\n", "job/a")
        #expect(metrics.contains("""
            # TYPE h histogram
            h_bucket{instance="",job="a",le="1"} 2
            h_bucket{instance="",job="a",le="+Inf"} 4
            h_sum{instance="",job="a"} 1.5
            h_count{instance="",job="a"} 4

            """))
    }
}
