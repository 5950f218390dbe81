package import Alerting
package import AsyncHTTPClient
package import Hummingbird
package import Logging
import Model
import NIOCore
package import Rules
import ServiceLifecycle
import UnixSignals

/// The Alertmanager inside `pharos server`: its config file, reload (only a valid config is
/// applied), the rule evaluator's alerts handed over in process, and its listener.
package final class AlertmanagerService: Sendable {
    /// The Alertmanager.
    package let alertmanager: Alertmanager
    /// `--alertmanager.config.file` (or `--config.file` with `--role=alertmanager`).
    package let configFile: String
    private let logger: Logger

    /// Loads `configFile` and opens the silences and notification log under `options.storagePath`.
    /// - Throws: `ServerError.config` naming the file and what is wrong.
    package init(configFile: String, options: Alertmanager.Options, httpClient: HTTPClient, logger: Logger) throws(ServerError) {
        self.configFile = configFile
        self.logger = logger
        let config = try Self.load(configFile)
        // Before the Alertmanager registers its metrics at 0, so they reach the registry.
        SelfMetrics.bootstrap()
        do {
            alertmanager = try Alertmanager(config: config, options: options, httpClient: httpClient, logger: logger)
        } catch {
            throw .config("Alertmanager (--alertmanager.config.file=\"\(configFile)\"): \(error)")
        }
    }

    private static func load(_ path: String) throws(ServerError) -> AlertmanagerConfig {
        do {
            return try AlertmanagerConfig.load(file: path)
        } catch {
            throw .config("couldn't load Alertmanager configuration (\(path)): \(error)")
        }
    }

    /// Re-reads the config file; the old config stays when the new one is refused.
    package func reload() throws(ServerError) {
        do throws(ServerError) {
            let config = try Self.load(configFile)
            do { try alertmanager.apply(config) } catch { throw .config("\(error)") }
            logger.info("Completed loading of Alertmanager configuration file", metadata: ["file": "\(configFile)"])
        } catch {
            logger.error("Loading Alertmanager configuration file failed", metadata: ["file": "\(configFile)", "err": "\(error)"])
            throw error
        }
    }

    /// Hands alerts of the rule evaluator to the Alertmanager, as a `POST /api/v2/alerts` would.
    package func receive(_ alerts: [NotifierAlert]) {
        let now = alertmanager.nowMs, resolveTimeout = alertmanager.config.global.resolveTimeout
        var received: [AlertmanagerAlert] = []
        for alert in alerts {
            var labels: [String: String] = [:], annotations: [String: String] = [:]
            for label in alert.labels { labels[label.name] = label.value }
            for annotation in alert.annotations { annotations[annotation.name] = annotation.value }
            do {
                received.append(try AlertmanagerAlert.received(
                    labels: labels, annotations: annotations, startsAtMs: alert.startsAtMs, endsAtMs: alert.endsAtMs,
                    generatorURL: alert.generatorURL, nowMs: now, resolveTimeout: resolveTimeout))
            } catch {
                logger.warning("Alert refused by the built-in Alertmanager", metadata: ["err": "\(error)"])
            }
        }
        alertmanager.receive(received)
    }

    /// The API endpoints.
    package func api(startTimeMs: Int64, bodyLimit: Int) -> AlertmanagerAPI {
        AlertmanagerAPI(alertmanager: alertmanager, reload: { [self] in try reload() }, startTimeMs: startTimeMs, bodyLimit: bodyLimit)
    }

    /// A router with the API at its root and `/metrics`.
    /// - Parameter basicAuthUsers: the web config's `basic_auth_users`; others get 401.
    package func router(startTimeMs: Int64, bodyLimit: Int, basicAuthUsers: [String: String] = [:]) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        if !basicAuthUsers.isEmpty { router.middlewares.add(BasicAuthMiddleware(users: basicAuthUsers)) }
        router.middlewares.add(GzipMiddleware())
        SelfMetrics.bootstrap()
        api(startTimeMs: startTimeMs, bodyLimit: bodyLimit).register(on: router)
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: SelfMetrics.render())))
        }
        return router
    }
}

/// `pharos server --role=alertmanager`: only the Alertmanager, with its flag names, serving its
/// API on `--web.listen-address` until SIGTERM/SIGINT; SIGHUP reloads the config.
package final class AlertmanagerServer: Sendable {
    private let service: AlertmanagerService
    private let httpClient: HTTPClient
    private let host: String
    private let port: Int
    private let logger: Logger
    private let startTime = WallClock.milliseconds()
    private let bodyLimit: Int
    private let webConfig: WebConfig

    /// Loads the config and the state under `options.storagePath`.
    /// - Parameter webConfig: `--web.config.file`: TLS and basic-auth users of the API listener.
    /// - Throws: `ServerError`.
    package init(
        configFile: String, listenAddress: String, options: Alertmanager.Options, bodyLimit: Int,
        webConfig: WebConfig = WebConfig(), logger: Logger
    ) throws(ServerError) {
        self.webConfig = webConfig
        (host, port) = try ServerOptions.hostAndPort(listenAddress, flag: "web.listen-address")
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        httpClient = client
        self.logger = logger
        self.bodyLimit = bodyLimit
        do {
            service = try AlertmanagerService(configFile: configFile, options: options, httpClient: client, logger: logger)
        } catch {
            try? client.syncShutdown()
            throw error
        }
    }

    /// Serves until a graceful shutdown; with HA peers, also the peers' endpoints on
    /// `clusterListenAddress`, over TLS with `clusterTLS` (`--cluster.tls-config`'s server side).
    package func run(clusterListenAddress: String = "", clusterTLS: WebConfig.TLS? = nil) async throws {
        let application = Application(
            router: service.router(startTimeMs: startTime, bodyLimit: bodyLimit, basicAuthUsers: webConfig.basicAuthUsers),
            server: try webConfig.tls?.serverBuilder() ?? .http1(),
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { [logger, host, port] channel in
                logger.info("Listening", metadata: ["address": "\(host):\(channel.localAddress?.port ?? port)"])
            },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: application), .init(service: Loop(service: service))]
        if let cluster = service.alertmanager.cluster {
            let (clusterHost, clusterPort) = try ServerOptions.hostAndPort(clusterListenAddress, flag: "cluster.listen-address")
            let api = AlertmanagerClusterAPI(alertmanager: service.alertmanager, cluster: cluster, bodyLimit: 256 << 20)
            services.append(.init(service: Application(
                router: api.router(), server: try clusterTLS?.serverBuilder() ?? .http1(),
                configuration: .init(address: .hostname(clusterHost, port: clusterPort)),
                onServerRunning: { [logger] channel in
                    logger.info("Listening for cluster peers", metadata: ["address": "\(clusterHost):\(channel.localAddress?.port ?? clusterPort)",
                                                                          "name": "\(cluster.options.name)"])
                },
                logger: logger)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? await httpClient.shutdown()
    }

    /// The dispatch loop and SIGHUP reloads, as a service.
    struct Loop: Service {
        let service: AlertmanagerService

        func run() async throws {
            await withDiscardingTaskGroup { group in
                group.addTask { await service.alertmanager.run() }
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                        try? service.reload()
                    }
                }
                try? await gracefulShutdown()
                group.cancelAll()
            }
        }
    }
}
