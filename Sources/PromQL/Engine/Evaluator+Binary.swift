import Foundation
import Model

extension Evaluator {
    func evaluateBinary(_ binary: BinaryExpr) throws(PromQLError) -> EvalValue {
        let lhs = try evaluate(binary.lhs)
        let rhs = try evaluate(binary.rhs)
        let op = binary.op
        switch (lhs, rhs) {
        case (.scalar(let left), .scalar(let right)):
            var out = [Double](repeating: 0, count: stepCount)
            for index in 0..<stepCount {
                let (value, keep) = try Evaluator.apply(op, left[index], right[index])
                out[index] = op.isComparison ? (keep ? 1 : 0) : value
            }
            return .scalar(out)
        case (.vector(let left), .scalar(let right)):
            return .vector(try vectorScalar(op, left, right, swap: false, returnBool: binary.returnBool))
        case (.scalar(let left), .vector(let right)):
            return .vector(try vectorScalar(op, right, left, swap: true, returnBool: binary.returnBool))
        case (.vector(let left), .vector(let right)):
            let matching = binary.matching ?? VectorMatching()
            var out = [[EvalSample]](repeating: [], count: stepCount)
            for index in 0..<stepCount {
                switch op {
                case .land: out[index] = setAnd(left[index], right[index], matching)
                case .lor: out[index] = setOr(left[index], right[index], matching)
                case .lunless: out[index] = setUnless(left[index], right[index], matching)
                default:
                    out[index] = try vectorVector(op, left[index], right[index], matching,
                                                  returnBool: binary.returnBool, t: times[index])
                }
            }
            return .vector(out)
        default:
            throw .execution("invalid operands for binary operator \(op.spelling ?? "")")
        }
    }

    /// Applies an arithmetic or comparison operator; for comparisons `keep` tells whether
    /// the comparison held and the value is `lhs`.
    static func apply(_ op: TokenKind, _ lhs: Double, _ rhs: Double) throws(PromQLError) -> (Double, Bool) {
        switch op {
        case .add: return (lhs + rhs, true)
        case .sub: return (lhs - rhs, true)
        case .mul: return (lhs * rhs, true)
        case .div: return (lhs / rhs, true)
        case .pow: return (Foundation.pow(lhs, rhs), true)
        case .mod: return (fmod(lhs, rhs), true)
        case .atan2: return (Foundation.atan2(lhs, rhs), true)
        case .eqlc: return (lhs, lhs == rhs)
        case .neq: return (lhs, lhs != rhs)
        case .gtr: return (lhs, lhs > rhs)
        case .lss: return (lhs, lhs < rhs)
        case .gte: return (lhs, lhs >= rhs)
        case .lte: return (lhs, lhs <= rhs)
        default: throw .execution("operator \"\(op.spelling ?? "")\" not allowed for float operations")
        }
    }

    static func dropsName(_ op: TokenKind) -> Bool {
        switch op {
        case .add, .sub, .mul, .div, .pow, .mod, .atan2: true
        default: false
        }
    }

    func vectorScalar(_ op: TokenKind, _ vectors: [[EvalSample]], _ scalars: [Double], swap: Bool,
                      returnBool: Bool) throws(PromQLError) -> [[EvalSample]] {
        let comparison = op.isComparison
        let drop = Evaluator.dropsName(op) || returnBool
        var out = [[EvalSample]](repeating: [], count: stepCount)
        for index in 0..<stepCount {
            let scalar = scalars[index]
            var result: [EvalSample] = []
            result.reserveCapacity(vectors[index].count)
            for sample in vectors[index] {
                let (lhs, rhs) = swap ? (scalar, sample.v) : (sample.v, scalar)
                var (value, keep) = try Evaluator.apply(op, lhs, rhs)
                if comparison && swap { value = rhs }
                if returnBool {
                    value = keep ? 1 : 0
                } else if !keep {
                    continue
                }
                result.append(EvalSample(labels: sample.labels, v: value, t: times[index],
                                         dropName: sample.dropName || drop))
            }
            out[index] = result
        }
        return out
    }

    /// The matching key of `labels` under `on`/`ignoring` (the name never takes part unless
    /// listed in `on`).
    static func signature(_ labels: Labels, _ matching: VectorMatching) -> String {
        var key = ""
        if matching.on {
            let names = matching.matchingLabels.sorted()
            for name in names {
                key += name
                key += "\u{1}"
                key += labels[name] ?? ""
                key += "\u{2}"
            }
        } else {
            let ignored = Set(matching.matchingLabels)
            for label in labels where label.name != "__name__" && !ignored.contains(label.name) {
                key += label.name
                key += "\u{1}"
                key += label.value
                key += "\u{2}"
            }
        }
        return key
    }

    func setAnd(_ lhs: [EvalSample], _ rhs: [EvalSample], _ matching: VectorMatching) -> [EvalSample] {
        let right = Set(rhs.map { Evaluator.signature($0.labels, matching) })
        return lhs.filter { right.contains(Evaluator.signature($0.labels, matching)) }
    }

