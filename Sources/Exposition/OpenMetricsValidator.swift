/// The family-level rules of OpenMetrics 1.0 that a line-by-line grammar cannot see: metadata
/// once per family and before its samples, families and label groups kept together, names that
/// do not clash, sample names and values allowed by the family's type, histogram buckets that
/// are ordered and cumulative, and timestamps that never go backwards within a series.
///
/// It keeps byte ranges into the body, hashes of names and one group's histogram state, so
/// validating costs no allocation per sample (the sets grow once per family).
struct OpenMetricsValidator {
    /// The part of a sample name after its family name.
    enum Suffix {
        case none, total, created, bucket, count, sum, gcount, gsum, info

        var text: StaticString {
            switch self {
            case .none: ""
            case .total: "_total"
            case .created: "_created"
            case .bucket: "_bucket"
            case .count: "_count"
            case .sum: "_sum"
            case .gcount: "_gcount"
            case .gsum: "_gsum"
            case .info: "_info"
            }
        }

        /// Whether a family of `type` has samples with this suffix (a switch, not an array,
        /// because it runs once per sample).
        func isAllowed(for type: MetricType) -> Bool {
            switch (type, self) {
            case (.counter, .total), (.counter, .created): true
            case (.gauge, .none), (.stateset, .none), (.unknown, .none): true
            case (.histogram, .bucket), (.histogram, .count), (.histogram, .sum), (.histogram, .created): true
            case (.gaugehistogram, .bucket), (.gaugehistogram, .gcount), (.gaugehistogram, .gsum): true
            case (.summary, .none), (.summary, .count), (.summary, .sum), (.summary, .created): true
            case (.info, .info): true
            default: false
            }
        }

        /// Every suffix with an underscore, for matching and for claiming names.
        static let underscored: [Suffix] = [.total, .created, .bucket, .count, .sum, .gcount, .gsum, .info]
    }

    /// What has been seen of one label group of a histogram or summary.
    struct GroupState {
        var bucketCount = 0
        var lastBound = -Double.infinity
        var lastBucketValue = -Double.infinity
        var infinityBucketValue: Double?
        var hasNegativeBound = false
        var count: Double?
        var sum: Double?
    }

    private var family: Range<Int>?
    private var familyType: MetricType = .unknown
    private var hasType = false, hasHelp = false, hasUnit = false, hasSamples = false
    private var unitRange = 0..<0
    private var claimedNames: Set<UInt64> = []
    private var closedGroups: Set<UInt64> = []
    private var group: UInt64?
    private var groupState = GroupState()
    private var lastSeries: Range<Int>?
    private var lastTimestampMs: Int64?

    // MARK: - Metadata

    mutating func type(_ type: MetricType, name: Range<Int>, _ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition) throws(ExpositionError) {
        try metadata(name: name, seen: hasType, what: "TYPE", buffer, position)
        hasType = true
        familyType = type
        try checkUnitAllowed(buffer, position)
    }

    mutating func help(name: Range<Int>, _ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition) throws(ExpositionError) {
        try metadata(name: name, seen: hasHelp, what: "HELP", buffer, position)
        hasHelp = true
    }

    mutating func unit(_ unit: Range<Int>, name: Range<Int>, _ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition) throws(ExpositionError) {
        try metadata(name: name, seen: hasUnit, what: "UNIT", buffer, position)
        hasUnit = true
        unitRange = unit
        // The unit must be the suffix of the name: `# UNIT foo_seconds seconds`.
        let isSuffix = unit.isEmpty
            || (name.count > unit.count
                && buffer[name.upperBound - unit.count - 1] == UInt8(ascii: "_")
                && TextScanning.bytesEqual(buffer, (name.upperBound - unit.count)..<name.upperBound, unit))
        guard isSuffix else {
            throw .invalidMetadata("unit \"\(TextScanning.string(buffer, unit))\" is not a suffix of metric name \"\(TextScanning.string(buffer, name))\"",
                                   line: position.line, column: position.column(unit.lowerBound))
        }
        try checkUnitAllowed(buffer, position)
    }

    private func checkUnitAllowed(_ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition) throws(ExpositionError) {
        if hasUnit, !unitRange.isEmpty, familyType == .info || familyType == .stateset {
            throw .invalidMetadata("\(familyType.rawValue) metrics cannot have a unit", line: position.line, column: 1)
        }
    }

