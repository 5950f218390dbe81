extension DB {
    /// The head's cardinality report for `/api/v1/status/tsdb` (Prometheus reports the head
    /// only, too), with top lists of at most `limit` entries.
    package func statistics(limit: Int) -> HeadStatistics {
        head.statistics(limit: limit)
    }
}
