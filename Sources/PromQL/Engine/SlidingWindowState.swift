/// Indices of the samples of one series where something happens (a counter reset), visited
/// window by window: window starts never decrease, so a cursor only moves forward.
struct SampleMarks {
    private var indices: [Int] = []
    private var next = 0

    /// No marks.
    init() {}

    /// The indices `i` where `values[i] < values[i - 1]` (a counter reset).
    init(decreasesOf values: [Double]) {
        guard values.count > 1 else { return }
        for index in 1..<values.count where values[index] < values[index - 1] { indices.append(index) }
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

    /// Counts over consecutive pairs of `values`.
    init(of values: [Double], counting counts: (_ previous: Double, _ current: Double) -> Bool) {
        totals = []
        totals.reserveCapacity(values.count)
        var total = 0
        for index in values.indices {
            if index > 0, counts(values[index - 1], values[index]) { total += 1 }
            totals.append(total)
        }
    }

    /// How many consecutive pairs inside `range` counted.
    func count(in range: Range<Int>) -> Int {
        totals[range.upperBound - 1] - totals[range.lowerBound]
    }
}
