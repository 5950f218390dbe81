package import Model

extension HeadAppender: SampleAppender {
    @discardableResult
    package mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double) throws(AppendError) -> UInt64 {
        try append(ref: ref, labels: labels, timestamp: timestamp, value: value, startTimestamp: 0)
    }

    @discardableResult
    package mutating func append(ref: UInt64, labels: Labels, timestamp: Int64, value: Double,
                                 startTimestamp: Int64) throws(AppendError) -> UInt64 {
        do throws(TSDBError) {
            if ref != 0 {
                do throws(TSDBError) {
                    try append(SeriesRef(rawValue: ref), timestamp: timestamp, value: value, startTimestamp: startTimestamp)
                    return ref
                } catch .unknownSeriesRef {
                    // Garbage-collected since: look the series up by its labels below.
                }
            }
            return try append(labels, timestamp: timestamp, value: value, startTimestamp: startTimestamp).rawValue
        } catch {
            throw AppendError(error)
        }
    }

    @discardableResult
    package mutating func commitBatch() throws(AppendError) -> Int {
        do throws(TSDBError) {
            return try commit()
        } catch {
            throw AppendError(error)
        }
    }
}

extension Head: SampleAppendable {
    package func makeAppender() -> any SampleAppender & ~Copyable {
        appender()
    }

    package func makeAppender(durability: CommitDurability) -> any SampleAppender & ~Copyable {
        appender(durability: durability)
    }
}

extension AppendError {
    /// The sink-neutral form of a TSDB error.
    init(_ error: TSDBError) {
        let kind: Kind = switch error {
        case .outOfOrderSample: .outOfOrder
        case .duplicateSampleForTimestamp: .duplicateTimestamp
        case .outOfBounds, .tooOldSample: .outOfBounds
        case .emptyLabelSet, .unknownSeriesRef: .invalid
        default: .storage
        }
        self.init(kind, error.description)
    }
}