    func setOr(_ lhs: [EvalSample], _ rhs: [EvalSample], _ matching: VectorMatching) -> [EvalSample] {
        let left = Set(lhs.map { Evaluator.signature($0.labels, matching) })
        return lhs + rhs.filter { !left.contains(Evaluator.signature($0.labels, matching)) }
    }

    func setUnless(_ lhs: [EvalSample], _ rhs: [EvalSample], _ matching: VectorMatching) -> [EvalSample] {
        let right = Set(rhs.map { Evaluator.signature($0.labels, matching) })
        return lhs.filter { !right.contains(Evaluator.signature($0.labels, matching)) }
    }

    func vectorVector(_ op: TokenKind, _ lhs: [EvalSample], _ rhs: [EvalSample], _ matching: VectorMatching,
                      returnBool: Bool, t: Int64) throws(PromQLError) -> [EvalSample] {
        let oneToMany = matching.cardinality == .oneToMany
        // `many` carries the result labels; `one` must be unique per signature.
        let (many, one) = oneToMany ? (rhs, lhs) : (lhs, rhs)
        var oneSide: [String: EvalSample] = [:]
        for sample in one {
            let key = Evaluator.signature(sample.labels, matching)
            if let existing = oneSide[key] {
                let side = oneToMany ? "left" : "right"
                let group = Evaluator.groupDescription(sample.labels, matching)
                throw .execution("found duplicate series for the match group \(group) on the \(side) hand-side of the operation: [\(existing.labels), \(sample.labels)];many-to-many matching not allowed: matching labels must be unique on one side")
            }
            oneSide[key] = sample
        }
        let drop = Evaluator.dropsName(op) || returnBool
        var matchedOneToOne = Set<String>()
        var inserted = Set<Labels>()
        var result: [EvalSample] = []
        // `fill_right` stands in for a missing "one" side, `fill_left` for a missing "many"
        // side (with `group_right` the sides are swapped first, as upstream).
        let fillOne = matching.fillRight
        let fillMany = matching.fillLeft
        var manySide = many
        if fillMany != nil {
            let manyKeys = Set(many.map { Evaluator.signature($0.labels, matching) })
            for sample in one {
                let key = Evaluator.signature(sample.labels, matching)
                if !manyKeys.contains(key) {
                    manySide.append(EvalSample(labels: Evaluator.matchingLabels(sample.labels, matching), v: .nan,
                                               t: t, dropName: false))
                }
            }
        }
        let realMany = many.count
        for (position, sample) in manySide.enumerated() {
            let key = Evaluator.signature(sample.labels, matching)
            var sample = sample
            if position >= realMany, let fill = fillMany { sample.v = fill }
            let other: EvalSample
            if let found = oneSide[key] {
                other = found
            } else if let fill = fillOne {
                other = EvalSample(labels: sample.labels, v: fill, t: t, dropName: false)
            } else {
                continue
            }
            if matching.cardinality == .oneToOne, !matchedOneToOne.insert(key).inserted {
                throw .execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
            }
            let (left, right) = oneToMany ? (other.v, sample.v) : (sample.v, other.v)
            var (value, keep) = try Evaluator.apply(op, left, right)
            if returnBool {
                value = keep ? 1 : 0
            } else if !keep {
                continue
            }
            let labels = resultLabels(sample.labels, other.labels, matching)
            if matching.cardinality != .oneToOne, !inserted.insert(labels).inserted {
                throw .execution("multiple matches for labels: grouping labels must ensure unique matches")
            }
            result.append(EvalSample(labels: labels, v: value, t: t, dropName: drop || sample.dropName))
        }
        return result
    }

    /// The labels a signature is made of (the matching labels of a series).
    static func matchingLabels(_ labels: Labels, _ matching: VectorMatching) -> Labels {
        var builder = LabelsBuilder(labels)
        if matching.on {
            let keep = Set(matching.matchingLabels)
            builder.delete { !keep.contains($0.name) }
        } else {
            let ignored = Set(matching.matchingLabels + ["__name__"])
            builder.delete { ignored.contains($0.name) }
        }
        return builder.labels()
    }

    static func groupDescription(_ labels: Labels, _ matching: VectorMatching) -> String {
        var builder = LabelsBuilder(labels)
        if matching.on {
            let keep = Set(matching.matchingLabels)
            builder.delete { !keep.contains($0.name) }
        } else {
            let ignored = Set(matching.matchingLabels + ["__name__"])
            builder.delete { ignored.contains($0.name) }
        }
        return builder.labels().description
    }

    func resultLabels(_ many: Labels, _ one: Labels, _ matching: VectorMatching) -> Labels {
        guard matching.cardinality == .oneToOne || !matching.include.isEmpty else { return many }
        var builder = LabelsBuilder(many)
        if matching.cardinality == .oneToOne {
            if matching.on {
                let keep = Set(matching.matchingLabels)
                builder.delete { !keep.contains($0.name) }
            } else {
                let drop = Set(matching.matchingLabels)
                builder.delete { drop.contains($0.name) }
            }
        }
        for name in matching.include {
            if let value = one[name], !value.isEmpty {
                builder.set(name, value)
            } else {
                builder.delete(name)
            }
        }
        return builder.labels()
    }
}
