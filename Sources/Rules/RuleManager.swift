package import Config
import Foundation
package import Logging
import Metrics
import Model
import Synchronization

/// Runs the rule groups of the config's `rule_files` (upstream's `rules.Manager`): each group
/// on its own schedule, its rules evaluated in order through `RuleGroupState`, alerts handed
/// to the notifier. `applyConfig` replaces the groups all or nothing and keeps the state of
/// unchanged rules.
package final class RuleManager: Sendable {
    /// The flags rule evaluation runs with.
    package struct Options: Sendable {
        /// `--rules.query-offset`: the query offset of groups when neither `query_offset` nor
        /// `global.rule_query_offset` sets one.
        package var queryOffset = Duration.zero
        /// Runs one group evaluation, which blocks its thread while a querier waits on the
        /// network (`remote_read`, the cluster's ingesters), off the concurrency pool (the
        /// server passes its blocking thread pool); `nil` runs it on the group's task.
        package var evaluationRunner: (@Sendable (@escaping @Sendable () -> Void) async -> Void)?

        /// The defaults.
        package init(queryOffset: Duration = .zero, evaluationRunner: (@Sendable (@escaping @Sendable () -> Void) async -> Void)? = nil) {
            self.queryOffset = queryOffset
            self.evaluationRunner = evaluationRunner
        }
    }

    private struct State: Sendable {
        var environment: RuleEvaluationEnvironment
        /// Group keys in file order, and the groups by key.
        var order: [String] = []
        var groups: [String: RuleGroupState] = [:]
        var hasLoaded = false
    }

    private let options: Options
    private let notifier: Notifier?
    private let logger: Logger
    private let state: Mutex<State>
    private let updates: AsyncStream<Void>
    private let updated: AsyncStream<Void>.Continuation

    /// A manager with no groups until `applyConfig`.
    /// - Parameter notifier: where alerts go; `nil` keeps them (the rules API still shows them).
    package init(environment: RuleEvaluationEnvironment, options: Options = Options(), notifier: Notifier?, logger: Logger) {
        self.options = options
        self.notifier = notifier
        self.logger = logger
        state = Mutex(State(environment: environment))
        (updates, updated) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Loads the config's rule files and makes their groups the ones that run; the groups in
    /// effect stay when any file is invalid.
    /// - Throws: `RulesError.several` with every problem of every file.
    package func applyConfig(_ config: PrometheusConfig) throws(RulesError) {
        let files = config.ruleFiles.flatMap { Glob.expand($0) }
        let queryOffset = config.global.ruleQueryOffset == .zero ? options.queryOffset : config.global.ruleQueryOffset
        let loaded = try RuleGroupLoader.load(files: files, evaluationInterval: config.global.evaluationInterval, queryOffset: queryOffset)
        let (removed, appendable) = state.withLock { state in
            let restores = !state.hasLoaded
            var groups: [String: RuleGroupState] = [:]
            for group in loaded {
                var next = RuleGroupState(group, restoresForState: restores)
                if let previous = state.groups[group.key] { next.copyState(from: previous) }
                groups[group.key] = next
            }
            let removed = state.groups.filter { groups[$0.key] == nil }.values.reduce(into: Set<Labels>()) { $0.formUnion($1.writtenSeries) }
            state.order = loaded.map(\.key)
            state.groups = groups
            state.hasLoaded = true
            state.environment.externalLabels = config.global.externalLabels
            return (removed, state.environment.appendable)
        }
        // As upstream stops a removed group: its series end now rather than at the lookback.
        RuleGroupState.writeStaleMarkers(removed, atMs: Self.nowMs(), to: appendable)
        updated.yield()
    }

    /// The groups in file order, as they are now (the rules and alerts APIs).
    package var groups: [RuleGroupState] {
        state.withLock { state in state.order.compactMap { state.groups[$0] } }
    }

    /// Evaluates each group on its schedule until cancelled; restarts the schedules when
    /// `applyConfig` changes the groups.
    package func run() async {
        var changes = updates.makeAsyncIterator()
        while !Task.isCancelled {
            let keys = state.withLock { $0.order }
            var isFinished = false
            await withTaskGroup(of: Void.self) { tasks in
                for key in keys { tasks.addTask { await self.runGroup(key) } }
                isFinished = await changes.next() == nil
                tasks.cancelAll()
            }
            if isFinished { return }
        }
    }

    private func runGroup(_ key: String) async {
        guard let group = state.withLock({ $0.groups[key]?.loaded }) else { return }
        let schedule = RuleGroupSchedule(file: group.file, name: group.group.name, interval: group.interval)
        let dimensions = [("rule_group", key)]
        let missedCounter = Counter(label: "prometheus_rule_group_iterations_missed_total", dimensions: dimensions)
        Gauge(label: "prometheus_rule_group_interval_seconds", dimensions: dimensions).record(group.interval.inSeconds)
        Gauge(label: "prometheus_rule_group_rules", dimensions: dimensions).record(group.rules.count)
        var nextMs = schedule.evaluationTime(atOrBefore: Self.nowMs()) + schedule.intervalMs
        while !Task.isCancelled {
            let waitMs = nextMs - Self.nowMs()
            if waitMs > 0 {
                do { try await Task.sleep(for: .milliseconds(waitMs)) } catch { return }
            }
            if let runner = options.evaluationRunner {
                let evaluationMs = nextMs
                await runner { self.evaluateGroup(key, atMs: evaluationMs) }
            } else {
                evaluateGroup(key, atMs: nextMs)
            }
            let (following, missed) = schedule.next(after: nextMs, finishedAtMs: Self.nowMs())
            if missed > 0 {
                missedCounter.increment(by: Int(missed))
                logger.warning("Rule group evaluation missed iterations", metadata: ["rule_group": "\(key)", "missed": "\(missed)"])
            }
            nextMs = following
        }
    }

    /// Evaluates the group with `key` once at `timestampMs` and sends its due alerts.
    package func evaluateGroup(_ key: String, atMs timestampMs: Int64) {
        guard let current = state.withLock({ state in state.groups[key].map { ($0, state.environment) } }) else { return }
        var evaluated = current.0
        let outcome = evaluated.evaluate(atMs: timestampMs, environment: current.1)
        state.withLock { state in
            // A reload that changed the group while it ran wins; the next evaluation catches up.
            if state.groups[key]?.loaded == evaluated.loaded { state.groups[key] = evaluated }
        }
        let dimensions = [("rule_group", key)]
        Counter(label: "prometheus_rule_group_iterations_total", dimensions: dimensions).increment()
        Counter(label: "prometheus_rule_evaluations_total", dimensions: dimensions).increment(by: evaluated.rules.count)
        if outcome.failures > 0 {
            Counter(label: "prometheus_rule_evaluation_failures_total", dimensions: dimensions).increment(by: outcome.failures)
            for rule in evaluated.rules where rule.health == .err {
                logger.warning("Evaluating rule failed", metadata: ["rule_group": "\(key)", "rule": "\(rule.rule.rule.name)", "err": "\(rule.lastError)"])
            }
        }
        Gauge(label: "prometheus_rule_group_last_duration_seconds", dimensions: dimensions)
            .record(evaluated.evaluationDuration.inSeconds)
        Gauge(label: "prometheus_rule_group_last_evaluation_timestamp_seconds", dimensions: dimensions).record(Double(timestampMs) / 1000)
        notifier?.send(outcome.alerts)
    }

    private static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
