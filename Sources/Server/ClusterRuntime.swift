import AsyncHTTPClient
import Config
import Ingest
import Logging
import Model
import Stream
import Query
import Synchronization
import TSDB

/// What a cluster role (`--role=distributor|ingester|querier|ruler`, issue 7) adds to the
/// server: the Kafka topic of `stream:`, the stream sink of a distributor and a ruler, the
/// ingester's partition consumers and progress, and the ring of ingesters a querier and a
/// ruler read from. For `--role=all` it holds nothing and the server runs on its own TSDB as
/// before.
final class ClusterRuntime: Sendable {
    /// The role.
    let role: ServerRole
    /// The topic, for distributors, ingesters and rulers.
    private let stream: KafkaLog?
    /// Where a distributor's producers and a ruler's rules append (nil in other roles: they
    /// append to the TSDB).
    let sink: (any SampleAppendable)?
    /// The ingesters a querier or a ruler reads from.
    let ring: IngesterRing?
    /// How the querier and the ruler reach the ingesters (`stream.ingester_client`).
    let ingesterClient: IngesterClient
    /// An ingester's partitions, in order.
    let partitions: [Int]
    /// An ingester's consumer group.
    let group: String
    /// An ingester's consumption progress (its readiness).
    private let progress: IngestProgress
    /// Whether the topic was found as configured.
    private let topicChecked = Atomic<Bool>(false)
    private let logger: Logger

    /// The runtime of `options.role` with the config's `stream:` section.
    /// - Throws: `ServerError` for a role that needs what the config or flags do not give.
    init(options: ServerOptions, config: StreamConfig, logger: Logger) throws(ServerError) {
        role = options.role
        self.logger = logger
        var partitions: [Int] = []
        var group = ""
        if role.isClusterRole, config.kind != .kafka {
            throw .config("--role=\(role.rawValue) needs stream.kind: kafka in --config.file=\"\(options.configFile)\" (a local stream is one process's log; run --role=all on one machine)")
        }
        if role == .querier || role == .ruler, config.ingesters.isEmpty {
            throw .config("--role=\(role.rawValue) needs stream.ingesters in --config.file=\"\(options.configFile)\": the ingesters' addresses and the partitions each owns")
        }
        if role == .ingester {
            guard StreamConfig.isLegalKafkaName("pharos-ingester-" + options.ingesterID), !options.ingesterID.isEmpty else {
                throw .invalidFlag("ingester.id", "\"\(options.ingesterID)\" must be set to a name of [A-Za-z0-9._-] (like ingester-0), unique per ingester")
            }
            do throws(IngestError) {
                partitions = try IngesterPartitions.parse(options.ingesterPartitions, id: options.ingesterID, partitionCount: config.partitions)
            } catch {
                throw .config("\(error)")
            }
            group = "pharos-ingester-" + options.ingesterID
        }
        self.partitions = partitions
        self.group = group
        progress = IngestProgress(owned: Set(partitions))
        if role == .distributor || role == .ruler, config.recordFormat == .chained, options.features.contains("st-storage") {
            throw .config("--enable-feature=st-storage with stream.record_format: chained: chained records do not carry start timestamps; set record_format: remote_write_v2")
        }
        if role == .distributor || role == .ingester || role == .ruler {
            let log: KafkaLog
            do throws(StreamError) {
                log = try KafkaLog(options: KafkaLog.Options(config), logger: logger)
            } catch {
                throw .config("stream: \(error)")
            }
            stream = log
            sink = role != .ingester ? StreamAppendable(stream: log, partitioner: StreamPartitioner(partitionCount: config.partitions), recordFormat: config.recordFormat) : nil
        } else {
            stream = nil
            sink = nil
        }
        ring = role == .querier || role == .ruler ? IngesterRing(config: config) : nil
        do throws(IngesterClientError) {
            ingesterClient = ring == nil ? .plain : try IngesterClient(config.ingesterClient)
        } catch {
            throw .config("\(error)")
        }
    }

    /// Whether the process serves requests: a distributor and a ruler once the topic is
    /// checked, an ingester once its TSDB is open and its partitions have caught up, a querier
    /// at once.
    func isReady(storageReady: Bool) -> Bool {
        switch role {
        case .distributor, .ruler: topicChecked.load(ordering: .acquiring)
        case .ingester: storageReady && topicChecked.load(ordering: .acquiring) && progress.isCaughtUp
        case .querier: true
        default: storageReady
        }
    }

    /// Checks the topic, then (ingesters) consumes the owned partitions into `storage` until
    /// cancelled; closes the stream at the end.
    /// - Throws: `ServerError.config` when the topic is missing or has another partition count.
    func run(storage: @escaping @Sendable () -> any SampleAppendable) async throws {
        guard let stream else { return }
        do throws(StreamError) {
            try await stream.checkTopic()
        } catch {
            await stream.close()
            throw ServerError.config("stream: \(error)")
        }
        topicChecked.store(true, ordering: .releasing)
        logger.info("Stream topic checked", metadata: ["topic": "\(stream.options.topic)", "partitions": "\(stream.options.partitionCount)",
                                                       "role": "\(role.rawValue)"])
        if role == .ingester {
            await withDiscardingTaskGroup { group in
                for partition in partitions {
                    group.addTask { [self] in
                        await PartitionIngester(stream: stream, partition: partition, group: self.group, sink: storage,
                                                progress: progress, logger: logger).run()
                    }
                }
            }
        } else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
        await stream.close()
    }
}

extension ClusterRuntime {
    /// What the query API and the rules read in this role: the ingesters through `httpClient`
    /// (querier, ruler), an error (distributor), or `nil` for the process's own TSDB.
    func querier(httpClient: HTTPClient) -> (@Sendable (Int64, Int64) -> any Querier)? {
        if let ring {
            let client = ingesterClient
            return { IngesterQuerier(ring: ring, httpClient: httpClient, client: client, mint: $0, maxt: $1) }
        }
        if role == .distributor { return { _, _ in DistributorQuerier() } }
        return nil
    }
}

/// The distributor's answer to the query API: it keeps no data, and an empty result would
/// look like "no such series".
struct DistributorQuerier: Querier {
    private static let reason = "--role=distributor keeps no data and does not answer queries: ask a querier (--role=querier)"

    func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [Series] {
        throw .unavailable(reason: Self.reason)
    }

    func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] {
        throw .unavailable(reason: Self.reason)
    }

    func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
        throw .unavailable(reason: Self.reason)
    }
}
