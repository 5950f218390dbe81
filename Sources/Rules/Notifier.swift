package import AsyncHTTPClient
package import Config
import Foundation
import HTTPClientTLS
package import Logging
import Metrics
package import Model
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Sends alerts to every configured Alertmanager (upstream's `notifier.Manager`): a queue of
/// `capacity` alerts, dropping the oldest when full, drained in batches of `maxBatchSize`
/// posted to `/api/v2/alerts` of each Alertmanager of `alerting.alertmanagers`: static targets
/// at once, discovered ones (`file_sd_configs`, …) as the server's discovery hands them to
/// `applyDiscovered`, each through the entry's `relabel_configs` (upstream's
/// `AlertmanagerFromGroup`).
package final class Notifier: Sendable {
    /// One Alertmanager alerts are posted to.
    package struct Alertmanager: Sendable, Equatable {
        /// `scheme://address[path_prefix]/api/v2/alerts`.
        package var url: String
        /// `timeout` of its `alertmanagers` entry.
        package var timeout: Duration
        /// The `<http_config>` of its `alertmanagers` entry: credentials, `http_headers`,
        /// `tls_config` (files are read at every post, so rotated ones are picked up).
        var http: HTTPClientConfig
        /// Which `alertmanagers` entry it came from (its `alert_relabel_configs`).
        var configIndex: Int
    }

    /// What one `alertmanagers` entry gives every Alertmanager it finds.
    private struct Entry: Sendable {
        /// The entry as configured.
        var config: AlertmanagerConfig
        var scheme: String
        /// `/<path_prefix>/api/v2/alerts`, the initial `__alerts_path__`.
        var alertsPath: String
        var timeout: Duration
        /// `<http_config>`.
        var http: HTTPClientConfig
        /// `relabel_configs`, applied to each discovered Alertmanager's labels.
        var targetRelabeler: Relabeler
        /// The Alertmanagers of `static_configs`.
        var staticAlertmanagers: [Alertmanager] = []
        var staticDropped: [Labels] = []
        /// The Alertmanagers discovered by its other mechanisms, by the last `applyDiscovered`.
        var discovered: [Alertmanager] = []
        var discoveredDropped: [Labels] = []
    }

    private struct Settings: Sendable {
        var entries: [Entry] = []
        /// Each entry's `tls_config` (by entry index), loaded once per config; none for the defaults.
        var clientTLS: [Int: Result<TLSConfiguration, ClientTLSError>] = [:]
        var externalLabels = Labels()
        var relabeler = Relabeler.empty
        var perConfigRelabelers: [Relabeler] = []

        /// Every Alertmanager, each URL once (upstream's `alertmanagerSet.sync`).
        var alertmanagers: [Alertmanager] {
            var seen: Set<String> = []
            return entries.flatMap { $0.staticAlertmanagers + $0.discovered }.filter { seen.insert($0.url).inserted }
        }
    }

    /// The most alerts waiting to be sent (`--alertmanager.notification-queue-capacity`).
    package let capacity: Int
    /// The most alerts in one request, as upstream's `maxBatchSize`.
    package static let maxBatchSize = 256
    private let httpClient: HTTPClient
    private let logger: Logger
    private let settings = Mutex(Settings())
    private let queue = Mutex<(alerts: [NotifierAlert], waiter: CheckedContinuation<Void, Never>?)>(([], nil))
    private let dropped = Counter(label: "prometheus_notifications_dropped_total")
    /// The Alertmanager running in this process, if any: every batch is handed to it too.
    private let localAlertmanager = Mutex<(@Sendable ([NotifierAlert]) -> Void)?>(nil)
    private let queueLength = Gauge(label: "prometheus_notifications_queue_length")

    /// A notifier sending through `httpClient`, with no Alertmanager until `applyConfig`.
    package init(httpClient: HTTPClient, capacity: Int = 10_000, logger: Logger) {
        self.httpClient = httpClient
        self.capacity = capacity
        self.logger = logger
        Gauge(label: "prometheus_notifications_queue_capacity").record(capacity)
    }

    /// Takes the Alertmanagers, `alert_relabel_configs` and external labels of `config`. The
    /// static targets take effect at once; discovered ones are kept for entries that did not
    /// change, the others wait for the next `applyDiscovered`.
    /// - Throws: `ModelError` for a `relabel_configs` or `alert_relabel_configs` step that does
    ///   not compile.
    package func applyConfig(_ config: PrometheusConfig) throws(ModelError) {
        var next = Settings()
        next.externalLabels = config.global.externalLabels
        next.relabeler = try Relabeler(config.alerting.alertRelabelConfigs)
        for (index, entryConfig) in config.alerting.alertmanagers.enumerated() {
            next.perConfigRelabelers.append(try Relabeler(entryConfig.alertRelabelConfigs))
            if entryConfig.http.tls != TLSConfig() {
                next.clientTLS[index] = Result { () throws(ClientTLSError) in try entryConfig.http.tls.clientConfiguration() }
            }
            let prefix = entryConfig.pathPrefix.split(separator: "/").joined(separator: "/")
            var entry = Entry(
                config: entryConfig, scheme: entryConfig.scheme, alertsPath: (prefix.isEmpty ? "" : "/" + prefix) + "/api/v2/alerts", timeout: entryConfig.timeout,
                http: entryConfig.http, targetRelabeler: try Relabeler(entryConfig.relabelConfigs))
            let groups = entryConfig.serviceDiscovery.staticConfigs.map { group in
                (targets: group.targets.map { Labels([Label(name: Self.addressLabel, value: $0)]) }, labels: group.labels)
            }
            (entry.staticAlertmanagers, entry.staticDropped) = Self.alertmanagers(from: groups, entry: entry, configIndex: index)
            next.entries.append(entry)
        }
        settings.withLock { settings in
            for index in next.entries.indices where settings.entries.indices.contains(index) && settings.entries[index].config == next.entries[index].config {
                next.entries[index].discovered = settings.entries[index].discovered
                next.entries[index].discoveredDropped = settings.entries[index].discoveredDropped
            }
            settings = next
        }
    }

    /// Hands every batch also to `receive`: the Alertmanager of the same process, which needs no
    /// `alerting:` config (`--alertmanager.config.file`).
    package func setLocalAlertmanager(_ receive: @escaping @Sendable ([NotifierAlert]) -> Void) {
        localAlertmanager.withLock { $0 = receive }
    }

    /// Takes the Alertmanagers found by service discovery: for each `alertmanagers` entry (by
    /// index), its groups' targets (label sets with `__address__`) and group labels. Entries
    /// not named keep what they had.
    package func applyDiscovered(_ groups: [Int: [(targets: [Labels], labels: Labels)]]) {
        settings.withLock { settings in
            for (index, entryGroups) in groups where settings.entries.indices.contains(index) {
                (settings.entries[index].discovered, settings.entries[index].discoveredDropped) =
                    Self.alertmanagers(from: entryGroups, entry: settings.entries[index], configIndex: index)
            }
        }
    }

    private static let addressLabel = "__address__"

    /// The Alertmanagers of `groups` as upstream's `AlertmanagerFromGroup` makes them: target
    /// labels, `__scheme__` and `__alerts_path__` from the entry, group labels under the
    /// target's; then the entry's `relabel_configs`. URL: `__scheme__://__address____alerts_path__`.
    /// - Returns: the kept Alertmanagers and the label sets (before relabeling) of the dropped.
    private static func alertmanagers(
        from groups: [(targets: [Labels], labels: Labels)], entry: Entry, configIndex: Int
    ) -> (kept: [Alertmanager], dropped: [Labels]) {
        var kept: [Alertmanager] = [], dropped: [Labels] = []
        for group in groups {
            for target in group.targets {
                var builder = LabelsBuilder(target)
                builder.set("__scheme__", entry.scheme)
                builder.set("__alerts_path__", entry.alertsPath)
                for label in group.labels where target[label.name] == nil { builder.set(label.name, label.value) }
                let before = builder.labels()
                guard entry.targetRelabeler.process(&builder) else {
                    dropped.append(before)
                    continue
                }
                let labels = builder.labels()
                guard let address = labels[addressLabel], !address.isEmpty, !address.contains("/") else { continue }
                kept.append(Alertmanager(
                    url: "\(labels["__scheme__"] ?? "")://\(address)\(labels["__alerts_path__"] ?? "")", timeout: entry.timeout,
                    http: entry.http, configIndex: configIndex))
            }
        }
        return (kept, dropped)
    }

    /// The Alertmanagers alerts go to (`/api/v1/alertmanagers`'s active ones).
    package var alertmanagers: [Alertmanager] { settings.withLock { $0.alertmanagers } }

    /// The URLs of the Alertmanagers `relabel_configs` dropped (`droppedAlertmanagers`), from
    /// their labels before relabeling.
    package var droppedAlertmanagerURLs: [String] {
        settings.withLock { settings in
            settings.entries.flatMap { $0.staticDropped + $0.discoveredDropped }.map { labels in
                "\(labels["__scheme__"] ?? "")://\(labels[Self.addressLabel] ?? "")\(labels["__alerts_path__"] ?? "")"
            }
        }
    }

    /// Queues `alerts` with the external labels (an alert's own label wins) and
    /// `alert_relabel_configs` applied; alerts relabeled away are not queued. When the queue
    /// would exceed `capacity`, the oldest alerts are dropped and counted.
    package func send(_ alerts: [NotifierAlert]) {
        guard !alerts.isEmpty else { return }
        let (externalLabels, relabeler) = settings.withLock { ($0.externalLabels, $0.relabeler) }
        var prepared: [NotifierAlert] = []
        prepared.reserveCapacity(alerts.count)
        for var alert in alerts {
            var builder = LabelsBuilder(alert.labels)
            for label in externalLabels where alert.labels[label.name] == nil { builder.set(label.name, label.value) }
            guard relabeler.process(&builder) else { continue }
            alert.labels = builder.labels()
            prepared.append(alert)
        }
        let (waiter, droppedCount, length) = queue.withLock { queue in
            queue.alerts += prepared
            let excess = max(0, queue.alerts.count - capacity)
            queue.alerts.removeFirst(excess)
            defer { queue.waiter = nil }
            return (queue.waiter, excess, queue.alerts.count)
        }
        if droppedCount > 0 {
            dropped.increment(by: droppedCount)
            logger.warning("Alert notification queue full, dropping alerts", metadata: ["num_dropped": "\(droppedCount)"])
        }
        queueLength.record(length)
        waiter?.resume()
    }

    /// Sends queued alerts until cancelled, one batch at a time to every Alertmanager.
    package func run() async {
        while !Task.isCancelled {
            let batch = queue.withLock { queue in
                let count = min(Self.maxBatchSize, queue.alerts.count)
                defer { queue.alerts.removeFirst(count) }
                return Array(queue.alerts.prefix(count))
            }
            if batch.isEmpty {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = queue.withLock { queue -> Bool in
                            if !queue.alerts.isEmpty || Task.isCancelled { return true }
                            queue.waiter = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    queue.withLock { queue in
                        defer { queue.waiter = nil }
                        return queue.waiter
                    }?.resume()
                }
                continue
            }
            queueLength.record(queue.withLock { $0.alerts.count })
            localAlertmanager.withLock { $0 }?(batch)
            await post(batch)
        }
    }

    /// Posts `batch` to every Alertmanager at once, each with its own `alert_relabel_configs`.
    private func post(_ batch: [NotifierAlert]) async {
        let (alertmanagers, relabelers) = settings.withLock { ($0.alertmanagers, $0.perConfigRelabelers) }
        await withTaskGroup(of: Void.self) { group in
            for alertmanager in alertmanagers {
                let relabeler = relabelers[alertmanager.configIndex]
                let alerts = batch.compactMap { alert -> NotifierAlert? in
                    guard let labels = relabeler.process(alert.labels) else { return nil }
                    var relabeled = alert
                    relabeled.labels = labels
                    return relabeled
                }
                guard !alerts.isEmpty else { continue }
                group.addTask { await self.post(NotifierAlert.json(alerts), count: alerts.count, to: alertmanager) }
            }
        }
    }

    private func post(_ body: [UInt8], count: Int, to alertmanager: Alertmanager) async {
        var request = HTTPClientRequest(url: alertmanager.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Pharos")
        request.body = .bytes(ByteBuffer(bytes: body))
        let dimensions = [("alertmanager", alertmanager.url)]
        do {
            if let setting = alertmanager.http.unsupportedClientSetting {
                throw NotifierError(message: "\(setting) is not supported by Pharos for Alertmanagers yet")
            }
            for (name, value) in try alertmanager.http.customHeaders() { request.headers.add(name: name, value: value) }
            if let authorization = try alertmanager.http.authorizationHeader() {
                request.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            if let tls = settings.withLock({ $0.clientTLS[alertmanager.configIndex] }) { request.tlsConfiguration = try tls.get() }
            let response = try await httpClient.execute(request, timeout: .milliseconds(alertmanager.timeout.wholeMilliseconds))
            _ = try? await response.body.collect(upTo: 1 << 20)
            guard (200..<300).contains(response.status.code) else {
                throw NotifierError(message: "bad response status \(response.status)")
            }
            Counter(label: "prometheus_notifications_sent_total", dimensions: dimensions).increment(by: count)
        } catch {
            Counter(label: "prometheus_notifications_errors_total", dimensions: dimensions).increment(by: count)
            logger.error("Error sending alerts", metadata: ["alertmanager": "\(alertmanager.url)", "count": "\(count)", "err": "\(error)"])
        }
    }
}

/// Why an Alertmanager did not take a batch.
private struct NotifierError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Relabeler {
    /// No steps.
    static let empty: Relabeler = {
        do { return try Relabeler([]) } catch { preconditionFailure("BUG: an empty relabel list does not compile: \(error)") }
    }()
}
