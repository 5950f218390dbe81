import Alerting
import ArgumentParser
import Config
import Exposition
import Foundation
import Logging
import Model
import PromQL
import Server

/// `pharos server`: scrapes, stores and answers queries, with Prometheus's flag names.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the monitoring server (Prometheus-compatible HTTP API on --web.listen-address).",
        discussion: "Example: pharos server --config.file=examples/prometheus.yml --storage.tsdb.path=data/"
    )

    @Option(name: .customLong("config.file"), help: "Configuration file path (prometheus.yml; alertmanager.yml with --role=alertmanager).")
    var configFileFlag: String?
    var configFile: String { configFileFlag ?? (role == "alertmanager" ? "alertmanager.yml" : "prometheus.yml") }

    @Option(name: .customLong("storage.tsdb.path"), help: "Base path for metrics storage.")
    var storagePath = "data/"

    @Option(name: .customLong("storage.tsdb.retention.time"), help: "How long to retain samples in storage (default 15d).")
    var retentionTime: String?

    @Option(name: .customLong("storage.tsdb.retention.size"), help: "Maximum number of bytes of storage blocks to retain (e.g. 512MB).")
    var retentionSize: String?

    @Flag(name: .customLong("storage.tsdb.wal-compression"), inversion: .prefixedNo, help: "Compress the tsdb WAL (snappy).")
    var walCompression = true

    @Option(name: .customLong("storage.remote.read-sample-limit"), help: "Maximum overall number of samples to return via the remote read interface (0 means no limit).")
    var remoteReadSampleLimit = 50_000_000

    @Option(name: .customLong("storage.remote.flush-deadline"), help: "How long to wait flushing sample on shutdown or config reload.")
    var remoteFlushDeadline = "1m"

    @Option(name: .customLong("storage.remote.max-wal-backlog"), help: "Most WAL bytes a remote-write queue may hold back during a receiver outage before it skips ahead, dropping samples (0B: no limit).")
    var remoteMaxWALBacklog = "4GB"

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on for UI, API, and telemetry (default 0.0.0.0:9090; :9093 with --role=alertmanager).")
    var listenAddressFlag: String?
    var listenAddress: String { listenAddressFlag ?? (role == "alertmanager" ? ":9093" : "0.0.0.0:9090") }

    @Option(name: .customLong("web.external-url"), help: "The URL under which Pharos is externally reachable.")
    var externalURL = ""

    @Option(name: .customLong("web.route-prefix"), help: "Prefix for the internal routes of web endpoints (defaults to the path of --web.external-url).")
    var routePrefix = ""

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable shutdown and reload via HTTP request.")
    var enableLifecycle = false

    @Flag(name: .customLong("web.enable-admin-api"), help: "Enable API endpoints for admin control actions.")
    var enableAdminAPI = false

    @Flag(name: .customLong("web.enable-remote-write-receiver"), help: "Accept remote write requests on /api/v1/write.")
    var enableRemoteWriteReceiver = false

    @Option(name: .customLong("web.remote-write-receiver.accepted-protobuf-messages"), help: "Remote write protobuf messages the receiver accepts: prometheus.WriteRequest, io.prometheus.write.v2.Request (repeat or comma-separate).")
    var remoteWriteAcceptedMessages: [String] = []

    @Option(name: .customLong("web.remote-write-receiver.max-concurrency"), help: "Remote write requests handled at once; more are answered 503 with Retry-After.")
    var remoteWriteMaxConcurrency = 64

    @Option(name: .customLong("push.max-concurrency"), help: "Pushgateway pushes handled at once; more are answered 503 with Retry-After.")
    var pushMaxConcurrency = 64

    @Option(name: .customLong("web.config.file"), help: "Path to the configuration file that can enable TLS or authentication.")
    var webConfigFile = ""

    @Option(name: .customLong("web.max-request-body-bytes"), help: "Largest request body (API forms, remote write), in bytes.")
    var maxRequestBodySize = 32 << 20

    // Pushgateway (issue 6)
    @Option(name: .customLong("pushgateway.listen-address"), help: "Address of the Pushgateway listener (empty: none; also served under /pushgateway/).")
    var pushgatewayListenAddress = ":9091"

    @Option(name: .customLong("push.default-ttl"), help: "How long a pushed group lives without a ttl of its own (0: for ever).")
    var pushDefaultTTL = "0s"

    // Alertmanager (issue 9)
    @Option(name: .customLong("role"), help: "What this process runs: all (default), distributor, ingester, querier, ruler (a cluster on Kafka, docs/cluster.md) or alertmanager.")
    var role = "all"

    // Cluster roles (issue 7)
    @Option(name: .customLong("ingester.id"), help: "With --role=ingester: this ingester's name, unique per ingester (its Kafka consumer group is pharos-ingester-<id>).")
    var ingesterID = ""

    @Option(name: .customLong("ingester.partitions"), help: "With --role=ingester: the partitions it consumes, like 0-3,7 (default: the number ending --ingester.id).")
    var ingesterPartitions = ""

    @Option(name: .customLong("alertmanager.config.file"), help: "Run the Alertmanager in this process with this alertmanager.yml.")
    var alertmanagerConfigFile = ""

    @Option(name: .customLong("alertmanager.listen-address"), help: "Address of the Alertmanager API listener (empty: none; also served under /alertmanager/).")
    var alertmanagerListenAddress = ":9093"

    @Option(name: .customLong("storage.path"), help: "Base path for the Alertmanager's data (silences, notification log).")
    var alertmanagerStoragePath = ""

    @Option(name: .customLong("data.retention"), help: "How long to keep expired silences and notification log entries.")
    var alertmanagerRetention = "120h"

    @Option(name: .customLong("cluster.peer"), help: "Initial peers, host:port of their --cluster.listen-address (may be repeated; HA over HTTP, docs/alertmanager.md).")
    var clusterPeers: [String] = []

    @Option(name: .customLong("cluster.listen-address"), help: "Listen address for the HA peers' HTTP requests (used when --cluster.peer is given).")
    var clusterListenAddress = "0.0.0.0:9094"

    @Option(name: .customLong("cluster.advertise-address"), help: "This peer's host:port for the others and its name in the cluster (default: the listen address, or <hostname>:<port> when it has no host).")
    var clusterAdvertiseAddress = ""

    @Option(name: .customLong("cluster.label"), help: "Peers refuse requests from peers with another label.")
    var clusterLabel = ""

    @Option(name: .customLong("cluster.peer-timeout"), help: "Time to wait between peers to send notifications.")
    var clusterPeerTimeout = "15s"

    @Option(name: .customLong("cluster.probe-interval"), help: "Interval between probes of each peer.")
    var clusterProbeInterval = "1s"

    @Option(name: .customLong("cluster.probe-timeout"), help: "Timeout of a probe of a peer.")
    var clusterProbeTimeout = "500ms"

    @Option(name: .customLong("cluster.pushpull-interval"), help: "Interval of the full state exchange with each peer.")
    var clusterPushPullInterval = "1m0s"

    @Option(name: .customLong("cluster.tcp-timeout"), help: "Timeout of a state exchange with a peer.")
    var clusterTCPTimeout = "10s"

    @Option(name: .customLong("cluster.settle-timeout"), help: "Maximum time to wait for the first state exchange before notifying.")
    var clusterSettleTimeout = "1m0s"

    // Memberlist settings Pharos's HTTP exchange has no use for: refused when given (see alertmanagerCluster()).
    @Option(name: .customLong("cluster.gossip-interval"), help: "Not supported (changes go to the peers at once over HTTP).")
    var clusterGossipInterval: String?

    @Option(name: .customLong("cluster.reconnect-interval"), help: "Not supported (peers are probed every --cluster.probe-interval).")
    var clusterReconnectInterval: String?

    @Option(name: .customLong("cluster.reconnect-timeout"), help: "Not supported (peers given with --cluster.peer are probed for ever).")
    var clusterReconnectTimeout: String?

    @Option(name: .customLong("cluster.tls-config"), help: "File with tls_server_config and tls_client_config (Alertmanager's format): the peers talk HTTPS.")
    var clusterTLSConfig: String?

    @Flag(name: .customLong("cluster.allow-insecure-public-advertise-address-discovery"), help: "Not supported (no address discovery: set --cluster.advertise-address).")
    var clusterAllowInsecurePublicAdvertise = false

    @Option(name: .customLong("query.lookback-delta"), help: "The maximum lookback duration for retrieving metrics during expression evaluations.")
    var lookbackDelta = "5m"

    @Option(name: .customLong("query.timeout"), help: "Maximum time a query may take before being aborted.")
    var queryTimeout = "2m"

    @Option(name: .customLong("query.max-concurrency"), help: "Maximum number of queries executed concurrently.")
    var queryMaxConcurrency = 20

    @Option(name: .customLong("query.max-samples"), help: "Maximum number of samples a single query can load into memory.")
    var queryMaxSamples = 50_000_000

    @Option(name: .customLong("rules.alert.for-outage-tolerance"), help: "Max time to tolerate Pharos outage for restoring \"for\" state of alert.")
    var alertForOutageTolerance = "1h"

    @Option(name: .customLong("rules.alert.for-grace-period"), help: "Minimum duration between alert and restored \"for\" state. This is maintained only for alerts with configured \"for\" time greater than grace period.")
    var alertForGracePeriod = "10m"

    @Option(name: .customLong("rules.alert.resend-delay"), help: "Minimum amount of time to wait before resending an alert to Alertmanager.")
    var alertResendDelay = "1m"

    @Option(name: .customLong("rules.query-offset"), help: "The default offset for rule evaluation queries, when neither the group's query_offset nor global.rule_query_offset sets one.")
    var rulesQueryOffset = "0s"

    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above: debug, info, warn, error.")
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: "Output format of log messages: logfmt, json.")
    var logFormat = "logfmt"

    @Option(name: .customLong("enable-feature"), help: "Comma separated feature names to enable (as Prometheus's --enable-feature).")
    var features: [String] = []

    func run() async throws {
        guard ServerRole(rawValue: role) != nil else {
            throw ValidationError("invalid value for --role: \"\(role)\" (all, distributor, ingester, querier, ruler, alertmanager)")
        }
        guard clusterPeers.isEmpty || role == "alertmanager" else {
            throw ValidationError("HA (--cluster.peer) needs --role=alertmanager: the Alertmanager inside --role=all runs alone")
        }
        let options = try serverOptions()
        if role == "alertmanager" { return try await runAlertmanager(options) }
        let handlerFormat = options.logFormat
        let handlerLevel = options.logLevel
        LoggingSystem.bootstrap { label in ServerLogHandler(label: label, level: handlerLevel, format: handlerFormat) }
        let logger = Logger(label: "pharos")
        logger.info("Starting Pharos Server", metadata: ["version": "\(BuildInfo.version)"])
        let server: PharosServer
        do {
            server = try PharosServer(options: options, logger: logger)
        } catch {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        try await server.run()
    }

    /// The flags as the server takes them, each one checked.
    func serverOptions() throws -> ServerOptions {
        var options = ServerOptions()
        options.configFile = configFile
        options.storagePath = storagePath
        if let retentionTime {
            options.retentionTime = try milliseconds(retentionTime, flag: "storage.tsdb.retention.time")
        }
        if let retentionSize {
            do { options.retentionSize = try ByteSize(parsing: retentionSize).bytes } catch {
                throw ValidationError("invalid value for --storage.tsdb.retention.size: \"\(retentionSize)\" is not a size like 512MB")
            }
        }
        options.listenAddress = listenAddress
        options.walCompression = walCompression
        options.remoteReadSampleLimit = remoteReadSampleLimit
        options.remoteFlushDeadline = .milliseconds(try milliseconds(remoteFlushDeadline, flag: "storage.remote.flush-deadline"))
        do { options.remoteMaxWALBacklog = try ByteSize(parsing: remoteMaxWALBacklog).bytes } catch {
            throw ValidationError("invalid value for --storage.remote.max-wal-backlog: \"\(remoteMaxWALBacklog)\" is not a size like 4GB")
        }
        options.externalURL = externalURL
        options.routePrefix = routePrefix
        options.enableLifecycle = enableLifecycle
        options.enableAdminAPI = enableAdminAPI
        options.enableRemoteWriteReceiver = enableRemoteWriteReceiver
        guard remoteWriteMaxConcurrency > 0, pushMaxConcurrency > 0 else {
            throw ValidationError("--web.remote-write-receiver.max-concurrency and --push.max-concurrency must be at least 1")
        }
        options.remoteWriteMaxConcurrency = remoteWriteMaxConcurrency
        options.pushMaxConcurrency = pushMaxConcurrency
        let acceptedMessages = remoteWriteAcceptedMessages.flatMap { $0.split(separator: ",").map(String.init) }
        if !acceptedMessages.isEmpty {
            options.remoteWriteAcceptedVersions = []
            for message in acceptedMessages {
                guard let version = RemoteWriteVersion.allCases.first(where: { $0.protobufMessage == message }) else {
                    throw ValidationError("invalid value for --web.remote-write-receiver.accepted-protobuf-messages: \"\(message)\" (prometheus.WriteRequest, io.prometheus.write.v2.Request)")
                }
                options.remoteWriteAcceptedVersions.insert(version)
            }
        }
        options.webConfigFile = webConfigFile
        options.maxRequestBodySize = maxRequestBodySize
        options.pushgatewayListenAddress = pushgatewayListenAddress  // Pushgateway (issue 6)
        options.pushDefaultTTL = try milliseconds(pushDefaultTTL, flag: "push.default-ttl")
        if !pushgatewayListenAddress.isEmpty {
            do { _ = try ServerOptions.hostAndPort(pushgatewayListenAddress, flag: "pushgateway.listen-address") } catch { throw ValidationError("\(error)") }
        }
        options.engine.lookbackDelta = try milliseconds(lookbackDelta, flag: "query.lookback-delta")
        options.engine.timeout = .milliseconds(try milliseconds(queryTimeout, flag: "query.timeout"))
        options.engine.maxSamples = queryMaxSamples
        options.queryMaxConcurrency = queryMaxConcurrency
        options.alertForOutageTolerance = .milliseconds(try milliseconds(alertForOutageTolerance, flag: "rules.alert.for-outage-tolerance"))
        options.alertForGracePeriod = .milliseconds(try milliseconds(alertForGracePeriod, flag: "rules.alert.for-grace-period"))
        options.alertResendDelay = .milliseconds(try milliseconds(alertResendDelay, flag: "rules.alert.resend-delay"))
        options.rulesQueryOffset = .milliseconds(try milliseconds(rulesQueryOffset, flag: "rules.query-offset"))
        guard let level = Self.logLevels[logLevel] else {
            throw ValidationError("invalid value for --log.level: \"\(logLevel)\" (debug, info, warn, error)")
        }
        options.logLevel = level
        guard let format = ServerLogHandler.Format(rawValue: logFormat) else {
            throw ValidationError("invalid value for --log.format: \"\(logFormat)\" (logfmt, json)")
        }
        options.logFormat = format
        options.alertmanagerConfigFile = alertmanagerConfigFile  // Alertmanager (issue 9)
        options.alertmanagerListenAddress = alertmanagerListenAddress
        options.alertmanagerStoragePath = alertmanagerStoragePath
        options.alertmanagerRetention = .milliseconds(try milliseconds(alertmanagerRetention, flag: "data.retention"))
        if !alertmanagerListenAddress.isEmpty {
            do { _ = try ServerOptions.hostAndPort(alertmanagerListenAddress, flag: "alertmanager.listen-address") } catch { throw ValidationError("\(error)") }
        }
        options.features = features.flatMap { $0.split(separator: ",").map(String.init) }
        options.engine.useStartTimestamps = options.features.contains("use-start-timestamps")
        do { _ = try options.hostAndPort() } catch { throw ValidationError("\(error)") }
        options.role = ServerRole(rawValue: role) ?? .all  // Cluster roles (issue 7)
        options.ingesterID = ingesterID
        options.ingesterPartitions = ingesterPartitions
        guard options.role == .ingester || (ingesterID.isEmpty && ingesterPartitions.isEmpty) else {
            throw ValidationError("--ingester.id and --ingester.partitions apply only to --role=ingester")
        }
        guard !enableRemoteWriteReceiver || options.role == .all || options.role == .distributor else {
            throw ValidationError("--web.enable-remote-write-receiver applies to --role=all or distributor: with --role=\(role) samples would bypass the stream")
        }
        options.flagValues = [
            "config.file": configFile, "storage.tsdb.path": storagePath,
            "storage.tsdb.retention.time": retentionTime ?? "0s", "storage.tsdb.retention.size": retentionSize ?? "0B",
            "storage.tsdb.wal-compression": String(walCompression),
            "storage.remote.read-sample-limit": String(remoteReadSampleLimit), "storage.remote.flush-deadline": remoteFlushDeadline, "storage.remote.max-wal-backlog": remoteMaxWALBacklog, "web.listen-address": listenAddress, "web.external-url": externalURL, "web.route-prefix": routePrefix,
            "web.enable-lifecycle": String(enableLifecycle), "web.enable-admin-api": String(enableAdminAPI),
            "web.enable-remote-write-receiver": String(enableRemoteWriteReceiver),
            "web.remote-write-receiver.accepted-protobuf-messages": acceptedMessages.joined(separator: ","),
            "web.remote-write-receiver.max-concurrency": String(remoteWriteMaxConcurrency), "push.max-concurrency": String(pushMaxConcurrency),
            "web.config.file": webConfigFile, "web.max-request-body-bytes": String(maxRequestBodySize),
            "query.lookback-delta": lookbackDelta, "query.timeout": queryTimeout,
            "query.max-concurrency": String(queryMaxConcurrency), "query.max-samples": String(queryMaxSamples),
            "rules.alert.for-outage-tolerance": alertForOutageTolerance, "rules.alert.for-grace-period": alertForGracePeriod,
            "rules.alert.resend-delay": alertResendDelay, "rules.query-offset": rulesQueryOffset,
            "pushgateway.listen-address": pushgatewayListenAddress, "push.default-ttl": pushDefaultTTL,
            "log.level": logLevel, "log.format": logFormat, "enable-feature": options.features.joined(separator: ","),
            "role": role, "ingester.id": ingesterID, "ingester.partitions": ingesterPartitions,
        ]
        return options
    }

    /// `--role=alertmanager`: only the Alertmanager, with `--config.file` its alertmanager.yml.
    private func runAlertmanager(_ options: ServerOptions) async throws {
        LoggingSystem.bootstrap { label in ServerLogHandler(label: label, level: options.logLevel, format: options.logFormat) }
        let logger = Logger(label: "pharos")
        logger.info("Starting Pharos Alertmanager", metadata: ["version": "\(BuildInfo.version)"])
        var amOptions = Alertmanager.Options()
        amOptions.storagePath = alertmanagerStoragePath.isEmpty ? "data/" : alertmanagerStoragePath
        amOptions.retention = options.alertmanagerRetention
        let clusterTLS: ClusterTLSConfig?, webConfig: WebConfig
        do {
            clusterTLS = try clusterTLSConfig.map { try ClusterTLSConfig.load(file: $0) }
            webConfig = webConfigFile.isEmpty ? WebConfig() : try WebConfig.load(file: webConfigFile)
        } catch {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        amOptions.cluster = try alertmanagerCluster()
        amOptions.cluster?.tls = clusterTLS?.client
        amOptions.externalURL = externalURL.isEmpty ? "http://\(ProcessInfo.processInfo.hostName)\(listenAddress.hasPrefix(":") ? "" : ":")\(listenAddress)" : externalURL
        let server: AlertmanagerServer
        do {
            server = try AlertmanagerServer(configFile: configFile, listenAddress: listenAddress, options: amOptions,
                                            bodyLimit: maxRequestBodySize, webConfig: webConfig, logger: logger)
        } catch {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        try await server.run(clusterListenAddress: clusterListenAddress, clusterTLS: clusterTLS?.server)
    }

    /// The HA settings of `--cluster.*`, nil without `--cluster.peer` or with an empty
    /// `--cluster.listen-address` (as upstream, which disables HA then).
    private func alertmanagerCluster() throws -> AlertmanagerCluster.Options? {
        let refused: [(String, Bool, String)] = [
            ("gossip-interval", clusterGossipInterval != nil, "changes are sent to the peers at once over HTTP"),
            ("reconnect-interval", clusterReconnectInterval != nil, "peers are probed every --cluster.probe-interval"),
            ("reconnect-timeout", clusterReconnectTimeout != nil, "peers given with --cluster.peer are probed for ever"),
            ("allow-insecure-public-advertise-address-discovery", clusterAllowInsecurePublicAdvertise,
             "there is no address discovery; set --cluster.advertise-address"),
        ]
        for (flag, given, why) in refused where given {
            throw ValidationError("--cluster.\(flag) is a memberlist setting Pharos cannot honour (its peers use HTTP: \(why)); remove it")
        }
        guard !clusterPeers.isEmpty, !clusterListenAddress.isEmpty else { return nil }
        let listen: (host: String, port: Int)
        do { listen = try ServerOptions.hostAndPort(clusterListenAddress, flag: "cluster.listen-address") } catch { throw ValidationError("\(error)") }
        for peer in clusterPeers + (clusterAdvertiseAddress.isEmpty ? [] : [clusterAdvertiseAddress]) {
            do { _ = try ServerOptions.hostAndPort(peer, flag: "cluster.peer") } catch { throw ValidationError("\(error)") }
        }
        let unspecified = ["0.0.0.0", "::"].contains(listen.host) || clusterListenAddress.hasPrefix(":")
        var options = AlertmanagerCluster.Options(
            name: !clusterAdvertiseAddress.isEmpty ? clusterAdvertiseAddress
                : unspecified ? "\(ProcessInfo.processInfo.hostName):\(listen.port)" : clusterListenAddress,
            peers: clusterPeers)
        options.label = clusterLabel
        options.peerTimeout = .milliseconds(try milliseconds(clusterPeerTimeout, flag: "cluster.peer-timeout"))
        options.probeInterval = .milliseconds(try milliseconds(clusterProbeInterval, flag: "cluster.probe-interval"))
        options.probeTimeout = .milliseconds(try milliseconds(clusterProbeTimeout, flag: "cluster.probe-timeout"))
        options.pushPullInterval = .milliseconds(try milliseconds(clusterPushPullInterval, flag: "cluster.pushpull-interval"))
        options.tcpTimeout = .milliseconds(try milliseconds(clusterTCPTimeout, flag: "cluster.tcp-timeout"))
        options.settleTimeout = .milliseconds(try milliseconds(clusterSettleTimeout, flag: "cluster.settle-timeout"))
        return options
    }

    private static let logLevels: [String: Logger.Level] = ["debug": .debug, "info": .info, "warn": .warning, "error": .error]

    private func milliseconds(_ text: String, flag: String) throws -> Int64 {
        do {
            return try PrometheusDuration.parse(text).wholeMilliseconds
        } catch {
            throw ValidationError("invalid value for --\(flag): \"\(text)\" is not a duration like 15d or 5m")
        }
    }
}
