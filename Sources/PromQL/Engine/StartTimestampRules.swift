/// How start timestamps change what the counter functions see (`--enable-feature=use-start-timestamps`,
/// upstream's `isStartTimestampReset` and `checkStartTimeOverlap`). A start timestamp of 0 is unknown.
enum StartTimestampRules {
    /// Whether the sample at `t` with start timestamp `st` began counting again after the
    /// previous sample (at `previousT`, start timestamp `previousST`): its start lies after
    /// the previous sample, or on it when the previous sample had a start of its own (a
    /// delta series). A start at or after the sample itself (invalid, or OpenTelemetry's
    /// "unknown start") is no reset, nor is a previous start after the previous sample.
    static func isReset(previousST: Int64, previousT: Int64, st: Int64, t: Int64) -> Bool {
        if st == 0 || st >= t || st < previousT { return false }
        if st > previousT { return true }
        if previousST > previousT { return false }
        return previousST != 0 && previousST != previousT
    }

    /// Whether the sample's start lies before the previous sample while not being the
    /// previous sample's start (a cumulative series keeps its start): the two overlap.
    static func overlaps(previousST: Int64, previousT: Int64, st: Int64) -> Bool {
        st != 0 && st < previousT && st != previousST
    }

    /// The warning for a series whose samples overlap (`overlaps`).
    static func overlapWarning(metric name: String) -> String {
        "PromQL warning: sample has start time that overlaps with previous sample timestamp for metric \"\(name)\""
    }
}

extension SeriesData {
    /// Whether the counter restarted at sample `index` (> 0): its value dropped, or its start
    /// timestamp says so (`StartTimestampRules.isReset`).
    func isCounterReset(at index: Int) -> Bool {
        if vs[index] < vs[index - 1] { return true }
        guard !sts.isEmpty else { return false }
        return StartTimestampRules.isReset(previousST: sts[index - 1], previousT: ts[index - 1], st: sts[index], t: ts[index])
    }

    /// Whether sample `index` (> 0) overlaps the previous one (`StartTimestampRules.overlaps`).
    func overlapsPrevious(at index: Int) -> Bool {
        guard !sts.isEmpty else { return false }
        return StartTimestampRules.overlaps(previousST: sts[index - 1], previousT: ts[index - 1], st: sts[index])
    }
}
