import Foundation
import Model

/// Neumaier-compensated running sum, as upstream's `kahanSumInc`.
struct KahanSum {
    var sum = 0.0
    var compensation = 0.0

    mutating func add(_ value: Double) {
        let t = sum + value
        if t.isInfinite {
            compensation = 0
        } else if abs(sum) >= abs(value) {
            compensation += (sum - t) + value
        } else {
            compensation += (value - t) + sum
        }
        sum = t
    }

    var value: Double { sum + compensation }
}

extension Evaluator {
    func evaluateAggregate(_ aggregate: AggregateExpr) throws(PromQLError) -> EvalValue {
        let input = try evaluateVector(aggregate.expr)
        var scalarParams: [Double]?
        var stringParam: String?
        if let param = aggregate.param {
            if aggregate.op == .countValues {
                stringParam = try evaluateString(param)
            } else {
                scalarParams = try evaluateScalar(param)
            }
        }
        if let label = stringParam, !isValidLabelName(label) {
            throw .execution("invalid label name \"\(label)\"")
        }
        var grouping = Grouping(aggregate, table)
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for index in 0..<stepCount {
            out[index] = try aggregateStep(aggregate, input[index], grouping: &grouping, param: scalarParams?[index],
                                           label: stringParam, t: times[index])
        }
        return .vector(out)
    }

    /// An aggregation's groups, found once per input label set: each gets a dense index, in
    /// the order the query first meets them.
    struct Grouping {
        let aggregate: AggregateExpr
        /// The group labels per input label set, remembered table-wide.
        private let groupLabels: Projection
        /// The group index per input label set.
        var groupOf = LabelMemo<Int>()
        /// The group labels' ID per group index.
        var groupIDs: [LabelID] = []
        private var indexOfGroupID: [LabelID: Int] = [:]
        /// Per group index, its position in the step being aggregated (-1: not met yet);
        /// reset after each step.
        var slots: [Int] = []

        init(_ aggregate: AggregateExpr, _ table: LabelTable) {
            self.aggregate = aggregate
            groupLabels = table.projection(keeping: !aggregate.without, aggregate.grouping)
        }

        /// The group index of a sample's labels.
        mutating func group(of id: LabelID, _ table: LabelTable) -> Int {
            if let index = groupOf[id] { return index }
            let groupID = groupLabels.id(of: id, in: table)
            let index: Int
            if let known = indexOfGroupID[groupID] {
                index = known
            } else {
                index = groupIDs.count
                indexOfGroupID[groupID] = index
                groupIDs.append(groupID)
                slots.append(-1)
            }
            groupOf.remember(index, for: id)
            return index
        }
    }

