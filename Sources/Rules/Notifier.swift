package import AsyncHTTPClient
package import Config
import Foundation
package import Logging
import Metrics
package import Model
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends alerts to every configured Alertmanager (upstream's `notifier.Manager`): a queue of
/// `capacity` alerts, dropping the oldest when full, drained in batches of `maxBatchSize`
/// posted to `/api/v2/alerts` of each Alertmanager of `alerting.alertmanagers` (static
/// targets; file SD and `relabel_configs` of Alertmanagers are not applied yet).
package final class Notifier: Sendable {
    /// One Alertmanager alerts are posted to.
    package struct Alertmanager: Sendable, Equatable {
        /// `scheme://address[path_prefix]/api/v2/alerts`.
        package var url: String
        /// `timeout` of its `alertmanagers` entry.
        package var timeout: Duration
        /// The `Authorization` header value, if any.
        var authorization: String?
        /// Which `alertmanagers` entry it came from (its `alert_relabel_configs`).
        var configIndex: Int
    }

    private struct Settings: Sendable {
        var alertmanagers: [Alertmanager] = []
        var externalLabels = Labels()
        var relabeler = Relabeler.empty
        var perConfigRelabelers: [Relabeler] = []
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

    /// Takes the Alertmanagers, `alert_relabel_configs` and external labels of `config`.
    /// - Throws: `ModelError` for an `alert_relabel_configs` step that does not compile.
    package func applyConfig(_ config: PrometheusConfig) throws(ModelError) {
        var next = Settings()
        next.externalLabels = config.global.externalLabels
        next.relabeler = try Relabeler(config.alerting.alertRelabelConfigs)
        for (index, entry) in config.alerting.alertmanagers.enumerated() {
            next.perConfigRelabelers.append(try Relabeler(entry.alertRelabelConfigs))
            var prefix = entry.pathPrefix
            while prefix.hasSuffix("/") { prefix.removeLast() }
            if !prefix.isEmpty, !prefix.hasPrefix("/") { prefix = "/" + prefix }
            var authorization: String?
            if let basic = entry.http.basicAuth {
                authorization = "Basic " + Data((basic.username + ":" + basic.password.value).utf8).base64EncodedString()
            } else if let bearer = entry.http.authorization, !bearer.credentials.isEmpty {
                authorization = (bearer.type.isEmpty ? "Bearer" : bearer.type) + " " + bearer.credentials.value
            }
            for group in entry.serviceDiscovery.staticConfigs {
                for target in group.targets {
                    next.alertmanagers.append(Alertmanager(
                        url: "\(entry.scheme)://\(target)\(prefix)/api/v2/alerts", timeout: entry.timeout,
                        authorization: authorization, configIndex: index))
                }
            }
        }
        settings.withLock { $0 = next }
    }

    /// Hands every batch also to `receive`: the Alertmanager of the same process, which needs no
    /// `alerting:` config (`--alertmanager.config.file`).
    package func setLocalAlertmanager(_ receive: @escaping @Sendable ([NotifierAlert]) -> Void) {
        localAlertmanager.withLock { $0 = receive }
    }

    /// The Alertmanagers alerts go to (`/api/v1/alertmanagers`).
    package var alertmanagers: [Alertmanager] { settings.withLock { $0.alertmanagers } }

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
        if let authorization = alertmanager.authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let dimensions = [("alertmanager", alertmanager.url)]
        do {
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
