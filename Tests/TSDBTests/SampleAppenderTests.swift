import Model
import Testing

@testable import TSDB

/// The head through the sink-neutral `SampleAppendable` seam producers use.
@Suite struct SampleAppenderSeamTests {
    @Test func appendsByRefAndLabelsAndMapsErrors() throws {
        let head = Head()
        let sink: any SampleAppendable = head
        var app = sink.makeAppender()
        let labels = Labels(["__name__": "up", "job": "a"])
        let ref = try app.append(ref: 0, labels: labels, timestamp: 1000, value: 1)
        #expect(ref != 0)
        #expect(try app.append(ref: ref, labels: labels, timestamp: 2000, value: 2) == ref)
        #expect(try app.commitBatch() == 2)

        var next = sink.makeAppender()
        #expect(throws: AppendError(.outOfOrder, "")) {
            do { _ = try next.append(ref: ref, labels: labels, timestamp: 1500, value: 3) } catch { throw AppendError(error.kind, "") }
        }
        #expect(throws: AppendError(.duplicateTimestamp, "")) {
            do { _ = try next.append(ref: ref, labels: labels, timestamp: 2000, value: 9) } catch { throw AppendError(error.kind, "") }
        }
        // A ref the head never handed out is resolved from the labels.
        #expect(try next.append(ref: 987_654, labels: labels, timestamp: 3000, value: 3) == ref)
        next.rollback()
        #expect(try readAll(head.querier(), [matcher(.equal, "job", "a")]).first?.1.map(\.0) == [1000, 2000])
    }
}
