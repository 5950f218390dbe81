import Model

/// When a group is evaluated: every `interval`, at a fixed offset inside the interval derived
/// from the group's identity, so groups with the same interval spread out instead of all
/// running at once (upstream's `Group.EvalTimestamp`).
package struct RuleGroupSchedule: Sendable, Equatable {
    /// The group's interval in milliseconds (at least 1).
    package let intervalMs: Int64
    /// Where in each interval the group runs, in `0..<intervalMs`.
    package let offsetMs: Int64

    /// The schedule of the group `name` of `file` with `interval`.
    package init(file: String, name: String, interval: Duration) {
        intervalMs = max(1, interval.wholeMilliseconds)
        // Upstream's `Group.hash`: the hash of the labels {name, file}, which `Labels.hash` equals.
        let hash = Labels([Label(name: "name", value: name), Label(name: "file", value: file)]).hash
        offsetMs = Int64(hash % UInt64(intervalMs))
    }

    /// The latest evaluation time at or before `nowMs`.
    package func evaluationTime(atOrBefore nowMs: Int64) -> Int64 {
        let start = nowMs - offsetMs
        let remainder = start % intervalMs
        return start - (remainder < 0 ? remainder + intervalMs : remainder) + offsetMs
    }

    /// After evaluating at `evaluatedMs` and finishing at `nowMs`: the next evaluation time
    /// and how many iterations were skipped because the evaluation overran (upstream counts
    /// them in `prometheus_rule_group_iterations_missed_total`).
    package func next(after evaluatedMs: Int64, finishedAtMs nowMs: Int64) -> (timeMs: Int64, missed: Int64) {
        let missed = max(0, (nowMs - evaluatedMs) / intervalMs - 1)
        return (evaluatedMs + (missed + 1) * intervalMs, missed)
    }
}
