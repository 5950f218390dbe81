import Foundation
import Model

extension Evaluator {
    /// `histogram_quantile(φ, buckets)` over classic `le` buckets.
    func histogramQuantile(_ call: Call) throws(PromQLError) -> [[EvalSample]] {
        let q = try evaluateScalar(call.args[0])
        let steps = try evaluateVector(call.args[1])
        var buckets = BucketGrouping()
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for (step, samples) in steps.enumerated() {
            let phi = q[step]
            if phi < 0 || phi > 1 || phi.isNaN {
                warnings.insert("PromQL warning: quantile value should be between 0 and 1, got \(Evaluator.formatValue(phi))")
            }
            if samples.isEmpty { continue }
            for (key, var group) in classicGroups(samples, &buckets) {
                group.buckets.sort { $0.upper < $1.upper }
                let (value, fixed) = Evaluator.bucketQuantile(phi, &group.buckets)
                if fixed {
                    let name = table[group.firstMember]["__name__"] ?? ""
                    infos.insert("PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \"\(name)\"")
                }
                out[step].append(EvalSample(id: key, v: value, t: times[step], dropName: false))
            }
        }
        return out
    }

    /// `histogram_quantiles(buckets, "label", φ...)` over classic `le` buckets: one series per
    /// φ, told apart by `label`.
    func histogramQuantiles(_ call: Call) throws(PromQLError) -> [[EvalSample]] {
        let steps = try evaluateVector(call.args[0])
        let label = try evaluateString(call.args[1])
        var quantiles: [[Double]] = []
        for arg in call.args.dropFirst(2) { quantiles.append(try evaluateScalar(arg)) }
        var buckets = BucketGrouping()
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for (step, samples) in steps.enumerated() {
            for values in quantiles where values[step] < 0 || values[step] > 1 || values[step].isNaN {
                warnings.insert("PromQL warning: quantile value should be between 0 and 1, got \(Evaluator.formatValue(values[step]))")
            }
            let groups = classicGroups(samples, &buckets)
            var seen = Set<LabelID>()
            for values in quantiles {
                let phi = values[step]
                let text = phi.isNaN ? "NaN" : (phi.isInfinite ? (phi > 0 ? "+Inf" : "-Inf") : "\(phi)")
                for (key, group) in groups {
                    var sorted = group.buckets.sorted { $0.upper < $1.upper }
                    let (value, _) = Evaluator.bucketQuantile(phi, &sorted)
                    var builder = LabelsBuilder(table[key])
                    builder.set(label, text)
                    let id = table.id(of: builder.labels())
                    guard seen.insert(id).inserted else {
                        throw .execution("vector cannot contain metrics with the same labelset")
                    }
                    out[step].append(EvalSample(id: id, v: value, t: times[step], dropName: false))
                }
            }
        }
        return out
    }

    /// `histogram_fraction(lower, upper, buckets)` over classic `le` buckets.
    func histogramFraction(_ call: Call) throws(PromQLError) -> [[EvalSample]] {
        let lower = try evaluateScalar(call.args[0])
        let upper = try evaluateScalar(call.args[1])
        let steps = try evaluateVector(call.args[2])
        var buckets = BucketGrouping()
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for (step, samples) in steps.enumerated() {
            for (key, group) in classicGroups(samples, &buckets) {
                out[step].append(EvalSample(id: key, v: Evaluator.bucketFraction(lower[step], upper[step], group.buckets),
                                            t: times[step], dropName: false))
            }
        }
        return out
    }

    /// How bucket series group into histograms, worked out once per label set.
    struct BucketGrouping {
        /// What a bucket series' labels say: its group (the labels without `le` and the name)
        /// and its upper bound; nil when `le` is missing or malformed.
        var buckets = LabelMemo<(group: LabelID, upper: Double)?>()
        /// Per group: its position in the step being grouped, -1 between steps.
        var slots = LabelMemo<Int>()
    }

    /// One step's buckets of one classic histogram, and the first of its series met.
    struct ClassicGroup {
        var buckets: [(upper: Double, count: Double)]
        var firstMember: LabelID
    }

