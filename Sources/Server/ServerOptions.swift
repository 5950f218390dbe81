package import Exposition
import Foundation
package import Logging
package import PromQL

/// Everything `pharos server`'s flags set, named after Prometheus's flags.
package struct ServerOptions: Sendable {
    /// `--config.file`.
    package var configFile = "prometheus.yml"
    /// `--storage.tsdb.path`.
    package var storagePath = "data/"
    /// `--storage.tsdb.retention.time`, milliseconds (0: the default, 15 d).
    package var retentionTime: Int64 = 0
    /// `--storage.tsdb.retention.size`, bytes (0: no limit).
    package var retentionSize: Int64 = 0
    /// `--storage.tsdb.wal-compression` (`--no-storage.tsdb.wal-compression` turns it off).
    package var walCompression = true
    /// `--web.listen-address`, `host:port`.
    package var listenAddress = "0.0.0.0:9090"
    /// `--web.external-url`.
    package var externalURL = ""
    /// `--web.route-prefix` (defaults to the external URL's path).
    package var routePrefix = ""
    /// `--web.enable-lifecycle`: `/-/reload` and `/-/quit`.
    package var enableLifecycle = false
    /// `--web.enable-admin-api`: `/api/v1/admin/*`.
    package var enableAdminAPI = false
    /// `--web.enable-remote-write-receiver`: `POST /api/v1/write`.
    package var enableRemoteWriteReceiver = false
    /// `--web.remote-write-receiver.accepted-protobuf-messages`: the remote-write versions the receiver takes.
    package var remoteWriteAcceptedVersions: Set<RemoteWriteVersion> = Set(RemoteWriteVersion.allCases)
    /// `--web.remote-write-receiver.max-concurrency`: remote-write requests handled at once; more get 503.
    package var remoteWriteMaxConcurrency = 64
    /// `--push.max-concurrency`: Pushgateway pushes handled at once; more get 503.
    package var pushMaxConcurrency = 64
    /// `--web.config.file`: TLS and basic auth.
    package var webConfigFile = ""
    /// `--web.max-request-body-bytes`: the largest request body accepted.
    package var maxRequestBodySize = 32 << 20
    /// `--storage.remote.flush-deadline`: how long remote-write queues may send what they hold on shutdown or reload.
    package var remoteFlushDeadline: Duration = .seconds(60)
    /// `--storage.remote.max-wal-backlog` (Pharos): the most WAL bytes a remote-write queue may hold back (0: no limit).
    package var remoteMaxWALBacklog: Int64 = 4 << 30
    /// `--storage.remote.read-sample-limit`: most samples one remote-read sample response holds.
    package var remoteReadSampleLimit = 50_000_000
    // MARK: Pushgateway (issue 6)
    /// `--pushgateway.listen-address`, `host:port` of the Pushgateway listener; empty for none.
    package var pushgatewayListenAddress = ":9091"
    /// `--push.default-ttl`, milliseconds: how long a pushed group lives without a `ttl` of its own (0: for ever).
    package var pushDefaultTTL: Int64 = 0
    // MARK: Alertmanager (issue 9)
    /// `--alertmanager.config.file`: run the Alertmanager in this process with this config; empty for none.
    package var alertmanagerConfigFile = ""
    /// `--alertmanager.listen-address`, `host:port` of the Alertmanager listener; empty for none.
    package var alertmanagerListenAddress = ":9093"
    /// `--storage.path` of the Alertmanager (silences, notification log); empty: `alertmanager/` under the TSDB path.
    package var alertmanagerStoragePath = ""
    /// `--data.retention`: how long expired silences and notification log entries are kept.
    package var alertmanagerRetention = Duration.seconds(120 * 3600)
    // MARK: Cluster roles (issue 7)
    /// `--role`: which part of Pharos this process runs.
    package var role = ServerRole.all
    /// `--ingester.id`: an ingester's name; its Kafka consumer group is `pharos-ingester-<id>`.
    package var ingesterID = ""
    /// `--ingester.partitions`: the partitions an ingester consumes (`0-3,7`); empty derives
    /// them from the ordinal ending `ingesterID`.
    package var ingesterPartitions = ""
    // MARK: -
    /// `--query.*` settings, as the engine takes them.
    package var engine = Engine.Options()
    /// `--query.max-concurrency`.
    package var queryMaxConcurrency = 20
    /// `--rules.alert.for-outage-tolerance`: how far back `for` state is restored from.
    package var alertForOutageTolerance = Duration.seconds(3600)
    /// `--rules.alert.for-grace-period`: the least wait of an alert whose `for` was restored.
    package var alertForGracePeriod = Duration.seconds(600)
    /// `--rules.alert.resend-delay`: how often a firing alert is sent again.
    package var alertResendDelay = Duration.seconds(60)
    /// `--rules.query-offset`: the default query offset of rule groups.
    package var rulesQueryOffset = Duration.zero
    /// `--log.level`.
    package var logLevel: Logger.Level = .info
    /// `--log.format`.
    package var logFormat: ServerLogHandler.Format = .logfmt
    /// `--enable-feature=` values.
    package var features: [String] = []
    /// Every flag with its value as given or defaulted, for `/api/v1/status/flags`.
    package var flagValues: [String: String] = [:]

    /// The defaults.
    package init() {}

    /// The host and port of `listenAddress` (`[::1]:9090`, `:9090` for every address).
    package func hostAndPort() throws(ServerError) -> (host: String, port: Int) {
        try Self.hostAndPort(listenAddress, flag: "web.listen-address")
    }

    /// The host and port of an address flag's value.
    package static func hostAndPort(_ listenAddress: String, flag: String) throws(ServerError) -> (host: String, port: Int) {
        guard let colon = listenAddress.lastIndex(of: ":"),
              let port = Int(listenAddress[listenAddress.index(after: colon)...]), (0...65535).contains(port)
        else { throw .invalidFlag(flag, "\"\(listenAddress)\" is not host:port") }
        var host = String(listenAddress[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// `--web.external-url`, else Prometheus's default, `http://<hostname>:<port>/`.
    package var effectiveExternalURL: String {
        guard externalURL.isEmpty else { return externalURL }
        return "http://\(ProcessInfo.processInfo.hostName):\((try? hostAndPort())?.port ?? 9090)/"
    }

    /// The path prefix every route is served under: `--web.route-prefix`, else the path of
    /// `--web.external-url`; `""` for the root.
    package var effectiveRoutePrefix: String {
        var prefix = routePrefix
        if prefix.isEmpty, let schemeEnd = externalURL.range(of: "://") {
            let afterHost = externalURL[schemeEnd.upperBound...]
            prefix = afterHost.firstIndex(of: "/").map { String(afterHost[$0...]) } ?? ""
        }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if !prefix.isEmpty, !prefix.hasPrefix("/") { prefix = "/" + prefix }
        return prefix
    }
}