    func aggregateStep(_ aggregate: AggregateExpr, _ samples: [EvalSample], grouping: inout Grouping, param: Double?,
                       label: String?, t: Int64) throws(PromQLError) -> [EvalSample] {
        if aggregate.op == .countValues, let label {
            var counts: [LabelID: Double] = [:]
            var order: [LabelID] = []
            for sample in samples {
                let group = grouping.group(of: sample.id, table)
                var builder = LabelsBuilder(table[grouping.groupIDs[group]])
                builder.set(label, Evaluator.formatValue(sample.v))
                let key = table.id(of: builder.labels())
                if let existing = counts[key] {
                    counts[key] = existing + 1
                } else {
                    counts[key] = 1
                    order.append(key)
                }
            }
            return order.map { EvalSample(id: $0, v: counts[$0] ?? 0, t: t, dropName: false) }
        }
        switch aggregate.op {
        case .sum, .count, .group, .min, .max: return foldStep(aggregate.op, samples, &grouping, t: t)
        default: break
        }
        // This step's groups in the order their first sample comes, each with its members.
        var groups: [(index: Int, id: LabelID, members: [EvalSample])] = []
        for sample in samples {
            let group = grouping.group(of: sample.id, table)
            let slot = grouping.slots[group]
            if slot >= 0 {
                groups[slot].members.append(sample)
            } else {
                grouping.slots[group] = groups.count
                groups.append((group, grouping.groupIDs[group], [sample]))
            }
        }
        for group in groups { grouping.slots[group.index] = -1 }
        switch aggregate.op {
        case .topk, .bottomk, .limitk, .limitRatio:
            return try selectK(aggregate.op, groups.map(\.members), param: param ?? .nan)
        default: break
        }
        if aggregate.op == .quantile, let param, param < 0 || param > 1 || param.isNaN {
            warnings.insert("PromQL warning: quantile value should be between 0 and 1, got \(Evaluator.formatValue(param))")
        }
        var out: [EvalSample] = []
        out.reserveCapacity(groups.count)
        for group in groups {
            let values = group.members.map(\.v)
            let dropName = group.members.contains { $0.dropName }
            let value: Double
            switch aggregate.op {
            case .avg: value = Evaluator.average(values)
            case .stddev: value = Evaluator.variance(values).squareRoot()
            case .stdvar: value = Evaluator.variance(values)
            case .quantile: value = Evaluator.quantile(param ?? .nan, values)
            default: throw .execution("unsupported aggregation \(aggregate.op.spelling ?? "")")
            }
            out.append(EvalSample(id: group.id, v: value, t: t, dropName: dropName))
        }
        return out
    }

    /// `sum`, `count`, `group`, `min`, `max` of one step: each group's value takes in its
    /// members as they come (in the same order as a list of them would), without the list.
    private func foldStep(_ op: TokenKind, _ samples: [EvalSample], _ grouping: inout Grouping,
                          t: Int64) -> [EvalSample] {
        var out: [EvalSample] = []
        var sums: [KahanSum] = []
        var groupOfSlot: [Int] = []
        for sample in samples {
            let group = grouping.group(of: sample.id, table)
            let slot = grouping.slots[group]
            guard slot >= 0 else {
                grouping.slots[group] = out.count
                groupOfSlot.append(group)
                let first: Double = switch op {
                case .count, .group: 1
                default: sample.v
                }
                out.append(EvalSample(id: grouping.groupIDs[group], v: first, t: t, dropName: sample.dropName))
                if op == .sum {
                    var sum = KahanSum()
                    sum.add(sample.v)
                    sums.append(sum)
                }
                continue
            }
            if sample.dropName { out[slot].dropName = true }
            switch op {
            case .sum: sums[slot].add(sample.v)
            case .count: out[slot].v += 1
            case .min: if sample.v < out[slot].v || out[slot].v.isNaN { out[slot].v = sample.v }
            case .max: if sample.v > out[slot].v || out[slot].v.isNaN { out[slot].v = sample.v }
            default: break
            }
        }
        if op == .sum {
            for slot in out.indices { out[slot].v = sums[slot].value }
        }
        for group in groupOfSlot { grouping.slots[group] = -1 }
        return out
    }

    /// `topk`, `bottomk`, `limitk`, `limit_ratio`: keep whole samples.
    private func selectK(_ op: TokenKind, _ groups: [[EvalSample]], param: Double) throws(PromQLError) -> [EvalSample] {
        var out: [EvalSample] = []
        if op == .limitRatio {
            guard !param.isNaN else { throw .execution("Ratio value is NaN") }
            var ratio = param
            if ratio < -1 || ratio > 1 {
                warnings.insert("PromQL warning: ratio value should be between -1 and 1, got \(Evaluator.formatValue(ratio)), capping to \(ratio < 0 ? -1 : 1)")
                ratio = ratio < 0 ? -1 : 1
            }
            for group in groups {
                for sample in group {
                    let sampleOffset = Evaluator.ratioOffset(table[sample.id])
                    let keep = ratio >= 0 ? sampleOffset < ratio : sampleOffset >= 1 + ratio
                    if keep { out.append(sample) }
                }
            }
            return out
        }
        guard !param.isNaN else { throw .execution("Parameter value is NaN") }
        if param >= 9.223372036854775807e18 || param <= -9.223372036854775808e18 {
            throw .execution("Scalar value \(Evaluator.formatValue(param)) overflows int64")
        }
        let k = Int(param)
        guard k >= 1 else { return [] }
        for group in groups {
            if op == .limitk {
                out.append(contentsOf: group.prefix(k))
                continue
            }
            out.append(contentsOf: Evaluator.best(k, of: group, largest: op == .topk))
        }
        return out
    }

