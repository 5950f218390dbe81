package import Config
import AsyncHTTPClient
import Discovery
import Exposition
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
package import Logging
package import Model
import NIOCore
import NIOHTTPCompression
import NIOPosix
import PromQL
import Pushgateway
import Query
import RemoteWrite
import Rules
import Scrape
import Alerting
import ServiceLifecycle
import Synchronization
import TSDB
import UnixSignals

/// `pharos server` on one machine: the HTTP API, the storage, and the configuration they
/// run with, started together and stopped gracefully on SIGTERM, SIGINT or `/-/quit`;
/// SIGHUP and `/-/reload` reload the configuration.
package final class PharosServer: Sendable {
    /// The flags the server runs with.
    package let options: ServerOptions
    private let logger: Logger
    private let webConfig: WebConfig
    private let state: Mutex<State>
    private let storage = ServerStorage()
    private let startTime = WallClock.milliseconds()
    private let group = Mutex<ServiceGroup?>(nil)
    /// The WAL segments found at start and how far replay got (`/api/v1/status/walreplay`).
    private let walReplay = Mutex<(min: Int, max: Int, current: Int)>((0, 0, 0))
    private let listening = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))
    /// Scrapes, notifications and remote writes go out through this client.
    private let httpClient: HTTPClient
    private let discovery: DiscoveryManager<ContinuousClock>
    /// Discovers the Alertmanagers of `alerting.alertmanagers` entries with `*_sd_configs`.
    private let alertmanagerDiscovery: DiscoveryManager<ContinuousClock>
    private let scrape: ScrapeManager
    private let notifier: Notifier
    private let rules: RuleManager
    /// The `remote_write` queues (issue 6).
    private let remoteWrite: RemoteWriteStorage
    /// Limits on concurrent remote writes and pushes (issue 6), shared by every listener.
    private let remoteWriteConcurrency: ConcurrencyLimit
    private let pushConcurrency: ConcurrencyLimit
    /// The Alertmanager of `--alertmanager.config.file` (issue 9), if given.
    private let alertmanager: AlertmanagerService?
    /// What `--role` adds: the stream, ingesters, the querier's ring (issue 7).
    private let cluster: ClusterRuntime

    private struct State: Sendable {
        var config: PrometheusConfig
        var reload: StatusAPI.ReloadState
    }

    /// Loads the configuration and the web configuration.
    /// - Throws: `ServerError` naming the file and what is wrong with it.
    package init(options: ServerOptions, logger: Logger) throws(ServerError) {
        self.options = options
        self.logger = logger
        let config = try Self.loadConfig(options.configFile, role: options.role)
        cluster = try ClusterRuntime(options: options, config: config.stream, logger: logger)
        webConfig = options.webConfigFile.isEmpty ? WebConfig() : try WebConfig.load(file: options.webConfigFile)
        state = Mutex(State(config: config, reload: .init(succeeded: true, time: WallClock.milliseconds(), yaml: config.yaml())))
        discovery = DiscoveryManager(configs: Self.discoveryConfigs(config), clock: ContinuousClock())
        alertmanagerDiscovery = DiscoveryManager(
            configs: Self.alertmanagerDiscoveryConfigs(config), clock: ContinuousClock(), metrics: discovery.metrics, name: "notify")
        var clientConfiguration = HTTPClient.Configuration(decompression: .enabled(limit: .none))
        // A refused connection fails the scrape (or notification) at once, as in Go, instead of
        // being retried until the scrape timeout: `up` and `lastError` say so without a 10 s wait.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        httpClient = client
        scrape = ScrapeManager(appendable: cluster.sink ?? storage, httpClient: client, logger: logger)
        notifier = Notifier(httpClient: client, logger: logger)
        remoteWriteConcurrency = ConcurrencyLimit(limit: options.remoteWriteMaxConcurrency)
        pushConcurrency = ConcurrencyLimit(limit: options.pushMaxConcurrency)
        remoteWrite = RemoteWriteStorage(
            dataDirectory: options.storagePath, flushDeadline: options.remoteFlushDeadline,
            maxBacklogBytes: options.remoteMaxWALBacklog,
            familyMetadata: { [scrape] in
                scrape.metricMetadata().sorted { $0.key < $1.key }.flatMap { name, entries in
                    entries.map { RemoteWriteFamilyMetadata(familyName: name, metadata: $0) }
                }
            }, logger: logger)
        rules = RuleManager(
            environment: RuleEvaluationEnvironment(
                engine: Engine(options: options.engine),
                querier: cluster.querier(httpClient: client) ?? { [storage] in storage.querier(mint: $0, maxt: $1) },
                appendable: cluster.sink ?? storage, externalURL: options.effectiveExternalURL,
                restore: .init(outageTolerance: options.alertForOutageTolerance, gracePeriod: options.alertForGracePeriod),
                resendDelay: options.alertResendDelay),
            options: .init(queryOffset: options.rulesQueryOffset), notifier: notifier, logger: logger)
        do throws(ServerError) {
            alertmanager = try Self.makeAlertmanager(options: options, httpClient: client, logger: logger)  // Alertmanager (issue 9)
            if let alertmanager { notifier.setLocalAlertmanager { alertmanager.receive($0) } }
            try apply(config)
        } catch {
            try? client.syncShutdown()
            throw error
        }
    }

    /// Hands `config` to the rule manager, the notifier and the scrape manager; rule files
    /// go first, so that an invalid one changes nothing.
    private func apply(_ config: PrometheusConfig) throws(ServerError) {
        do { try remoteWrite.applyConfig(config) } catch { throw .config("applying remote_write: \(error)") }
        do { try rules.applyConfig(config) } catch { throw .config("loading rule files: \(error)") }
        do { try notifier.applyConfig(config) } catch { throw .config("applying alerting config: \(error)") }
        do { try scrape.applyConfig(config) } catch { throw .config("applying scrape configs: \(error)") }
    }

    /// Each scrape job's discovery sections, by job name.
    private static func discoveryConfigs(_ config: PrometheusConfig) -> [String: ServiceDiscoveryConfigs] {
        Dictionary(config.scrapeConfigs.map { ($0.jobName, $0.serviceDiscovery) }, uniquingKeysWith: { first, _ in first })
    }

    /// The discovery sections of the `alerting.alertmanagers` entries, keyed `config-N` as
    /// upstream; static targets go to the notifier directly.
    private static func alertmanagerDiscoveryConfigs(_ config: PrometheusConfig) -> [String: ServiceDiscoveryConfigs] {
        var configs: [String: ServiceDiscoveryConfigs] = [:]
        for (index, entry) in config.alerting.alertmanagers.enumerated() {
            var discovery = entry.serviceDiscovery
            discovery.staticConfigs = []
            if discovery != ServiceDiscoveryConfigs() { configs["config-\(index)"] = discovery }
        }
        return configs
    }

    /// Hands each discovered set of Alertmanagers to the notifier until discovery ends.
    private func forwardDiscoveredAlertmanagers() async {
        for await sets in alertmanagerDiscovery.targetSets {
            var groups: [Int: [(targets: [Labels], labels: Labels)]] = [:]
            for (key, discovered) in sets {
                guard key.hasPrefix("config-"), let index = Int(key.dropFirst("config-".count)) else { continue }
                groups[index] = discovered.map { ($0.targets, $0.labels) }
            }
            notifier.applyDiscovered(groups)
        }
    }

    /// The config in effect.
    package var config: PrometheusConfig { state.withLock { $0.config } }

    /// Runs until a graceful shutdown completes.
    package func run() async throws {
        let (host, port) = try options.hostAndPort()
        let pushgateway = try Pushgateway(directory: options.storagePath + "/pushgateway",  // Pushgateway (issue 6)
                                          defaultTTLMs: options.pushDefaultTTL, logger: logger)
        let application = Application(
            router: makeRouter(pushgateway: pushgateway),
            server: try makeServerBuilder(),
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { [self] channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("Listening", metadata: ["address": "\(host):\(bound)", "tls": "\(webConfig.tls != nil)"])
                let waiters = listening.withLock { state in
                    state.port = bound
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume(returning: bound) }
            },
            logger: logger
        )
        let core = CoreService(server: self, pushgateway: pushgateway)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: application), .init(service: core)]
        // Pushgateway (issue 6): the same routes at the root of --pushgateway.listen-address.
        if !options.pushgatewayListenAddress.isEmpty, options.role.receivesSamples {
            let (pushHost, pushPort) = try ServerOptions.hostAndPort(options.pushgatewayListenAddress, flag: "pushgateway.listen-address")
            let router = Router(context: BasicRequestContext.self)
            router.middlewares.add(GzipMiddleware())
            pushgatewayAPI(pushgateway).register(on: router)
            services.append(.init(service: Application(
                router: router, server: try makeServerBuilder(), configuration: .init(address: .hostname(pushHost, port: pushPort)),
                onServerRunning: { [logger] channel in
                    logger.info("Pushgateway listening", metadata: ["address": "\(pushHost):\(channel.localAddress?.port ?? pushPort)"])
                }, logger: logger)))
        }
        // Alertmanager (issue 9): its API at the root of --alertmanager.listen-address.
        if let alertmanager, !options.alertmanagerListenAddress.isEmpty {
            let (amHost, amPort) = try ServerOptions.hostAndPort(options.alertmanagerListenAddress, flag: "alertmanager.listen-address")
            services.append(.init(service: Application(
                router: alertmanager.router(startTimeMs: startTime, bodyLimit: options.maxRequestBodySize,
                                            basicAuthUsers: webConfig.basicAuthUsers), server: try makeServerBuilder(),
                configuration: .init(address: .hostname(amHost, port: amPort)),
                onServerRunning: { [logger] channel in
                    logger.info("Alertmanager listening", metadata: ["address": "\(amHost):\(channel.localAddress?.port ?? amPort)"])
                }, logger: logger)))
        }
        let serviceGroup = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        group.withLock { $0 = serviceGroup }
        try await serviceGroup.run()
        logger.info("See you next time!")
    }

    /// The port the listener is bound to, once it is.
    package func boundPort() async -> Int {
        await withCheckedContinuation { continuation in
            let port = listening.withLock { state -> Int? in
                if state.port == nil { state.waiters.append(continuation) }
                return state.port
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    /// Starts a graceful shutdown, as SIGTERM does.
    package func shutdown() async {
        await group.withLock { $0 }?.triggerGracefulShutdown()
    }

    /// Re-reads the config file; the old config stays in effect when the new one is invalid.
    package func reload() throws(ServerError) {
        do throws(ServerError) {
            let config = try Self.loadConfig(options.configFile, role: options.role)
            try apply(config)
            storage.current?.setOutOfOrderTimeWindow(config.storage.tsdb.outOfOrderTimeWindow.wholeMilliseconds)
            discovery.applyConfig(Self.discoveryConfigs(config))
            alertmanagerDiscovery.applyConfig(Self.alertmanagerDiscoveryConfigs(config))
            state.withLock {
                $0.config = config
                $0.reload = .init(succeeded: true, time: WallClock.milliseconds(), yaml: config.yaml())
            }
            logger.info("Completed loading of configuration file", metadata: ["filename": "\(options.configFile)"])
        } catch {
            state.withLock { $0.reload.succeeded = false }
            logger.error("Error reloading config", metadata: ["err": "\(error)"])
            throw error
        }
    }

    /// The Alertmanager of `--alertmanager.config.file`, its state under `--storage.path` or
    /// `alertmanager/` in the TSDB directory (issue 9).
    private static func makeAlertmanager(options: ServerOptions, httpClient: HTTPClient, logger: Logger) throws(ServerError)
        -> AlertmanagerService?
    {
        guard !options.alertmanagerConfigFile.isEmpty else { return nil }
        var amOptions = Alertmanager.Options()
        amOptions.storagePath = options.alertmanagerStoragePath.isEmpty ? options.storagePath + "/alertmanager" : options.alertmanagerStoragePath
        amOptions.retention = options.alertmanagerRetention
        let base = options.effectiveExternalURL
        amOptions.externalURL = base + (base.hasSuffix("/") ? "" : "/") + "alertmanager"
        return try AlertmanagerService(configFile: options.alertmanagerConfigFile, options: amOptions, httpClient: httpClient, logger: logger)
    }

    private static func loadConfig(_ path: String, role: ServerRole) throws(ServerError) -> PrometheusConfig {
        let config: PrometheusConfig
        do {
            config = try PrometheusConfig.load(file: path)
        } catch {
            throw .config("couldn't load configuration (--config.file=\"\(path)\"): \(error)")
        }
        // The single process writes through its TSDB write-ahead log (docs/stream.md); Kafka
        // carries samples only between cluster roles (docs/cluster.md).
        if config.stream.kind == .kafka, role == .all {
            throw .config("stream.kind: kafka (--config.file=\"\(path)\") is for the cluster roles: run with --role=distributor, ingester or querier, or remove the stream section to run as a single process")
        }
        // Pharos answers remote read (/api/v1/read) but does not query other systems yet.
        if !config.remoteRead.isEmpty {
            throw .config("remote_read (--config.file=\"\(path)\") is not supported by Pharos yet: it serves remote read at /api/v1/read but does not read from other systems; remove the remote_read section")
        }
        // The sender follows the TSDB's WAL; in a cluster each replica of a partition would send it (docs/cluster.md).
        if !config.remoteWrite.isEmpty, role.isClusterRole {
            throw .config("remote_write (--config.file=\"\(path)\") is not supported with --role=\(role.rawValue): ingesters own the data and each replica of a partition would send it again; have senders write to both the distributors and the other system, or run remote_write from a --role=all server")
        }
        return config
    }

    // MARK: - Storage lifecycle

    /// Opens the storage (replaying its write-ahead log), serves until shutdown, then closes it.
    private struct CoreService: Service {
        let server: PharosServer
        let pushgateway: Pushgateway

        func run() async throws {
            let role = server.options.role
            if role.keepsTSDB { try await server.openStorage() }
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.cluster.run(storage: { [storage = server.storage] in storage.appendable() }) }  // issue 7
                if role.receivesSamples { group.addTask {  // Pushgateway (issue 6): pushed groups ingested at the global scrape interval.
                    await PushgatewayIngester(pushgateway: pushgateway, sink: { [storage = server.storage, cluster = server.cluster] in cluster.sink ?? storage.appendable() },
                                              logger: server.logger)
                        .run(interval: server.config.global.scrapeInterval, nowMs: WallClock.milliseconds)
                } }
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                        try? server.reload()
                        try? server.alertmanager?.reload()  // Alertmanager (issue 9)
                    }
                }
                if let alertmanager = server.alertmanager { group.addTask { await alertmanager.alertmanager.run() } }
                if let db = server.storage.current {
                    if role == .all { group.addTask { await server.remoteWrite.run(db: db) } }  // remote write (issue 6); not from ingester replicas
                    group.addTask { await db.run() }
                }
                if role.receivesSamples {
                    group.addTask { await server.discovery.run() }
                    group.addTask { await server.scrape.run(targetSets: server.discovery.targetSets) }
                }
                if role.evaluatesRules {  // --role=all, or ruler in a cluster (issue 7)
                    group.addTask { await server.rules.run() }
                    group.addTask { await server.notifier.run() }
                    group.addTask { await server.alertmanagerDiscovery.run() }
                    group.addTask { await server.forwardDiscoveredAlertmanagers() }
                }
                try? await gracefulShutdown()
                group.cancelAll()
            }
            try? await server.httpClient.shutdown()
            server.closeStorage()
        }
    }

    private func openStorage() async throws {
        let directory = options.storagePath
        logger.info("Starting TSDB ...", metadata: ["path": "\(directory)"])
        var dbOptions = DB.Options()
        if options.retentionTime > 0 { dbOptions.retentionDuration = options.retentionTime }
        dbOptions.maxBytes = options.retentionSize
        dbOptions.head.walCompression = options.walCompression
        dbOptions.head.storesStartTimestamps = options.features.contains("st-storage")
        dbOptions.head.outOfOrderTimeWindow = state.withLock { $0.config.storage.tsdb.outOfOrderTimeWindow.wholeMilliseconds }
        let segments = WALSegments.range(inDataDirectory: directory)
        walReplay.withLock { $0 = (segments?.lowerBound ?? 0, segments?.upperBound ?? 0, -1) }
        let opened: DB
        do {
            opened = try await NIOThreadPool.singleton.runIfActive { [dbOptions] () throws -> DB in
                try DB.open(directory: directory, options: dbOptions, logger: self.logger)
            }
        } catch {
            logger.critical("Opening storage failed", metadata: ["err": "\(error)"])
            throw ServerError.storage("\(error)")
        }
        for skipped in opened.skippedBlocks {
            logger.warning("Skipped a block that does not open", metadata: ["dir": "\(skipped.directory)", "err": "\(skipped.error)"])
        }
        storage.set(opened)
        walReplay.withLock { $0.current = $0.max }
        logger.info("TSDB started; server is ready to receive web requests.")
    }

    private func closeStorage() {
        do {
            try storage.close()
        } catch {
            logger.error("Closing storage failed", metadata: ["err": "\(error)"])
        }
    }

    // MARK: - HTTP

    private func makeServerBuilder() throws -> HTTPServerBuilder {
        try webConfig.tls?.serverBuilder() ?? .http1()
    }

    /// The Pushgateway endpoints (issue 6).
    private func pushgatewayAPI(_ pushgateway: Pushgateway) -> PushgatewayAPI {
        PushgatewayAPI(pushgateway: pushgateway, bodyLimit: options.maxRequestBodySize, adminEnabled: options.enableAdminAPI,
                       flags: options.flagValues, startTimeMs: startTime, concurrency: pushConcurrency)
    }

    private func makeRouter(pushgateway: Pushgateway) -> Router<BasicRequestContext> {
        let router = Router()
        let prefix = options.effectiveRoutePrefix
        router.middlewares.add(HTTPMetricsMiddleware(prefix: prefix))
        if !webConfig.basicAuthUsers.isEmpty {
            router.middlewares.add(BasicAuthMiddleware(users: webConfig.basicAuthUsers))
        }
        router.middlewares.add(GzipMiddleware())
        router.middlewares.add(ReadinessMiddleware(prefix: prefix) { [storage, cluster] in cluster.isReady(storageReady: storage.isReady) })
        SelfMetrics.bootstrap()
        let routes = prefix.isEmpty ? router.group() : router.group(RouterPath(prefix))
        // issue 7: queriers and rulers read from the ingesters; a distributor answers an error
        let querier = cluster.querier(httpClient: httpClient) ?? { [storage] in storage.querier(mint: $0, maxt: $1) }
        if options.role == .ingester {  // issue 7: what queriers read, at the root whatever the route prefix
            RemoteReadAPI(querier: querier, externalLabels: { Labels() }, sampleLimit: 0, bodyLimit: options.maxRequestBodySize,
                          path: String(IngesterQuerier.readPath.dropFirst())).register(on: router.group())
        }
        let gate = QueryGate(limit: options.queryMaxConcurrency)
        QueryAPI(engine: Engine(options: options.engine), parserOptions: ParserOptions(features: options.features),
                 querier: querier, gate: gate, bodyLimit: options.maxRequestBodySize).register(on: routes)
        SeriesAPI(querier: querier, bodyLimit: options.maxRequestBodySize).register(on: routes)
        RemoteReadAPI(querier: querier, externalLabels: { [self] in config.global.externalLabels },
                      sampleLimit: options.remoteReadSampleLimit, bodyLimit: options.maxRequestBodySize).register(on: routes)
        RemoteWriteAPI(sink: { [storage, cluster] in cluster.sink ?? storage.appendable() },
                       enabled: options.enableRemoteWriteReceiver || options.role == .distributor,
                       bodyLimit: options.maxRequestBodySize, accepted: options.remoteWriteAcceptedVersions,
                       concurrency: remoteWriteConcurrency).register(on: routes)
        FederationAPI(querier: querier, externalLabels: { [self] in config.global.externalLabels },
                      lookbackDelta: options.engine.lookbackDelta).register(on: routes)
        var status = StatusAPI(options: options, startTime: startTime, reloadState: { [self] in state.withLock { $0.reload } },
                  statistics: { [storage] in storage.current?.statistics(limit: $0) },
                  walReplay: { [self] in walReplay.withLock { $0 } })
        status.corruptions = { [storage] in storage.current?.stats.walCorruptions ?? 0 }
        status.register(on: routes)
        TargetsAPI(scrape: scrape).register(on: routes)
        RulesAPI(rules: rules, notifier: notifier).register(on: routes)
        AdminAPI(db: { [storage] in storage.current }, enabled: options.enableAdminAPI, storagePath: options.storagePath,
                 bodyLimit: options.maxRequestBodySize).register(on: routes)
        LifecycleAPI(ready: { [storage, cluster] in cluster.isReady(storageReady: storage.isReady) }, enabled: options.enableLifecycle,
                     reload: { [self] () throws(ServerError) in try reload() },
                     quit: { [self] in await shutdown() }).register(on: routes)
        if options.role.receivesSamples { pushgatewayAPI(pushgateway).register(on: routes.group("pushgateway")) }  // Pushgateway (issue 6)
        alertmanager?.api(startTimeMs: startTime, bodyLimit: options.maxRequestBodySize).register(on: routes.group("alertmanager"))
        routes.get("metrics") { [storage, discovery] _, _ in
            let body = SelfMetrics.render {
                storage.writeMetrics(into: &$0)
                discovery.metrics.write(into: &$0)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        return router
    }
}
