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
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for index in 0..<stepCount {
            out[index] = try aggregateStep(aggregate, input[index], param: scalarParams?[index], label: stringParam,
                                           t: times[index])
        }
        return .vector(out)
    }

    /// The labels an aggregation groups by: `by` keeps only the listed labels, `without`
    /// drops the listed ones and the name.
    func groupLabels(_ labels: Labels, _ aggregate: AggregateExpr) -> Labels {
        var builder = LabelsBuilder(labels)
        if aggregate.without {
            let drop = Set(aggregate.grouping + ["__name__"])
            builder.delete { drop.contains($0.name) }
        } else {
            let keep = Set(aggregate.grouping)
            builder.delete { !keep.contains($0.name) }
        }
        return builder.labels()
    }

    private struct Group {
        var labels: Labels
        var members: [EvalSample]
    }

    func aggregateStep(_ aggregate: AggregateExpr, _ samples: [EvalSample], param: Double?, label: String?,
                       t: Int64) throws(PromQLError) -> [EvalSample] {
        if aggregate.op == .countValues, let label {
            var counts: [Labels: (Double, Bool)] = [:]
            var order: [Labels] = []
            for sample in samples {
                var builder = LabelsBuilder(groupLabels(sample.labels, aggregate))
                builder.set(label, Evaluator.formatValue(sample.v))
                let key = builder.labels()
                if let existing = counts[key] {
                    counts[key] = (existing.0 + 1, existing.1)
                } else {
                    counts[key] = (1, false)
                    order.append(key)
                }
            }
            return order.map { EvalSample(labels: $0, v: counts[$0]?.0 ?? 0, t: t, dropName: false) }
        }
        var groups: [Group] = []
        var index: [Labels: Int] = [:]
        for sample in samples {
            let key = groupLabels(sample.labels, aggregate)
            if let at = index[key] {
                groups[at].members.append(sample)
            } else {
                index[key] = groups.count
                groups.append(Group(labels: key, members: [sample]))
            }
        }
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
            case .sum:
                var sum = KahanSum()
                for v in values { sum.add(v) }
                value = sum.value
            case .avg: value = Evaluator.average(values)
            case .count: value = Double(values.count)
            case .group: value = 1
            case .min:
                var m = values[0]
                for v in values.dropFirst() where v < m || m.isNaN { m = v }
                value = m
            case .max:
                var m = values[0]
                for v in values.dropFirst() where v > m || m.isNaN { m = v }
                value = m
            case .stddev: value = Evaluator.variance(values).squareRoot()
            case .stdvar: value = Evaluator.variance(values)
            case .quantile: value = Evaluator.quantile(param ?? .nan, values)
            default: throw .execution("unsupported aggregation \(aggregate.op.spelling ?? "")")
            }
            out.append(EvalSample(labels: group.labels, v: value, t: t, dropName: dropName))
        }
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
                    let sampleOffset = Evaluator.ratioOffset(sample.labels)
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
            // topk: larger first, NaN last; bottomk: smaller first, NaN last.
            let sorted = group.enumerated().sorted { a, b in
                let x = a.element.v, y = b.element.v
                if x.isNaN != y.isNaN { return !x.isNaN }
                if x != y, !x.isNaN { return op == .topk ? x > y : x < y }
                return a.offset < b.offset
            }
            out.append(contentsOf: sorted.prefix(k).map(\.element))
        }
        return out
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
    static func formatValue(_ v: Double) -> String { Printer.goFloat(v) }

    func isValidLabelName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 >= 32 } && name.unicodeScalars.allSatisfy { _ in true }
    }
}
