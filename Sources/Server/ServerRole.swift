/// `pharos server --role=…`: which part of Pharos a process runs (docs/cluster.md). `all` is
/// the single process; the others split it along Mimir's ingest-storage architecture, with a
/// Kafka topic (`stream.kind: kafka`) between distributors and ingesters.
package enum ServerRole: String, Sendable, CaseIterable {
    /// Everything in one process, on its own TSDB (the default).
    case all
    /// Receives remote writes, pushes and scrapes and produces them to the stream.
    case distributor
    /// Consumes partitions of the stream into its own TSDB and serves them to queriers.
    case ingester
    /// Answers the query API by fanning out to the ingesters.
    case querier
    /// Evaluates rules over the ingesters (as a querier does) and writes their output to the stream.
    case ruler
    /// The Alertmanager alone (issue 9).
    case alertmanager

    /// Whether the process keeps a TSDB.
    var keepsTSDB: Bool { self == .all || self == .ingester }
    /// Whether the process takes samples in (scrapes, pushes, remote writes).
    var receivesSamples: Bool { self == .all || self == .distributor }
    /// Whether the process is one of the cluster roles, which run on a Kafka stream.
    var isClusterRole: Bool { self == .distributor || self == .ingester || self == .querier || self == .ruler }
    /// Whether the process evaluates `rule_files` and sends alerts.
    var evaluatesRules: Bool { self == .all || self == .ruler }
}
