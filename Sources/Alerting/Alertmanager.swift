internal import Model
package import AsyncHTTPClient
internal import Foundation
internal import HTTPClientTLS
package import Logging
internal import Metrics
internal import Synchronization

/// The Alertmanager at run time: the dispatch state, silences and notification log behind one
/// lock, the loop that flushes due groups through inhibition, time intervals, silences, the
/// notification log and the receivers' integrations (upstream's `notify` pipeline), and the
/// files silences and the notification log are kept in. HTTP lives in `Server`.
package final class Alertmanager: Sendable {
    /// Settings from the command line.
    package struct Options: Sendable {
        /// `--storage.path`: where `silences.json` and `nflog.json` live; empty keeps them in memory.
        package var storagePath = ""
        /// `--data.retention`: how long expired silences and notification log entries are kept.
        package var retention = Duration.seconds(120 * 3600)
        /// `--web.external-url`, sent in notifications.
        package var externalURL = ""
        /// The `User-Agent` of notifications.
        package var userAgent = "Alertmanager/0.25.0"
        /// `--cluster.*` with peers: HA with them; nil runs alone.
        package var cluster: AlertmanagerCluster.Options?
        /// The wall clock, Unix milliseconds (a test may pass its own).
        package var now: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

        /// The defaults.
        package init() {}
    }

    /// An alert with what the API shows about it.
    package struct AlertView: Sendable {
        package var alert: AlertmanagerAlert
        /// The receivers it is routed to, in routing order.
        package var receivers: [String]
        /// IDs of the active silences muting it, and fingerprints of the alerts inhibiting it.
        package var silencedBy: [String]
        package var inhibitedBy: [String]
    }

    /// An aggregation group as the API shows it.
    package struct GroupView: Sendable {
        package var labels: [String: String]
        package var receiver: String
        package var alerts: [AlertView]
    }

    private struct Core: Sendable {
        var config: AlertmanagerConfig
        var dispatch: DispatchState
        var silences: Silences
        var nflog: NotificationLog
        var integrations: [String: [any Integration]]
        var history: AlertHistory
    }

    /// The options it runs with.
    package let options: Options
    /// The HA peers, when it has any.
    package let cluster: AlertmanagerCluster?
    private let core: Mutex<Core>
    private let wake = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    private let persisting = Mutex(())
    private let httpClient: HTTPClient
    private let logger: Logger

    /// Every integration name upstream counts notifications for, so each series exists from the start.
    private static let integrationNames = [
        "email", "pagerduty", "wechat", "pushover", "slack", "opsgenie", "webhook", "victorops", "sns", "telegram", "discord",
        "webex", "msteams", "msteamsv2", "jira", "rocketchat",
    ]

    /// An Alertmanager running `config`, with the silences and notification log found under
    /// `options.storagePath`.
    /// - Throws: `AlertingError.unsupportedIntegration`, `.stateFile` for a file that does not read,
    ///   `.clusterTLS` for HA peers' TLS files that do not load.
    package init(config: AlertmanagerConfig, options: Options, httpClient: HTTPClient, logger: Logger) throws(AlertingError) {
        self.options = options
        self.httpClient = httpClient
        self.logger = logger
        do throws(ClientTLSError) {
            cluster = try options.cluster.map { options throws(ClientTLSError) in
                try AlertmanagerCluster(options: options, httpClient: httpClient, logger: logger)
            }
        } catch {
            throw .clusterTLS("\(error)")
        }
        var silences = Silences(retention: options.retention)
        var nflog = NotificationLog(retention: options.retention)
        var history = AlertHistory(retention: options.retention, saves: !options.storagePath.isEmpty)
        if !options.storagePath.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: options.storagePath, withIntermediateDirectories: true)
            } catch {
                throw .stateFile(path: options.storagePath, reason: "cannot create the directory: \(error)")
            }
            let silencesPath = options.storagePath + "/silences.json", nflogPath = options.storagePath + "/nflog.json"
            if let data = try StateFile.read(silencesPath) { silences.restore(try StateSnapshots.decodeSilences(data, path: silencesPath)) }
            if let data = try StateFile.read(nflogPath) { try StateSnapshots.decodeLog(data, path: nflogPath, into: &nflog) }
            for (fingerprint, event) in try HistoryFile.read(options.storagePath + "/history.jsonl") { history.replay(fingerprint, event) }
            history.collectGarbage(nowMs: options.now())
        }
        let integrations = try ReceiverIntegrations.build(config, httpClient: httpClient, userAgent: options.userAgent, now: options.now)
        core = Mutex(Core(config: config, dispatch: DispatchState(route: config.routingTree, inhibitRules: config.inhibitRules),
                          silences: silences, nflog: nflog, integrations: integrations,
                          history: history))
        for name in Self.integrationNames {
            for label in ["alertmanager_notifications_total", "alertmanager_notification_requests_total",
                          "alertmanager_notification_requests_failed_total"] {
                Counter(label: label, dimensions: [("integration", name)]).increment(by: 0)
            }
            for reason in NotifyFailureReason.allCases {
                Counter(label: "alertmanager_notifications_failed_total", dimensions: [("integration", name), ("reason", reason.rawValue)])
                    .increment(by: 0)
            }
        }
    }

    /// The config in effect.
    package var config: AlertmanagerConfig { core.withLock { $0.config } }

    /// The events of the alert with `fingerprint`, oldest first (`GET /api/v2/alerts/history`).
    package func history(of fingerprint: Fingerprint) -> [AlertHistory.Event] {
        core.withLock { $0.history.events[fingerprint] ?? [] }
    }

    /// The notification log as it is now.
    package var notificationLog: NotificationLog { core.withLock { $0.nflog } }

    /// The time now, Unix milliseconds.
    package var nowMs: Int64 { options.now() }

    /// Makes `config` the one in effect: alerts are routed anew along its tree (groups start
    /// over, the notification log keeps what was sent). Nothing changes when it throws.
    package func apply(_ config: AlertmanagerConfig) throws(AlertingError) {
        let integrations = try ReceiverIntegrations.build(config, httpClient: httpClient, userAgent: options.userAgent, now: options.now)
        let now = nowMs
        core.withLock { core in
            core.config = config
            core.integrations = integrations
            core.dispatch = core.dispatch.reconfigured(route: config.routingTree, inhibitRules: config.inhibitRules, nowMs: now)
        }
        wakeUp()
    }

    /// Takes received alerts (already completed by `AlertmanagerAlert.received`).
    package func receive(_ alerts: [AlertmanagerAlert]) {
        guard !alerts.isEmpty else { return }
        let now = nowMs
        core.withLock { core in
            for alert in alerts {
                core.dispatch.insert(alert, nowMs: now)
                core.history.observe(alert.fingerprint, firing: !alert.isResolved(at: now), atMs: now)
            }
        }
        persistHistory()
        wakeUp()
    }

    // MARK: - Silences

    /// Creates or updates a silence (upstream's `Silences.Set`) and writes the silences file
    /// before answering, so an acknowledged silence survives a crash.
    /// - Returns: its ID.
    package func setSilence(_ silence: Silence) throws(AlertingError) -> String {
        let now = nowMs
        let (id, changed) = try core.withLock { core throws(AlertingError) in
            let id = try core.silences.set(silence, nowMs: now)
            return (id, [id, silence.id].compactMap { core.silences.byID[$0] })
        }
        try persistSilences()
        cluster?.broadcast(PeerState(silences: changed.map(StateSnapshots.SilenceRecord.init)).bytes)
        wakeUp()
        return id
    }

    /// Expires a silence and writes the silences file.
    package func expireSilence(id: String) throws(AlertingError) {
        let now = nowMs
        let expired = try core.withLock { core throws(AlertingError) in
            try core.silences.expire(id: id, nowMs: now)
            return core.silences.byID[id]
        }
        try persistSilences()
        cluster?.broadcast(PeerState(silences: expired.map { [StateSnapshots.SilenceRecord($0)] } ?? []).bytes)
        wakeUp()
    }

    /// The silence with `id`.
    package func silence(id: String) -> Silence? {
        core.withLock { $0.silences.byID[id] }
    }

    /// Every silence in the API's order.
    package func silences() -> [Silence] {
        let now = nowMs
        return core.withLock { $0.silences.listed(nowMs: now) }
    }

    // MARK: - HA

    /// Every silence and notification log entry, as HA peers exchange them on a join.
    package func peerState() -> [UInt8] {
        core.withLock { core in
            PeerState(silences: core.silences.byID.values.sorted { $0.id < $1.id }.map(StateSnapshots.SilenceRecord.init),
                      nflog: StateSnapshots.LogRecord.sorted(core.nflog.entries.map(StateSnapshots.LogRecord.init)))
        }.bytes
    }

    /// Merges what a peer sent (last write wins) and writes the files when something was taken.
    /// - Throws: `AlertingError.peerState` for a message that does not decode; nothing is taken then.
    package func mergePeerState(_ bytes: some Collection<UInt8>) throws(AlertingError) {
        let (silences, entries) = try PeerState.decode(bytes)
        let now = nowMs
        let (silencesTaken, entriesTaken) = core.withLock { core in
            (silences.reduce(0) { $0 + (core.silences.merge($1, nowMs: now) ? 1 : 0) },
             entries.reduce(0) { $0 + (core.nflog.merge($1.0, $1.1, nowMs: now) ? 1 : 0) })
        }
        if silencesTaken > 0 {
            try persistSilences()
            wakeUp()
        }
        if entriesTaken > 0 { try persistLog() }
    }

    // MARK: - Views

    /// The unresolved alerts with their receivers and what mutes them, by fingerprint.
    package func alerts() -> [AlertView] {
        let now = nowMs
        return core.withLock { core in
            core.dispatch.alerts.values.filter { !$0.isResolved(at: now) }.sorted { $0.fingerprint < $1.fingerprint }
                .map { view($0, core: core, nowMs: now) }
        }
    }

    /// The aggregation groups with their unresolved alerts, in upstream's order.
    package func groups() -> [GroupView] {
        let now = nowMs
        return core.withLock { core in
            core.dispatch.groups.values.map { group in
                GroupView(
                    labels: group.labels, receiver: core.dispatch.tree.nodes[group.node].route.receiver,
                    alerts: group.alerts.values.filter { !$0.isResolved(at: now) }.sorted(by: AlertmanagerAlert.precedes)
                        .map { view($0, core: core, nowMs: now) })
            }.sorted { a, b in
                a.labels == b.labels ? a.receiver < b.receiver : LabelSetOrder.before(a.labels, b.labels)
            }
        }
    }

    private func view(_ alert: AlertmanagerAlert, core: Core, nowMs: Int64) -> AlertView {
        AlertView(
            alert: alert, receivers: core.dispatch.tree.match(alert.labels).map { core.dispatch.tree.nodes[$0].route.receiver },
            silencedBy: core.silences.silencing(alert.labels, nowMs: nowMs),
            inhibitedBy: core.dispatch.inhibitor.inhibitors(of: alert.labels, nowMs: nowMs).map(\.description))
    }

    // MARK: - Dispatch loop

    /// Flushes groups as they fall due until cancelled; collects garbage every 30 s (resolved
    /// alerts, empty groups) and every 15 min (expired silences and log entries, as upstream's
    /// maintenance interval).
    package func run() async {
        var lastGC = nowMs, lastMaintenance = nowMs, lastGauges = Int64.min / 2
        await withDiscardingTaskGroup { group in
            if let cluster {
                group.addTask { await cluster.run(state: { self.peerState() }, merge: { bytes throws(AlertingError) in try self.mergePeerState(bytes) }) }
                await cluster.settle()
            }
            while !Task.isCancelled {
                let now = nowMs
                let due = core.withLock { $0.dispatch.dueFlushes(nowMs: now) }
                for flush in due { group.addTask { await self.process(flush) } }
                if now - lastGC >= 30_000 {
                    lastGC = now
                    core.withLock { _ = $0.dispatch.collectGarbage(nowMs: now) }
                }
                if now - lastGauges >= 1000 {
                    lastGauges = now
                    recordGauges(nowMs: now)
                }
                if now - lastMaintenance >= 15 * 60_000 {
                    lastMaintenance = now
                    maintain()
                }
                let next = core.withLock { $0.dispatch.nextFlushMs } ?? Int64.max
                let delay = min(max(next - nowMs, 0), 30_000)
                if delay > 0 { await sleep(milliseconds: delay) }
            }
        }
    }

    /// `alertmanager_alerts{state}` and `alertmanager_silences{state}`, as upstream exports them
    /// (updated by the dispatch loop, at most once a second, rather than at each scrape).
    private func recordGauges(nowMs: Int64) {
        let (active, suppressed, silences) = core.withLock { core in
            let alerts = core.dispatch.alerts.values.filter { !$0.isResolved(at: nowMs) }.map { view($0, core: core, nowMs: nowMs) }
            let muted = alerts.filter { !$0.silencedBy.isEmpty || !$0.inhibitedBy.isEmpty }.count
            return (alerts.count - muted, muted, core.silences.byID.values.map { $0.state(at: nowMs) })
        }
        Gauge(label: "alertmanager_cluster_enabled").record(cluster == nil ? 0 : 1)
        if let cluster {
            Gauge(label: "alertmanager_cluster_members").record(cluster.members.count)
            Gauge(label: "alertmanager_peer_position").record(cluster.position)
        }
        Gauge(label: "alertmanager_alerts", dimensions: [("state", "active")]).record(active)
        Gauge(label: "alertmanager_alerts", dimensions: [("state", "suppressed")]).record(suppressed)
        for state in [SilenceState.active, .pending, .expired] {
            Gauge(label: "alertmanager_silences", dimensions: [("state", state.rawValue)]).record(silences.filter { $0 == state }.count)
        }
    }

    /// Drops expired silences and log entries and rewrites both files.
    package func maintain() {
        let now = nowMs
        core.withLock { core in
            core.silences.collectGarbage(nowMs: now)
            core.nflog.collectGarbage(nowMs: now)
            core.history.collectGarbage(nowMs: now)
        }
        do {
            try persistSilences()
            try persistLog()
            try compactHistory()
        } catch {
            logger.error("Writing the Alertmanager state failed", metadata: ["err": "\(error)"])
        }
    }

    /// One flush of one group through the pipeline: time intervals, inhibition and silences,
    /// then every integration of the receiver at once.
    private func process(_ flush: DispatchState.Flush) async {
        let now = flush.nowMs
        let (alerts, mutedResolved, integrations, isMuted) = core.withLock {
            core -> ([AlertmanagerAlert], [AlertmanagerAlert], [any Integration], Bool) in
            let intervals = Dictionary((core.config.timeIntervals + core.config.muteTimeIntervals).map { ($0.name, $0) },
                                       uniquingKeysWith: { first, _ in first })
            let route = flush.route
            var muted = false
            if !route.activeTimeIntervals.isEmpty {
                muted = !route.activeTimeIntervals.contains { intervals[$0]?.contains(ms: now) ?? false }
            }
            if route.muteTimeIntervals.contains(where: { intervals[$0]?.contains(ms: now) ?? false }) { muted = true }
            let (kept, mutedAlerts) = flush.alerts.reduce(into: ([AlertmanagerAlert](), [AlertmanagerAlert]())) { result, alert in
                let inhibitors = core.dispatch.inhibitor.inhibitors(of: alert.labels, nowMs: now).map(\.description)
                let silences = core.silences.silencing(alert.labels, nowMs: now)
                core.history.observe(alert.fingerprint, firing: !alert.isResolved(at: now), atMs: now)
                core.history.observeMuting(alert.fingerprint, silencedBy: silences, inhibitedBy: inhibitors, atMs: now)
                if inhibitors.isEmpty && silences.isEmpty { result.0.append(alert) } else { result.1.append(alert) }
            }
            let receiver = core.config.receivers.first { $0.name == route.receiver }
            let mutedResolved = receiver?.sendResolvedWhenMuted == true ? mutedAlerts.filter { $0.isResolved(at: now) } : []
            return (kept, mutedResolved, core.integrations[route.receiver] ?? [], muted)
        }
        persistHistory()
        var delivered = true
        if !isMuted && !(alerts.isEmpty && mutedResolved.isEmpty) {
            delivered = await withTaskGroup(of: Bool.self) { group in
                for integration in integrations { group.addTask { await self.notify(integration, flush, alerts, mutedResolved: mutedResolved) } }
                return await group.reduce(true) { $0 && $1 }
            }
        }
        core.withLock { $0.dispatch.finish(flush, delivered: delivered, nowMs: nowMs) }
        wakeUp()
    }

    /// Deduplication against the notification log, then sending with retries (upstream's
    /// `DedupStage`, `RetryStage`, `SetNotifiesStage`); returns whether it succeeded.
    /// `mutedResolved`: resolved alerts that are silenced or inhibited, sent (with
    /// `send_resolved_when_muted`) to an integration whose last notification had them firing.
    private func notify(
        _ integration: any Integration, _ flush: DispatchState.Flush, _ unmuted: [AlertmanagerAlert], mutedResolved: [AlertmanagerAlert]
    ) async -> Bool {
        let route = flush.route
        let key = NotificationLog.Key(receiver: route.receiver, integration: integration.name, index: integration.index,
                                      groupKey: flush.groupKey)
        var alerts = unmuted
        if !mutedResolved.isEmpty, let notified = core.withLock({ $0.nflog.entries[key]?.firing }) {
            alerts += mutedResolved.filter { notified.contains($0.fingerprint) }
            alerts.sort(by: AlertmanagerAlert.precedes)
        }
        guard !alerts.isEmpty else { return true }
        // HA: peer i waits i × the peer timeout, then reads the shared log (upstream's WaitStage).
        if let wait = cluster?.notifyWait, wait > .zero {
            do { try await Task.sleep(for: wait) } catch { return false }
        }
        let firing = Set(alerts.filter { !$0.isResolved(at: flush.nowMs) }.map(\.fingerprint))
        let resolved = Set(alerts.filter { $0.isResolved(at: flush.nowMs) }.map(\.fingerprint))
        let needed = core.withLock {
            $0.nflog.needsUpdate(key, firing: firing, resolved: resolved, sendResolved: integration.sendResolved,
                                 repeatInterval: route.repeatInterval, nowMs: flush.nowMs)
        }
        guard needed else { return true }
        // Without send_resolved, resolved alerts are not sent; all-resolved groups are only logged.
        let sent = integration.sendResolved ? alerts : alerts.filter { !$0.isResolved(at: flush.nowMs) }
        if !sent.isEmpty {
            // Retries go on until the next flush is due (upstream: the group interval, at least 10 s).
            let deadline = ContinuousClock.now + max(route.groupInterval, .seconds(10))
            let notification = Notification(receiver: route.receiver, groupKey: flush.groupKey, groupLabels: flush.groupLabels,
                                             alerts: sent, externalURL: options.externalURL, nowMs: flush.nowMs, deadline: deadline)
            guard await send(notification, through: integration) else { return false }
        }
        let loggedAt = nowMs
        let entry = core.withLock { core in
            core.nflog.log(key, firing: firing, resolved: resolved, nowMs: loggedAt)
            for alert in sent {
                core.history.notified(alert.fingerprint, receiver: route.receiver, integration: "\(integration.name)[\(integration.index)]",
                                      status: alert.isResolved(at: flush.nowMs) ? "resolved" : "firing", atMs: loggedAt)
            }
            return core.nflog.entries[key]
        }
        if let entry { cluster?.broadcast(PeerState(nflog: [StateSnapshots.LogRecord(key, entry)]).bytes) }
        do { try persistLog() } catch {
            logger.error("Writing the notification log failed", metadata: ["err": "\(error)"])
        }
        persistHistory()
        return true
    }

    /// Sends with capped exponential backoff (0.5 s, ×1.5, ±50 %, at most 60 s, as upstream's
    /// `backoff.ExponentialBackOff`) until delivered, refused for good, or past the deadline.
    /// Counts as upstream's `RetryStage`: one notification, each attempt a request, and the
    /// notification failed (by the reason of its last attempt) when no attempt got through.
    private func send(_ notification: Notification, through integration: any Integration) async -> Bool {
        let dimensions = [("integration", integration.name)]
        var interval = 0.5
        var attempt = 0
        Counter(label: "alertmanager_notifications_total", dimensions: dimensions).increment()
        while true {
            attempt += 1
            let started = ContinuousClock.now
            let outcome = await integration.notify(notification)
            Metrics.Timer(label: "alertmanager_notification_latency_seconds", dimensions: dimensions).recordNanoseconds(
                (ContinuousClock.now - started).nanoseconds)
            Counter(label: "alertmanager_notification_requests_total", dimensions: dimensions).increment()
            guard case .failed(let reason, let retry) = outcome else { return true }
            Counter(label: "alertmanager_notification_requests_failed_total", dimensions: dimensions).increment()
            let wait = Duration.milliseconds(Int64(interval * Double.random(in: 0.5...1.5) * 1000))
            interval = min(interval * 1.5, 60)
            if !retry || ContinuousClock.now + wait >= notification.deadline || Task.isCancelled {
                Counter(label: "alertmanager_notifications_failed_total",
                        dimensions: dimensions + [("reason", NotifyFailureReason(reason).rawValue)]).increment()
                logger.error("Notify for alerts failed", metadata: [
                    "receiver": "\(notification.receiver)", "integration": "\(integration.name)[\(integration.index)]",
                    "attempts": "\(attempt)", "err": "\(reason)", "retried": "\(retry)",
                ])
                return false
            }
            logger.warning("Notify attempt failed, will retry later", metadata: [
                "receiver": "\(notification.receiver)", "integration": "\(integration.name)[\(integration.index)]",
                "attempts": "\(attempt)", "err": "\(reason)",
            ])
            do { try await Task.sleep(for: wait) } catch { return false }
        }
    }

    // MARK: - Files

    private func persistSilences() throws(AlertingError) {
        guard !options.storagePath.isEmpty else { return }
        try persisting.withLock { _ throws(AlertingError) in
            try StateFile.write(core.withLock { StateSnapshots.encode($0.silences) }, to: options.storagePath + "/silences.json")
        }
    }

    private func persistLog() throws(AlertingError) {
        guard !options.storagePath.isEmpty else { return }
        try persisting.withLock { _ throws(AlertingError) in
            try StateFile.write(core.withLock { StateSnapshots.encode($0.nflog) }, to: options.storagePath + "/nflog.json")
        }
    }

    /// Appends the new history events to `history.jsonl`; a failure is logged (the history is
    /// not worth refusing alerts over).
    private func persistHistory() {
        guard !options.storagePath.isEmpty else { return }
        do {
            try persisting.withLock { _ throws(AlertingError) in
                try HistoryFile.append(core.withLock { $0.history.takeUnsaved() }, to: options.storagePath + "/history.jsonl")
            }
        } catch {
            logger.error("Writing the alert history failed", metadata: ["err": "\(error)"])
        }
    }

    /// Rewrites `history.jsonl` with only the events kept.
    private func compactHistory() throws(AlertingError) {
        guard !options.storagePath.isEmpty else { return }
        try persisting.withLock { _ throws(AlertingError) in
            let events = core.withLock { core in
                _ = core.history.takeUnsaved()
                return core.history.all
            }
            try StateFile.write(HistoryFile.encode(events), to: options.storagePath + "/history.jsonl")
        }
    }

    // MARK: - Waking the loop

    private func wakeUp() {
        wake.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }?.resume()
    }

    private func sleep(milliseconds: Int64) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: .milliseconds(milliseconds)) }
            group.addTask { await self.waitForWakeUp() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForWakeUp() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = wake.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            wake.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
    }
}

extension Duration {
    /// The whole nanoseconds of the duration (for `Timer`).
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
