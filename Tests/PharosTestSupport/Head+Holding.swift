package import Model
package import TSDB

extension Head {
    /// A new head holding `series` (labels → samples as milliseconds and values), committed.
    package static func holding(_ series: [(Labels, [(Int64, Double)])]) throws -> Head {
        let head = Head()
        var appender = head.appender()
        for (labels, samples) in series {
            for (t, v) in samples { try appender.append(labels, timestamp: t, value: v) }
        }
        _ = try appender.commit()
        return head
    }
}