    /// Classic buckets grouped by labels without `le` (and the name), in first-seen order.
    func classicGroups(_ samples: [EvalSample], _ grouping: inout BucketGrouping) -> [(LabelID, ClassicGroup)] {
        var groups: [(LabelID, ClassicGroup)] = []
        defer { for (key, _) in groups { grouping.slots.remember(-1, for: key) } }
        for sample in samples {
            let bucket = grouping.buckets.value(for: sample.id) { id -> (group: LabelID, upper: Double)? in
                let labels = table[id]
                guard let le = labels["le"], let upper = Evaluator.parseBound(le) else { return nil }
                return (table.id(of: labels.dropping(["le", "__name__", "__type__", "__unit__"])), upper)
            }
            guard let bucket else {
                let labels = table[sample.id]
                let name = labels["__name__"] ?? ""
                warnings.insert("PromQL warning: bucket label \"le\" is missing or has a malformed value of \"\(labels["le"] ?? "")\" for metric name \"\(name)\"")
                continue
            }
            if let slot = grouping.slots[bucket.group], slot >= 0 {
                groups[slot].1.buckets.append((bucket.upper, sample.v))
            } else {
                grouping.slots.remember(groups.count, for: bucket.group)
                groups.append((bucket.group, ClassicGroup(buckets: [(bucket.upper, sample.v)], firstMember: sample.id)))
            }
        }
        return groups
    }

    /// Upstream's `BucketFraction`: the share of observations between `lower` and `upper`.
    static func bucketFraction(_ lower: Double, _ upper: Double, _ input: [(upper: Double, count: Double)]) -> Double {
        let sorted = input.sorted { $0.upper < $1.upper }
        guard let last = sorted.last, last.upper == .infinity else { return .nan }
        var buckets: [(upper: Double, count: Double)] = []
        for bucket in sorted {
            if let previous = buckets.last, previous.upper == bucket.upper {
                buckets[buckets.count - 1].count += bucket.count
            } else {
                buckets.append(bucket)
            }
        }
        let count = buckets[buckets.count - 1].count
        if count == 0 || lower.isNaN || upper.isNaN { return .nan }
        if lower >= upper { return 0 }
        var rank = 0.0, lowerRank = 0.0, upperRank = 0.0
        var lowerSet = false, upperSet = false
        var lowerBound = buckets[0].upper <= 0 ? -Double.infinity : 0
        for (index, bucket) in buckets.enumerated() {
            if index > 0 { lowerBound = buckets[index - 1].upper }
            let upperBound = bucket.upper
            func interpolate(_ v: Double) -> Double {
                if lowerBound == -.infinity { return bucket.count }
                return rank + (bucket.count - rank) * (v - lowerBound) / (upperBound - lowerBound)
            }
            if !lowerSet, lowerBound >= lower { lowerRank = rank; lowerSet = true }
            if !upperSet, lowerBound >= upper { upperRank = rank; upperSet = true }
            if lowerSet, upperSet { break }
            if !lowerSet, lowerBound < lower, upperBound > lower { lowerRank = interpolate(lower); lowerSet = true }
            if !upperSet, lowerBound < upper, upperBound > upper { upperRank = interpolate(upper); upperSet = true }
            if lowerSet, upperSet { break }
            rank = bucket.count
        }
        if !lowerSet || lowerRank > count { lowerRank = count }
        if !upperSet || upperRank > count { upperRank = count }
        return (upperRank - lowerRank) / count
    }

    static func parseBound(_ text: String) -> Double? {
        switch text.lowercased() {
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default: return Double(text)
        }
    }

    /// Upstream's `BucketQuantile` on buckets sorted by upper bound; also reports whether the
    /// counts had to be made monotonic.
    static func bucketQuantile(_ q: Double, _ buckets: inout [(upper: Double, count: Double)]) -> (Double, Bool) {
        if q.isNaN { return (.nan, false) }
        if q < 0 { return (-.infinity, false) }
        if q > 1 { return (.infinity, false) }
        guard let last = buckets.last, last.upper == .infinity else { return (.nan, false) }
        // Merge buckets with the same bound, then force monotonic counts.
        var merged: [(upper: Double, count: Double)] = []
        for bucket in buckets {
            if let previous = merged.last, previous.upper == bucket.upper {
                merged[merged.count - 1].count += bucket.count
            } else {
                merged.append(bucket)
            }
        }
        buckets = merged
        var fixed = false
        var maximum = -Double.infinity
        for index in buckets.indices {
            if buckets[index].count > maximum {
                maximum = buckets[index].count
            } else if buckets[index].count < maximum {
                let relative = (maximum - buckets[index].count) / maximum
                if relative > 1e-12 { fixed = true }
                buckets[index].count = maximum
            }
        }
        guard buckets.count >= 2 else { return (.nan, fixed) }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return (.nan, fixed) }
        var rank = q * observations
        var b = buckets.firstIndex { $0.count >= rank } ?? buckets.count - 1
        if b == buckets.count - 1 { return (buckets[buckets.count - 2].upper, fixed) }
        if b == 0, buckets[0].upper <= 0 { return (buckets[0].upper, fixed) }
        var start = 0.0
        let end = buckets[b].upper
        var count = buckets[b].count
        if b > 0 {
            start = buckets[b - 1].upper
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        b = 0
        return (start + (end - start) * (rank / count), fixed)
    }
}
