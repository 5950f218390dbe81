package import Model

extension AlertingRuleState {
    /// How `for` state is restored after a restart (`--rules.alert.for-outage-tolerance`,
    /// `--rules.alert.for-grace-period`).
    package struct RestoreOptions: Sendable, Equatable {
        /// How far back to look for `ALERTS_FOR_STATE`; longer outages restore nothing.
        package var outageTolerance = Duration.seconds(3600)
        /// The least time an alert still waits to fire after a restart; rules whose `for` is
        /// shorter are not restored at all.
        package var gracePeriod = Duration.seconds(600)

        /// The defaults: 1h tolerance, 10m grace period.
        package init(outageTolerance: Duration = .seconds(3600), gracePeriod: Duration = .seconds(600)) {
            self.outageTolerance = outageTolerance
            self.gracePeriod = gracePeriod
        }
    }

    /// The last `ALERTS_FOR_STATE` sample of an alert found in storage.
    package struct ForStateSample: Sendable, Equatable {
        /// When it was written (the last evaluation before the restart).
        package var timestampMs: Int64
        /// Its value: the alert's active-since time in Unix seconds, or a stale marker.
        package var value: Double

        /// A sample read back from storage.
        package init(timestampMs: Int64, value: Double) {
            self.timestampMs = timestampMs
            self.value = value
        }
    }

    /// Moves each active alert's `activeAt` so that its `for` continues across a restart, as
    /// upstream's `Group.RestoreForState` does after the first evaluation of a new group:
    /// an alert that was firing keeps its time (it fires again at the next evaluation); one with
    /// less than the grace period left waits the grace period; otherwise the time the server was
    /// down is added, so the alert still waits its whole `for` of up time. Marks the rule restored.
    /// - Parameters:
    ///   - nowMs: when the restoration runs.
    ///   - lastForState: the newest `ALERTS_FOR_STATE` sample for an alert's labels between
    ///     `nowMs - outageTolerance` and `nowMs` (the caller queries storage), or `nil`.
    package mutating func restoreForState(atMs nowMs: Int64, options: RestoreOptions = RestoreOptions(), lastForState: (Labels) -> ForStateSample?) {
        defer { isRestored = true }
        // A `for` shorter than the grace period would make the alert wait longer than it asks.
        guard holdDuration >= options.gracePeriod else { return }
        let holdMs = holdDuration.wholeMilliseconds
        let graceMs = options.gracePeriod.wholeMilliseconds
        for key in active.keys.sorted() {
            // A stale marker means the alert was not active when the server stopped.
            guard var alert = active[key], let sample = lastForState(key), !sample.value.isStaleMarker,
                let activeSeconds = Int64(exactly: sample.value.rounded(.towardZero)),
                activeSeconds.magnitude < UInt64(Int64.max / 4000)
            else { continue }
            // Upstream truncates both times to whole seconds.
            let downAtMs = floorDivide(sample.timestampMs, 1000) * 1000
            let restoredActiveAtMs = activeSeconds * 1000
            let remainingMs = holdMs - (downAtMs - restoredActiveAtMs)
            if remainingMs <= 0 {
                alert.activeAtMs = restoredActiveAtMs
            } else if remainingMs < graceMs {
                alert.activeAtMs = nowMs + graceMs - holdMs
            } else {
                alert.activeAtMs = restoredActiveAtMs + (nowMs - downAtMs)
            }
            active[key] = alert
        }
    }
}
