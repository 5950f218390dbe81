import Foundation
import Model

extension Evaluator {
    func evaluateCall(_ call: Call) throws(PromQLError) -> EvalValue {
        let name = call.function.name
        if let result = try evaluateRangeCall(name, call) { return .vector(result) }
        if let math = Evaluator.mathFunctions[name] {
            return .vector(try mapSamples(call.args[0]) { math($0) })
        }
        if name.hasPrefix("sort"), start != end {
            warnings.insert("PromQL warning: sort is ineffective for range queries since results are always ordered by labels")
        }
        switch name {
        case "time": return .scalar(times.map { Double($0) / 1000 })
        case "pi": return .scalar(Array(repeating: Double.pi, count: stepCount))
        case "start": return .scalar(Array(repeating: Double(queryStart) / 1000, count: stepCount))
        case "end": return .scalar(Array(repeating: Double(queryEnd) / 1000, count: stepCount))
        case "range": return .scalar(Array(repeating: Double(queryEnd - queryStart) / 1000, count: stepCount))
        case "step": return .scalar(Array(repeating: Double(queryStep) / 1000, count: stepCount))
        case "vector":
            let values = try evaluateScalar(call.args[0])
            let empty = table.empty
            return .vector(values.enumerated().map { [EvalSample(id: empty, v: $1, t: times[$0], dropName: false)] })
        case "scalar":
            let steps = try evaluateVector(call.args[0])
            return .scalar(steps.map { $0.count == 1 ? $0[0].v : .nan })
        case "timestamp":
            let steps = try evaluateVector(call.args[0])
            return .vector(steps.enumerated().map { step, samples in
                samples.map { EvalSample(id: $0.id, v: Double($0.t) / 1000, t: times[step], dropName: true) }
            })
        case "start_timestamp":
            // Only a selector's samples have start timestamps (an expression's results do not),
            // and only when the engine uses them: else the result is empty, as upstream.
            var arg = call.args[0]
            while case .paren(let inner) = arg { arg = inner.expr }
            guard options.useStartTimestamps, case .vectorSelector(let selector) = arg else {
                _ = try evaluate(call.args[0])
                return .vector(Array(repeating: [], count: stepCount))
            }
            return .vector(try evaluateVectorSelector(selector, startTimestamps: true))
        case "min_of", "max_of":
            var result = try evaluateScalar(call.args[0])
            for arg in call.args.dropFirst() {
                let other = try evaluateScalar(arg)
                for index in result.indices {
                    // NaN wins, as Go's math.Min/math.Max.
                    let (a, b) = (result[index], other[index])
                    result[index] = a.isNaN || b.isNaN ? .nan : (name == "min_of" ? Swift.min(a, b) : Swift.max(a, b))
                }
            }
            return .scalar(result)
        case "histogram_fraction": return .vector(try histogramFraction(call))
        case "histogram_quantiles": return .vector(try histogramQuantiles(call))
        case "histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev", "histogram_stdvar":
            // Float samples are ignored; native histograms are not stored yet.
            for arg in call.args { _ = try evaluate(arg) }
            return .vector(Array(repeating: [], count: stepCount))
        case "absent":
            let steps = try evaluateVector(call.args[0])
            let id = table.id(of: Evaluator.absentLabels(call.args[0]))
            return .vector(steps.enumerated().map { step, samples in
                samples.isEmpty ? [EvalSample(id: id, v: 1, t: times[step], dropName: false)] : []
            })
        case "sort", "sort_desc":
            let steps = try evaluateVector(call.args[0])
            let descending = name == "sort_desc"
            return .vector(steps.map { samples in
                samples.enumerated().sorted { a, b in
                    let x = a.element.v, y = b.element.v
                    if x.isNaN != y.isNaN { return !x.isNaN }
                    if x != y, !x.isNaN { return descending ? x > y : x < y }
                    return a.offset < b.offset
                }.map(\.element)
            })
        case "sort_by_label", "sort_by_label_desc":
            let steps = try evaluateVector(call.args[0])
            var names: [String] = []
            for arg in call.args.dropFirst() { names.append(try evaluateString(arg)) }
            let descending = name == "sort_by_label_desc"
            return .vector(steps.map { samples in
                samples.sorted { a, b in
                    let (left, right) = (table[a.id], table[b.id])
                    for label in names {
                        let x = left[label] ?? "", y = right[label] ?? ""
                        if x != y { return descending ? Evaluator.naturalLess(y, x) : Evaluator.naturalLess(x, y) }
                    }
                    return descending ? right < left : left < right
                }
            })
        case "clamp":
            let minimum = try evaluateScalar(call.args[1]), maximum = try evaluateScalar(call.args[2])
            return .vector(try mapSamplesWithStep(call.args[0]) { v, step in
                let lo = minimum[step], hi = maximum[step]
                if lo > hi { return nil }
                if lo.isNaN || hi.isNaN { return .nan }
                return Swift.max(lo, Swift.min(hi, v))
            })
        case "clamp_min":
            let minimum = try evaluateScalar(call.args[1])
            return .vector(try mapSamplesWithStep(call.args[0]) { v, step in
                minimum[step].isNaN || v.isNaN ? .nan : Swift.max(minimum[step], v)
            })
        case "clamp_max":
            let maximum = try evaluateScalar(call.args[1])
            return .vector(try mapSamplesWithStep(call.args[0]) { v, step in
                maximum[step].isNaN || v.isNaN ? .nan : Swift.min(maximum[step], v)
            })
        case "round":
            let nearest = call.args.count > 1 ? try evaluateScalar(call.args[1]) : Array(repeating: 1, count: stepCount)
            return .vector(try mapSamplesWithStep(call.args[0]) { v, step in
                let inverse = 1 / nearest[step]
                return (v * inverse + 0.5).rounded(.down) / inverse
            })
        case "label_replace": return .vector(try labelReplace(call))
        case "label_join": return .vector(try labelJoin(call))
        case "days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour", "minute", "month", "year":
            return .vector(try dateFunction(name, call))
        case "histogram_quantile": return .vector(try histogramQuantile(call))
        case "info": return .vector(try evaluateInfo(call))
        default:
            throw .execution("function \"\(name)\" is not implemented")
        }
    }

