/// Indices of the samples of one series where something happens (a counter reset), visited
/// window by window: window starts never decrease, so a cursor only moves forward.
struct SampleMarks {
    private var indices: [Int] = []
    private var next = 0

    /// No marks.
    init() {}

    /// The indices `i` in `1..<count` where `isMarked(i)`.
    init(count: Int, where isMarked: (Int) -> Bool) {
        guard count > 1 else { return }
        for index in 1..<count where isMarked(index) { indices.append(index) }
    }

    /// Whether a mark lies in `(after, before)`; `after` must not be smaller than in the
    /// previous call (of this or `forEach`).
    mutating func any(after: Int, before: Int) -> Bool {
        while next < indices.count, indices[next] <= after { next += 1 }
        return next < indices.count && indices[next] < before
    }

    /// Calls `body` with each mark in `(after, before)`, in order. `after` must not be
    /// smaller than in the previous call.
    mutating func forEach(after: Int, before: Int, _ body: (Int) -> Void) {
        while next < indices.count, indices[next] <= after { next += 1 }
        var index = next
        while index < indices.count, indices[index] < before {
            body(indices[index])
            index += 1
        }
    }
}

/// For each sample of one series, how many times `counts(previous, current)` held from the
/// first sample up to it: the count inside a window is the difference of its ends' totals.
struct RunningCount {
    private var totals: [Int]

    /// Counts the indices `i` in `1..<count` where `counts(i)` (a property of samples `i - 1`
    /// and `i`).
    init(count: Int, counting counts: (_ index: Int) -> Bool) {
        totals = []
        totals.reserveCapacity(count)
        var total = 0
        for index in 0..<count {
            if index > 0, counts(index) { total += 1 }
            totals.append(total)
        }
    }

    /// How many consecutive pairs inside `range` counted.
    func count(in range: Range<Int>) -> Int {
        totals[range.upperBound - 1] - totals[range.lowerBound]
    }
}

/// A counter series' resets (value drops and start-timestamp resets) and the samples whose
/// start timestamp overlaps the previous sample, for `rate`/`increase`.
struct CounterMarks {
    var resets = SampleMarks()
    var overlaps = SampleMarks()

    /// No marks (not a counter).
    init() {}

    /// The marks of `series`.
    init(_ series: SeriesData) {
        resets = SampleMarks(count: series.vs.count) { series.isCounterReset(at: $0) }
        if !series.sts.isEmpty { overlaps = SampleMarks(count: series.ts.count) { series.overlapsPrevious(at: $0) } }
    }
}