    /// The `k` best samples of `group`, best first (topk: larger first, bottomk: smaller
    /// first, NaN last; equal values in input order), as a stable sort's first `k` would be.
    /// For the usual small `k`, kept by insertion into a list of at most `k` in one pass.
    static func best(_ k: Int, of group: [EvalSample], largest: Bool) -> [EvalSample] {
        /// Whether `x` goes before `y` (which came earlier in the input).
        func before(_ x: Double, _ y: Double) -> Bool {
            if x.isNaN != y.isNaN { return !x.isNaN }
            return x != y && !x.isNaN && (largest ? x > y : x < y)
        }
        if k > 32 {
            // Insertion costs up to k moves per sample: sort instead, ties in input order.
            let sorted = group.enumerated().sorted { a, b in
                before(a.element.v, b.element.v) || (!before(b.element.v, a.element.v) && a.offset < b.offset)
            }
            return sorted.prefix(k).map(\.element)
        }
        var kept: [EvalSample] = []
        kept.reserveCapacity(min(k, group.count))
        for sample in group {
            if kept.count == k, let last = kept.last, !before(sample.v, last.v) { continue }
            var index = kept.count
            while index > 0, before(sample.v, kept[index - 1].v) { index -= 1 }
            if kept.count == k { kept.removeLast() }
            kept.insert(sample, at: index)
        }
        return kept
    }

    /// Where a series falls in `[0, 1)` for `limit_ratio`, from its label hash.
    static func ratioOffset(_ labels: Labels) -> Double {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in labels.description.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        return Double(hash) / Double(UInt64.max)
    }

    static func average(_ values: [Double]) -> Double {
        var sum = KahanSum()
        var overflow = false
        for v in values {
            sum.add(v)
            if sum.sum.isInfinite && !v.isInfinite { overflow = true }
        }
        if !overflow { return sum.value / Double(values.count) }
        var mean = 0.0
        for (i, v) in values.enumerated() {
            if mean.isInfinite {
                if v.isInfinite && (mean > 0) != (v > 0) { return .nan }
                continue
            }
            mean += v / Double(i + 1) - mean / Double(i + 1)
        }
        return mean
    }

    static func variance(_ values: [Double]) -> Double {
        var count = 0.0
        var mean = 0.0
        var m2 = 0.0
        for v in values {
            count += 1
            let delta = v - mean
            mean += delta / count
            m2 += delta * (v - mean)
        }
        return m2 / count
    }

    /// The φ-quantile with linear interpolation, as upstream's `quantile`.
    static func quantile(_ q: Double, _ values: [Double]) -> Double {
        guard !values.isEmpty, !q.isNaN else { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        // NaN sorts as the smallest value, as upstream.
        let sorted = values.sorted { a, b in a.isNaN ? !b.isNaN : (b.isNaN ? false : a < b) }
        let n = Double(sorted.count)
        let rank = q * (n - 1)
        let lower = max(0, Int(rank.rounded(.down)))
        let upper = min(sorted.count - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[lower] * (1 - weight) + sorted[upper] * weight
    }

    /// A float as Go's `strconv.FormatFloat(v, 'f', -1, 64)` renders it (the printer's form).
    static func formatValue(_ v: Double) -> String { FloatFormatting.goFixed(v) }

    func isValidLabelName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 >= 32 } && name.unicodeScalars.allSatisfy { _ in true }
    }
}