    static let mathFunctions: [String: @Sendable (Double) -> Double] = [
        "abs": { Swift.abs($0) }, "ceil": { $0.rounded(.up) }, "floor": { $0.rounded(.down) },
        "exp": { Foundation.exp($0) }, "sqrt": { $0.squareRoot() }, "ln": { Foundation.log($0) },
        "log2": { Foundation.log2($0) }, "log10": { Foundation.log10($0) },
        "sgn": { $0 < 0 ? -1 : ($0 > 0 ? 1 : $0) },
        "sin": { Foundation.sin($0) }, "cos": { Foundation.cos($0) }, "tan": { Foundation.tan($0) },
        "asin": { Foundation.asin($0) }, "acos": { Foundation.acos($0) }, "atan": { Foundation.atan($0) },
        "sinh": { Foundation.sinh($0) }, "cosh": { Foundation.cosh($0) }, "tanh": { Foundation.tanh($0) },
        "asinh": { Foundation.asinh($0) }, "acosh": { Foundation.acosh($0) }, "atanh": { Foundation.atanh($0) },
        "deg": { $0 * 180 / Double.pi }, "rad": { $0 * Double.pi / 180 },
    ]

    func mapSamples(_ expr: Expr, _ body: (Double) -> Double) throws(PromQLError) -> [[EvalSample]] {
        try mapSamplesWithStep(expr) { v, _ in body(v) }
    }

    func mapSamplesWithStep(_ expr: Expr, _ body: (Double, Int) -> Double?) throws(PromQLError) -> [[EvalSample]] {
        let steps = try evaluateVector(expr)
        return steps.enumerated().map { step, samples in
            samples.compactMap { sample in
                body(sample.v, step).map { EvalSample(id: sample.id, v: $0, t: times[step], dropName: true) }
            }
        }
    }

    func labelReplace(_ call: Call) throws(PromQLError) -> [[EvalSample]] {
        let steps = try evaluateVector(call.args[0])
        let destination = try evaluateString(call.args[1])
        let replacement = try evaluateString(call.args[2])
        let source = try evaluateString(call.args[3])
        let pattern = try evaluateString(call.args[4])
        let regex: RE2Regex
        do throws(ModelError) {
            regex = try RE2Regex(anchored: pattern)
        } catch {
            throw .execution("invalid regular expression in label_replace(): \(pattern)")
        }
        guard Evaluator.isValidLabelNameStrict(destination) else {
            throw .execution("invalid destination label name in label_replace(): \(destination)")
        }
        // Per input label set: the replaced set's ID, or nil when the regex does not match.
        var replaced = LabelMemo<LabelID?>()
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for (step, samples) in steps.enumerated() {
            var result: [EvalSample] = []
            result.reserveCapacity(samples.count)
            for var sample in samples {
                let id = replaced.value(for: sample.id) { id -> LabelID? in
                    let labels = table[id]
                    let value = labels[source] ?? ""
                    guard let groups = regex.wholeMatchGroups(value) else { return nil }
                    let expanded = Evaluator.expand(replacement, value: value, groups: groups, regex: regex)
                    var builder = LabelsBuilder(labels)
                    if expanded.isEmpty { builder.delete(destination) } else { builder.set(destination, expanded) }
                    return table.id(of: builder.labels())
                }
                if let id {
                    sample.id = id
                    if destination == "__name__" { sample.dropName = false }
                }
                result.append(sample)
            }
            out[step] = try checkDuplicates(result)
        }
        return out
    }

