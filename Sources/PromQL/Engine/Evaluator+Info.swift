import Model

extension Evaluator {
    /// The labels that join a series with its info series.
    private static let identifyingLabels = ["instance", "job"]

    /// `info(v, {selector})`: adds the data labels of matching info series (`target_info` by
    /// default), joined on `instance` and `job` (upstream's `evalInfo`).
    func evaluateInfo(_ call: Call) throws(PromQLError) -> [[EvalSample]] {
        let base = try evaluateVector(call.args[0])
        var dataMatchers: [String: [Matcher]] = [:]
        var nameMatchers: [Matcher] = []
        if call.args.count > 1, case .vectorSelector(let selector) = call.args[1] {
            for matcher in selector.matchers {
                dataMatchers[matcher.name, default: []].append(matcher)
                if matcher.name == "__name__" { nameMatchers.append(matcher) }
            }
        } else {
            nameMatchers = [try Evaluator.matcher(.equal, "__name__", "target_info")]
        }
        let effective = try Evaluator.effectiveNameMatchers(nameMatchers)
        func isInfoSeries(_ labels: Labels) -> Bool {
            let name = labels["__name__"] ?? ""
            return effective.allSatisfy { $0.matches(name) }
        }
        var values: [String: Set<String>] = [:]
        for samples in base {
            for sample in samples where !isInfoSeries(table[sample.id]) {
                for label in Evaluator.identifyingLabels {
                    if let value = table[sample.id][label], !value.isEmpty { values[label, default: []].insert(value) }
                }
            }
        }
        let dataNameMatchers = dataMatchers["__name__"] ?? []
        dataMatchers["__name__"] = nil
        var infoSteps = Array(repeating: [EvalSample](), count: stepCount)
        if !values.isEmpty {
            var matchers: [Matcher] = []
            for (name, set) in values.sorted(by: { $0.key < $1.key }) {
                matchers.append(try Evaluator.matcher(.regexMatch, name, set.sorted().map(Evaluator.quoteMeta).joined(separator: "|")))
            }
            for list in dataMatchers.values { matchers.append(contentsOf: list) }
            matchers.append(contentsOf: try Evaluator.effectiveNameMatchers(dataNameMatchers))
            let (timestamp, offset) = Evaluator.infoTimestampAndOffset(call.args[0])
            let evalTimes = effectiveTimes(timestamp: timestamp, startOrEnd: nil, offset: offset)
            if let first = evalTimes.min(), let last = evalTimes.max() {
                let lookback = options.lookbackDelta
                let data = try load(matchers, mint: first - lookback + 1, maxt: last, keepStale: true)
                for series in data {
                    let id = series.id
                    for (step, t) in evalTimes.enumerated() {
                        let index = series.firstIndex(after: t) - 1
                        guard index >= 0, series.ts[index] > t - lookback, !series.vs[index].isStaleMarker else { continue }
                        infoSteps[step].append(EvalSample(id: id, v: 0, t: series.ts[index], dropName: false))
                    }
                }
            }
        }
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for step in 0..<stepCount {
            out[step] = try combineInfo(base[step], infoSteps[step], isInfoSeries: isInfoSeries, dataMatchers: dataMatchers)
        }
        return out
    }

    private func combineInfo(_ base: [EvalSample], _ info: [EvalSample], isInfoSeries: (Labels) -> Bool,
                             dataMatchers: [String: [Matcher]]) throws(PromQLError) -> [EvalSample] {
        // The newest info sample per (info name, identifying labels).
        var latest: [String: EvalSample] = [:]
        var infoNames = Set<String>()
        for sample in info {
            let name = table[sample.id]["__name__"] ?? ""
            infoNames.insert(name)
            let key = Evaluator.infoSignature(name, table[sample.id])
            if let existing = latest[key] {
                if existing.t < sample.t {
                    latest[key] = sample
                } else if existing.t == sample.t {
                    throw .execution("found duplicate series for info metric: existing \(table[existing.id]) @ \(existing.t), new \(table[sample.id]) @ \(sample.t)")
                }
            } else {
                latest[key] = sample
            }
        }
        var out: [EvalSample] = []
        for sample in base {
            let labels = table[sample.id]
            if isInfoSeries(labels) {
                out.append(sample)
                continue
            }
            var added = LabelsBuilder()
            var matchedAny = false
            for name in infoNames.sorted() {
                guard let infoSample = latest[Evaluator.infoSignature(name, labels)] else { continue }
                matchedAny = true
                for label in table[infoSample.id] where label.name != "__name__" {
                    if !dataMatchers.isEmpty, dataMatchers[label.name] == nil { continue }
                    if let value = added.value(of: label.name), !value.isEmpty, value != label.value {
                        throw .execution("conflicting label: \(label.name)")
                    }
                    if labels[label.name] != nil { continue }
                    added.set(label.name, label.value)
                }
            }
            if !matchedAny {
                let allMatchEmpty = dataMatchers.values.allSatisfy { $0.allSatisfy(\.matchesEmpty) }
                if !allMatchEmpty { continue }
            }
            var builder = LabelsBuilder(labels)
            added.forEach { builder.set($0.name, $0.value) }
            out.append(EvalSample(id: table.id(of: builder.labels()), v: sample.v, t: sample.t, dropName: sample.dropName))
        }
        return out
    }

    private static func infoSignature(_ name: String, _ labels: Labels) -> String {
        var key = name
        for label in identifyingLabels {
            key += "\u{1}"
            key += labels[label] ?? ""
        }
        return key
    }

    private static func effectiveNameMatchers(_ matchers: [Matcher]) throws(PromQLError) -> [Matcher] {
        if matchers.contains(where: { $0.type == .equal || $0.type == .regexMatch }) { return matchers }
        if !matchers.isEmpty { return [try matcher(.regexMatch, "__name__", ".+_info")] + matchers }
        return [try matcher(.equal, "__name__", "target_info")]
    }

    private static func matcher(_ type: MatchType, _ name: String, _ value: String) throws(PromQLError) -> Matcher {
        do throws(ModelError) {
            return try Matcher(type, name, value)
        } catch {
            throw .execution("\(error)")
        }
    }

    /// The `@` and offset of the first vector selector in `expr` (or of its enclosing subqueries).
    private static func infoTimestampAndOffset(_ expr: Expr) -> (Int64?, Int64) {
        var result: (Int64?, Int64)?
        expr.walk { node, path in
            guard result == nil else { return false }
            guard case .vectorSelector(let selector) = node else { return true }
            var timestamp = selector.timestamp
            var offset = selector.originalOffset / 1_000_000
            for parent in path.reversed() where timestamp == nil {
                if case .subquery(let subquery) = parent {
                    offset += subquery.originalOffset / 1_000_000
                    timestamp = subquery.timestamp
                }
            }
            result = (timestamp, offset)
            return false
        }
        return result ?? (nil, 0)
    }

    /// Escapes RE2 metacharacters (Go's `regexp.QuoteMeta`).
    private static func quoteMeta(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\.+*?()|[]{}^$".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
