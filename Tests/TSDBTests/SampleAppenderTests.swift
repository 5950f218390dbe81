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
        #expect(rejection(&next, ref, labels, 1500, 3) == .outOfOrder)
        #expect(rejection(&next, ref, labels, 2000, 9) == .duplicateTimestamp)
        // A ref the head never handed out is resolved from the labels.
        #expect(try next.append(ref: 987_654, labels: labels, timestamp: 3000, value: 3) == ref)
        next.rollback()
        #expect(try readAll(head.querier(), [matcher(.equal, "job", "a")]).first?.1.map(\.0) == [1000, 2000])
    }
}

/// The kind of error appending one sample throws, `nil` if it is accepted.
private func rejection(_ app: inout any SampleAppender & ~Copyable, _ ref: UInt64, _ labels: Labels,
                       _ t: Int64, _ v: Double) -> AppendError.Kind? {
    do throws(AppendError) {
        _ = try app.append(ref: ref, labels: labels, timestamp: t, value: v)
        return nil
    } catch {
        return error.kind
    }
}
