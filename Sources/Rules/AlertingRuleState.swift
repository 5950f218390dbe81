package import Model

/// The alerts of one alerting rule as a value: each evaluation's result goes in with its time,
/// the `ALERTS`/`ALERTS_FOR_STATE` samples come out, and the caller asks which alerts to send.
/// Nothing here reads a clock or does I/O (upstream: `rules/alerting.go`'s `AlertingRule`).
package struct AlertingRuleState: Sendable {
    /// How long a resolved alert is kept so that its resolution keeps being sent (upstream's
    /// `resolvedRetention`).
    package static let resolvedRetention = Duration.seconds(15 * 60)

    /// One element of the expression's result, already turned into an alert's identity: the
    /// sample's labels without `__name__`, with the rule's expanded labels and `alertname`.
    package struct Candidate: Sendable, Equatable {
        /// The alert's labels.
        package var labels: Labels
        /// The rule's annotations expanded for this element.
        package var annotations: Annotations
        /// The sample value.
        package var value: Double

        /// A candidate alert.
        package init(labels: Labels, annotations: Annotations = Annotations(), value: Double) {
            self.labels = labels
            self.annotations = annotations
            self.value = value
        }
    }

    /// A sample the rule writes back (`ALERTS` or `ALERTS_FOR_STATE`).
    package struct OutputSample: Sendable, Equatable {
        /// The series labels, `__name__` included.
        package var labels: Labels
        /// The value: 1 for `ALERTS`, the active-since time in Unix seconds for `ALERTS_FOR_STATE`.
        package var value: Double
    }

    /// `alert`: the rule's name.
    package let name: String
    /// `for`.
    package let holdDuration: Duration
    /// `keep_firing_for`.
    package let keepFiringFor: Duration
    /// The rule's labels before template expansion, under the alert's own in written samples.
    package let ruleLabels: Labels
    /// The alerts, by label set: pending, firing, and resolved ones within the retention.
    package internal(set) var active: [Labels: Alert] = [:]
    /// Whether `for` state has been restored (or needs none); samples are written only then.
    package internal(set) var isRestored: Bool

    /// A rule with no alerts yet.
    /// - Parameter isRestored: `false` when the rule must wait for `restoreForState` before
    ///   writing samples (a rule loaded at start-up); `true` otherwise.
    package init(name: String, holdDuration: Duration = .zero, keepFiringFor: Duration = .zero, ruleLabels: Labels = Labels(), isRestored: Bool = true) {
        self.name = name
        self.holdDuration = holdDuration
        self.keepFiringFor = keepFiringFor
        self.ruleLabels = ruleLabels
        self.isRestored = isRestored
    }

    /// Applies one evaluation's result at `nowMs` (upstream's `AlertingRule.Eval` after the query):
    /// new label sets become pending, pending ones fire once they have held for `for`, label sets
    /// no longer produced resolve (or keep firing for `keep_firing_for`), resolved ones are
    /// forgotten after `resolvedRetention`.
    /// - Parameter limit: the group's `limit`; 0 is none.
    /// - Returns: the `ALERTS` and `ALERTS_FOR_STATE` samples to write, ordered by labels.
    /// - Throws: `RulesError.evaluation` when two elements give the same alert labels, or the
    ///   pending and firing alerts exceed `limit` (then every alert is dropped, as upstream).
    package mutating func evaluate(_ candidates: [Candidate], atMs nowMs: Int64, limit: Int = 0) throws(RulesError) -> [OutputSample] {
        var produced: Set<Labels> = []
        produced.reserveCapacity(candidates.count)
        for candidate in candidates where !produced.insert(candidate.labels).inserted {
            throw .evaluation(rule: name, message: "vector contains metrics with the same labelset after applying alert labels")
        }
        for candidate in candidates {
            if var alert = active[candidate.labels], alert.state != .inactive {
                alert.value = candidate.value
                alert.annotations = candidate.annotations
                active[candidate.labels] = alert
            } else {
                active[candidate.labels] = Alert(labels: candidate.labels, annotations: candidate.annotations, value: candidate.value, activeAtMs: nowMs)
            }
        }

        var samples: [OutputSample] = []
        var pendingOrFiring = 0
        for key in active.keys.sorted() {
            guard var alert = active[key] else { continue }
            if !produced.contains(key) {
                var keepsFiring = false
                if alert.state == .firing && keepFiringFor > .zero {
                    let since = alert.keepFiringSinceMs ?? nowMs
                    alert.keepFiringSinceMs = since
                    keepsFiring = nowMs - since < keepFiringFor.wholeMilliseconds
                }
                // A pending alert is simply dropped; a resolved one is kept for a while so its
                // resolution is still sent.
                if alert.state == .pending
                    || (alert.resolvedAtMs.map { nowMs - $0 > Self.resolvedRetention.wholeMilliseconds } ?? false)
                {
                    active[key] = nil
                    continue
                }
                if !keepsFiring {
                    if alert.state != .inactive {
                        alert.state = .inactive
                        alert.resolvedAtMs = nowMs
                    }
                    active[key] = alert
                    continue
                }
            } else {
                alert.keepFiringSinceMs = nil
            }
            pendingOrFiring += 1
            if alert.state == .pending && nowMs - alert.activeAtMs >= holdDuration.wholeMilliseconds {
                alert.state = .firing
                alert.firedAtMs = nowMs
            }
            active[key] = alert
            if isRestored {
                samples.append(alertsSample(alert))
                samples.append(forStateSample(alert))
            }
        }
        if limit > 0 && pendingOrFiring > limit {
            active = [:]
            throw .evaluation(rule: name, message: "exceeded limit of \(limit) with \(pendingOrFiring) alerts")
        }
        return samples
    }

    /// The highest state of the rule's alerts (what the rules API shows for the rule).
    package var state: AlertState { active.values.map(\.state).max() ?? .inactive }

    /// The alerts to hand to the notifier at `nowMs`, marked as sent (upstream's `sendAlerts`).
    /// Each gets `validUntil` = now + 4 × max(resend delay, group interval), so Alertmanager
    /// keeps it firing through two missed evaluations or sends.
    package mutating func alertsToSend(atMs nowMs: Int64, resendDelay: Duration, groupInterval: Duration) -> [Alert] {
        let delta = max(resendDelay, groupInterval).wholeMilliseconds
        var sent: [Alert] = []
        for key in active.keys.sorted() {
            guard var alert = active[key], alert.needsSending(atMs: nowMs, resendDelay: resendDelay) else { continue }
            alert.lastSentAtMs = nowMs
            alert.validUntilMs = nowMs + 4 * delta
            active[key] = alert
            sent.append(alert)
        }
        return sent
    }

    private func alertsSample(_ alert: Alert) -> OutputSample {
        var builder = LabelsBuilder(ruleLabels)
        for label in alert.labels { builder.set(label.name, label.value) }
        builder.set(Labels.metricNameLabel, "ALERTS")
        builder.set("alertname", name)
        builder.set("alertstate", alert.state.description)
        return OutputSample(labels: builder.labels(), value: 1)
    }

    private func forStateSample(_ alert: Alert) -> OutputSample {
        // Whole seconds, as upstream writes `ActiveAt.Unix()`.
        OutputSample(labels: forStateLabels(alert.labels), value: Double(floorDivide(alert.activeAtMs, 1000)))
    }

    /// The `ALERTS_FOR_STATE` series of the alert with `labels` (what restoration looks up).
    func forStateLabels(_ labels: Labels) -> Labels {
        var builder = LabelsBuilder(ruleLabels)
        for label in labels { builder.set(label.name, label.value) }
        builder.set(Labels.metricNameLabel, "ALERTS_FOR_STATE")
        builder.set("alertname", name)
        return builder.labels()
    }
}

/// Division rounding toward negative infinity, as Go's `time.Unix()` of a time before 1970.
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}