    private mutating func metadata(
        name: Range<Int>, seen: Bool, what: String, _ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition
    ) throws(ExpositionError) {
        if let family, TextScanning.bytesEqual(buffer, family, name) {
            if hasSamples {
                throw .invalidMetadata("# \(what) for metric family \"\(TextScanning.string(buffer, name))\" after its samples",
                                       line: position.line, column: 1)
            }
            if seen {
                throw .invalidMetadata("second # \(what) for metric family \"\(TextScanning.string(buffer, name))\"",
                                       line: position.line, column: 1)
            }
            return
        }
        try startFamily(name, buffer, position)
    }

    // MARK: - Families

    private mutating func startFamily(_ name: Range<Int>, _ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition) throws(ExpositionError) {
        try closeFamily(buffer, position)
        let hash = TextScanning.hash(buffer, name)
        guard claimedNames.insert(hash).inserted else {
            throw .invalidMetadata(
                "metric family \"\(TextScanning.string(buffer, name))\" appears twice or clashes with another family's sample names",
                line: position.line, column: 1)
        }
        family = name
        familyType = .unknown
        hasType = false; hasHelp = false; hasUnit = false; hasSamples = false
        closedGroups.removeAll(keepingCapacity: true)
        group = nil
        lastSeries = nil
    }

    private mutating func closeFamily(_ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition) throws(ExpositionError) {
        guard let family else { return }
        try closeGroup(buffer, position)
        for suffix in Suffix.underscored where suffix.isAllowed(for: familyType) {
            guard claimedNames.insert(TextScanning.hash(buffer, family, suffix: suffix.text)).inserted else {
                throw .invalidMetadata(
                    "sample name \"\(TextScanning.string(buffer, family))\(suffix.text)\" of metric family \"\(TextScanning.string(buffer, family))\" clashes with another family",
                    line: position.line, column: 1)
            }
        }
        self.family = nil
    }

    mutating func finish(_ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition) throws(ExpositionError) {
        try closeFamily(buffer, position)
    }

    // MARK: - Samples

    mutating func sample(
        name: Range<Int>, labels: [LabelRange], series: Range<Int>, value: Double, timestampMs: Int64?,
        hasExemplar: Bool, _ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition
    ) throws(ExpositionError) {
        var suffix = family.flatMap { matchSuffix(buffer, name, family: $0) }
        if suffix == nil {
            try startFamily(name, buffer, position)
            suffix = Suffix.none
        }
        hasSamples = true
        let kind = suffix ?? .none
        func fail(_ reason: String) -> ExpositionError {
            .invalidSample(reason, line: position.line, column: 1)
        }

        // Label group: the labels without `le` (histogram buckets) or `quantile` (summaries).
        let excluded: StaticString? = switch (familyType, kind) {
        case (.histogram, .bucket), (.gaugehistogram, .bucket): "le"
        case (.summary, .none): "quantile"
        default: nil
        }
        var groupHash: UInt64 = 0
        var excludedValue: Range<Int>?
        for label in labels {
            if let excluded, TextScanning.bytesEqual(buffer, label.name, excluded) {
                excludedValue = label.value
                continue
            }
            // Order-independent combination of each label's hash: the same group written with
            // labels in another order is the same group.
            groupHash &+= Self.mix(TextScanning.hash(buffer, label.name) &* 31 &+ TextScanning.hash(buffer, label.value))
        }
        if group != groupHash {
            try closeGroup(buffer, position)
            guard closedGroups.insert(groupHash).inserted else {
                throw fail("samples of a label group of metric family \"\(TextScanning.string(buffer, family ?? name))\" are not together")
            }
            group = groupHash
        }

        // Timestamps within one series: all or none, never going backwards.
        if let lastSeries, TextScanning.bytesEqual(buffer, lastSeries, series) {
            if (timestampMs == nil) != (lastTimestampMs == nil) {
                throw fail("some samples of the series have a timestamp and some do not")
            }
            if let timestampMs, let lastTimestampMs, timestampMs < lastTimestampMs {
                throw fail("timestamp goes backwards within the series")
            }
        }
        lastSeries = series
        lastTimestampMs = timestampMs

        if hasExemplar {
            let allowed = (familyType == .counter && kind == .total)
                || ((familyType == .histogram || familyType == .gaugehistogram) && kind == .bucket)
            guard allowed else { throw fail("exemplars are only allowed on counter _total and histogram _bucket samples") }
        }

        switch (familyType, kind) {
        case (.counter, .total):
            guard !value.isNaN, value >= 0 else { throw fail("counter value must be a non-negative number") }
        case (.histogram, .bucket), (.gaugehistogram, .bucket):
            guard let le = excludedValue else { throw fail("histogram bucket without \"le\" label") }
            guard let bound = NumberParsing.parseDouble(buffer, le), !bound.isNaN,
                  bound != .infinity || TextScanning.bytesEqual(buffer, le, "+Inf"), bound != -.infinity
            else {
                throw fail("invalid histogram bucket bound le=\"\(TextScanning.string(buffer, le))\"")
            }
            guard !value.isNaN, value >= 0 else { throw fail("histogram bucket count must be a non-negative number") }
            guard bound > groupState.lastBound else { throw fail("histogram buckets are not in increasing order of le") }
            guard value >= groupState.lastBucketValue else { throw fail("histogram bucket counts are not cumulative") }
            groupState.lastBound = bound
            groupState.lastBucketValue = value
            groupState.bucketCount += 1
            if bound < 0 { groupState.hasNegativeBound = true }
            if bound == .infinity { groupState.infinityBucketValue = value }
        case (.histogram, .count), (.gaugehistogram, .gcount), (.summary, .count):
            guard !value.isNaN, value >= 0 else { throw fail("count must be a non-negative number") }
            groupState.count = value
        case (.histogram, .sum), (.summary, .sum):
            guard !value.isNaN, value >= 0 else { throw fail("sum must be a non-negative number") }
            groupState.sum = value
        case (.gaugehistogram, .gsum):
            guard !value.isNaN else { throw fail("gsum must be a number") }
            groupState.sum = value
        case (.summary, .none):
            guard let quantile = excludedValue else { throw fail("summary sample without \"quantile\" label") }
            guard let q = NumberParsing.parseDouble(buffer, quantile), q >= 0, q <= 1 else {
                throw fail("invalid quantile \"\(TextScanning.string(buffer, quantile))\": must be between 0 and 1")
            }
            guard value.isNaN || value >= 0 else { throw fail("quantile value must not be negative") }
        case (.info, _):
            guard value == 1 else { throw fail("info value must be 1") }
        case (.stateset, _):
            guard value == 0 || value == 1 else { throw fail("stateset value must be 0 or 1") }
            let familyName = family ?? name
            guard labels.contains(where: { TextScanning.bytesEqual(buffer, $0.name, familyName) }) else {
                throw fail("stateset sample without a label named after its family")
            }
        default:
            break
        }
    }