    func checkDuplicates(_ samples: [EvalSample]) throws(PromQLError) -> [EvalSample] {
        var seen = Set<LabelID>()
        for sample in samples where !sample.dropName {
            if !seen.insert(sample.id).inserted { throw .execution("vector cannot contain metrics with the same labelset") }
        }
        return samples
    }

    /// Expands `$1`, `${1}`, `$name`, `${name}` as Go's `Regexp.Expand`.
    static func expand(_ template: String, value: String, groups: [Range<Int>?], regex: RE2Regex) -> String {
        let bytes = Array(template.utf8)
        let valueBytes = Array(value.utf8)
        var out: [UInt8] = []
        var index = 0
        func group(_ name: String) -> [UInt8] {
            let number = Int(name) ?? regex.groupIndex(named: name)
            guard let number, number < groups.count, let range = groups[number] else { return [] }
            return Array(valueBytes[range])
        }
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "$"), index + 1 < bytes.count else {
                out.append(byte)
                index += 1
                continue
            }
            if bytes[index + 1] == UInt8(ascii: "$") {
                out.append(byte)
                index += 2
                continue
            }
            var cursor = index + 1
            var braced = false
            if bytes[cursor] == UInt8(ascii: "{") {
                braced = true
                cursor += 1
            }
            let nameStart = cursor
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: "_") || (bytes[cursor] >= 48 && bytes[cursor] <= 57)
                || (bytes[cursor] | 0x20 >= 97 && bytes[cursor] | 0x20 <= 122) {
                cursor += 1
            }
            let name = String(decoding: bytes[nameStart..<cursor], as: UTF8.self)
            if name.isEmpty || (braced && (cursor >= bytes.count || bytes[cursor] != UInt8(ascii: "}"))) {
                out.append(byte)
                index += 1
                continue
            }
            if braced { cursor += 1 }
            out.append(contentsOf: group(name))
            index = cursor
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isValidLabelNameStrict(_ name: String) -> Bool {
        // An invalid UTF-8 escape in the query reaches us as U+FFFD (docs/promql.md).
        !name.isEmpty && !name.unicodeScalars.contains("\u{FFFD}")
    }

    func labelJoin(_ call: Call) throws(PromQLError) -> [[EvalSample]] {
        let steps = try evaluateVector(call.args[0])
        let destination = try evaluateString(call.args[1])
        let separator = try evaluateString(call.args[2])
        var sources: [String] = []
        for arg in call.args.dropFirst(3) { sources.append(try evaluateString(arg)) }
        guard Evaluator.isValidLabelNameStrict(destination) else {
            throw .execution("invalid destination label name in label_join(): \(destination)")
        }
        var joinedIDs = LabelMemo<LabelID>()
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for (step, samples) in steps.enumerated() {
            var result: [EvalSample] = []
            result.reserveCapacity(samples.count)
            for var sample in samples {
                sample.id = joinedIDs.value(for: sample.id) { id in
                    let labels = table[id]
                    let joined = sources.map { labels[$0] ?? "" }.joined(separator: separator)
                    var builder = LabelsBuilder(labels)
                    if joined.isEmpty { builder.delete(destination) } else { builder.set(destination, joined) }
                    return table.id(of: builder.labels())
                }
                if destination == "__name__" { sample.dropName = false }
                result.append(sample)
            }
            out[step] = try checkDuplicates(result)
        }
        return out
    }

    func dateFunction(_ name: String, _ call: Call) throws(PromQLError) -> [[EvalSample]] {
        let steps: [[EvalSample]]
        if call.args.isEmpty {
            let empty = table.empty
            steps = times.map { [EvalSample(id: empty, v: Double($0) / 1000, t: $0, dropName: false)] }
        } else {
            steps = try evaluateVector(call.args[0])
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return steps.enumerated().map { step, samples in
            samples.compactMap { sample in
                guard sample.v.isFinite, abs(sample.v) < 1e15 else {
                    return EvalSample(id: sample.id, v: .nan, t: times[step], dropName: true)
                }
                let date = Date(timeIntervalSince1970: sample.v.rounded(.down))
                let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
                let value: Double
                switch name {
                case "days_in_month": value = Double(calendar.range(of: .day, in: .month, for: date)?.count ?? 0)
                case "day_of_month": value = Double(parts.day ?? 0)
                case "day_of_week": value = Double((parts.weekday ?? 1) - 1)
                case "day_of_year": value = Double(calendar.ordinality(of: .day, in: .year, for: date) ?? 0)
                case "hour": value = Double(parts.hour ?? 0)
                case "minute": value = Double(parts.minute ?? 0)
                case "month": value = Double(parts.month ?? 0)
                default: value = Double(parts.year ?? 0)
                }
                return EvalSample(id: sample.id, v: value, t: times[step], dropName: true)
            }
        }
    }

    /// Natural-order comparison of label values for `sort_by_label`.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }
}
