import Model

extension RemoteReadRequest {
    /// The request as a (not yet snappy-compressed) `prometheus.ReadRequest`, hints included,
    /// the inverse of `init(decoding:)`: what a querier sends to the ingesters it fans out to.
    package func encoded() -> [UInt8] {
        var writer = ProtobufWriter()
        for query in queries {
            writer.message(1) { q in
                q.int64Field(1, query.startTimestampMs)
                q.int64Field(2, query.endTimestampMs)
                for matcher in query.matchers {
                    q.message(3) { m in
                        m.varintField(1, Self.matcherTypeNumber(matcher.type))
                        m.stringField(2, matcher.name)
                        m.stringField(3, matcher.value)
                    }
                }
                if let hints = query.hints {
                    q.message(4) { h in
                        h.int64Field(1, hints.stepMs)
                        h.stringField(2, hints.function)
                        h.int64Field(3, hints.startMs)
                        h.int64Field(4, hints.endMs)
                        for name in hints.grouping { h.stringField(5, name) }
                        h.varintField(6, hints.by ? 1 : 0)
                        h.int64Field(7, hints.rangeMs)
                    }
                }
            }
        }
        writer.packedVarints(2, count: acceptedResponseTypes.count) { UInt64(bitPattern: Int64(acceptedResponseTypes[$0])) }
        return writer.bytes
    }

    /// `LabelMatcher.Type` of `type`.
    private static func matcherTypeNumber(_ type: MatchType) -> UInt64 {
        switch type {
        case .equal: 0
        case .notEqual: 1
        case .regexMatch: 2
        case .regexNoMatch: 3
        }
    }
}