    /// Checks a finished histogram group: +Inf bucket, `_count` with `_sum`, counts agreeing.
    private mutating func closeGroup(_ buffer: UnsafeBufferPointer<UInt8>, _ position: LinePosition) throws(ExpositionError) {
        defer { groupState = GroupState(); group = nil }
        guard group != nil, familyType == .histogram || familyType == .gaugehistogram else { return }
        let state = groupState
        func fail(_ reason: String) -> ExpositionError {
            .invalidSample(reason, line: position.line, column: 1)
        }
        guard let infinity = state.infinityBucketValue else { throw fail("histogram has no le=\"+Inf\" bucket") }
        guard (state.count == nil) == (state.sum == nil) else { throw fail("histogram has a count without a sum or a sum without a count") }
        if let count = state.count, count != infinity { throw fail("histogram count differs from its +Inf bucket") }
        if let sum = state.sum {
            if familyType == .histogram, state.hasNegativeBound { throw fail("histogram with negative buckets cannot have a sum") }
            if sum < 0, !state.hasNegativeBound { throw fail("histogram sum is negative without negative buckets") }
        }
    }

    /// The suffix that makes `name` a sample of `family`, or `nil` if it is not one.
    private func matchSuffix(_ buffer: UnsafeBufferPointer<UInt8>, _ name: Range<Int>, family: Range<Int>) -> Suffix? {
        guard name.count >= family.count,
              TextScanning.bytesEqual(buffer, name.lowerBound..<(name.lowerBound + family.count), family)
        else { return nil }
        let rest = (name.lowerBound + family.count)..<name.upperBound
        if rest.isEmpty { return Suffix.none.isAllowed(for: familyType) ? Suffix.none : nil }
        guard buffer[rest.lowerBound] == UInt8(ascii: "_") else { return nil }
        for suffix in Suffix.underscored where TextScanning.bytesEqual(buffer, rest, suffix.text) {
            return suffix.isAllowed(for: familyType) ? suffix : nil
        }
        return nil
    }

    // MARK: - Hashing


    /// A finaliser (splitmix64) so that summing label hashes does not cancel structure.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

}
