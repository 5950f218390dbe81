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
            var matcher = SeriesMatcher(matching: binary.matching ?? VectorMatching(), table)
            var out = [[EvalSample]](repeating: [], count: stepCount)
            for index in 0..<stepCount {
                switch op {
                case .land: out[index] = setAnd(left[index], right[index], &matcher)
                case .lor: out[index] = setOr(left[index], right[index], &matcher)
                case .lunless: out[index] = setUnless(left[index], right[index], &matcher)
                default:
                    out[index] = try vectorVector(op, left[index], right[index], &matcher,
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
                result.append(EvalSample(id: sample.id, v: value, t: times[index], dropName: sample.dropName || drop))
            }
            out[index] = result
        }
        return out
    }

    /// How the two sides of a vector operation match, remembered per label set across steps:
    /// a sample's signature (the labels `on`/`ignoring` compare, as an ID) and the labels of
    /// a result.
    struct SeriesMatcher {
        let matching: VectorMatching
        /// What a sample matches on, remembered table-wide (across the queries sharing it).
        private let signatures: Projection
        private var manyResults = LabelMemo<LabelID>()
        private var pairResults: [PairKey: LabelID] = [:]

        private struct PairKey: Hashable {
            var many: LabelID, one: LabelID
        }

        init(matching: VectorMatching, _ table: LabelTable) {
            self.matching = matching
            signatures = table.projection(keeping: matching.on, matching.matchingLabels)
        }

        /// The ID of the labels a sample matches on.
        func signature(_ id: LabelID, _ table: LabelTable) -> LabelID {
            signatures.id(of: id, in: table)
        }

        /// The labels of the result of `many` matched with `one`.
        mutating func result(_ many: LabelID, _ one: LabelID, _ table: LabelTable) -> LabelID {
            let matching = matching
            // Without `group_x(…)` labels the result depends on the "many" side only.
            guard !matching.include.isEmpty else {
                return manyResults.value(for: many) { table.id(of: Evaluator.resultLabels(table[$0], table[one], matching)) }
            }
            let key = PairKey(many: many, one: one)
            if let id = pairResults[key] { return id }
            let id = table.id(of: Evaluator.resultLabels(table[many], table[one], matching))
            pairResults[key] = id
            return id
        }
    }

    func setAnd(_ lhs: [EvalSample], _ rhs: [EvalSample], _ matcher: inout SeriesMatcher) -> [EvalSample] {
        var right = Set<LabelID>()
        for sample in rhs { right.insert(matcher.signature(sample.id, table)) }
        return lhs.filter { right.contains(matcher.signature($0.id, table)) }
    }

    func setOr(_ lhs: [EvalSample], _ rhs: [EvalSample], _ matcher: inout SeriesMatcher) -> [EvalSample] {
        var left = Set<LabelID>()
        for sample in lhs { left.insert(matcher.signature(sample.id, table)) }
        return lhs + rhs.filter { !left.contains(matcher.signature($0.id, table)) }
    }

    func setUnless(_ lhs: [EvalSample], _ rhs: [EvalSample], _ matcher: inout SeriesMatcher) -> [EvalSample] {
        var right = Set<LabelID>()
        for sample in rhs { right.insert(matcher.signature(sample.id, table)) }
        return lhs.filter { !right.contains(matcher.signature($0.id, table)) }
    }

    func vectorVector(_ op: TokenKind, _ lhs: [EvalSample], _ rhs: [EvalSample], _ matcher: inout SeriesMatcher,
                      returnBool: Bool, t: Int64) throws(PromQLError) -> [EvalSample] {
        let matching = matcher.matching
        let oneToMany = matching.cardinality == .oneToMany
        // `many` carries the result labels; `one` must be unique per signature.
        let (many, one) = oneToMany ? (rhs, lhs) : (lhs, rhs)
        var oneSide: [LabelID: EvalSample] = [:]
        oneSide.reserveCapacity(one.count)
        for sample in one {
            let key = matcher.signature(sample.id, table)
            if let existing = oneSide[key] {
                let side = oneToMany ? "left" : "right"
                let group = Evaluator.matchingLabels(table[sample.id], matching).description
                throw .execution("found duplicate series for the match group \(group) on the \(side) hand-side of the operation: [\(table[existing.id]), \(table[sample.id])];many-to-many matching not allowed: matching labels must be unique on one side")
            }
            oneSide[key] = sample
        }
        let drop = Evaluator.dropsName(op) || returnBool
        var matchedOneToOne = Set<LabelID>()
        var inserted = Set<LabelID>()
        var result: [EvalSample] = []
        result.reserveCapacity(many.count)
        // `fill_right` stands in for a missing "one" side, `fill_left` for a missing "many"
        // side (with `group_right` the sides are swapped first, as upstream).
        let fillOne = matching.fillRight
        let fillMany = matching.fillLeft
        var manySide = many
        if fillMany != nil {
            var manyKeys = Set<LabelID>()
            for sample in many { manyKeys.insert(matcher.signature(sample.id, table)) }
            for sample in one {
                let key = matcher.signature(sample.id, table)
                if !manyKeys.contains(key) {
                    manySide.append(EvalSample(id: key, v: .nan, t: t, dropName: false))
                }
            }
        }
        let realMany = many.count
        for (position, sample) in manySide.enumerated() {
            let key = matcher.signature(sample.id, table)
            var sample = sample
            if position >= realMany, let fill = fillMany { sample.v = fill }
            let other: EvalSample
            if let found = oneSide[key] {
                other = found
            } else if let fill = fillOne {
                other = EvalSample(id: sample.id, v: fill, t: t, dropName: false)
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
            let labels = matcher.result(sample.id, other.id, table)
            if matching.cardinality != .oneToOne, !inserted.insert(labels).inserted {
                throw .execution("multiple matches for labels: grouping labels must ensure unique matches")
            }
            result.append(EvalSample(id: labels, v: value, t: t, dropName: drop || sample.dropName))
        }
        return result
    }

    /// The labels a signature is made of (the matching labels of a series): `on` keeps the
    /// listed labels, `ignoring` drops them and the name.
    static func matchingLabels(_ labels: Labels, _ matching: VectorMatching) -> Labels {
        if matching.on { return labels.keeping(matching.matchingLabels) }
        return labels.dropping(matching.matchingLabels).withoutMetricName
    }

    static func resultLabels(_ many: Labels, _ one: Labels, _ matching: VectorMatching) -> Labels {
        guard matching.cardinality == .oneToOne || !matching.include.isEmpty else { return many }
        // One-to-one `ignoring()` (the default matching) changes nothing.
        if matching.cardinality == .oneToOne, !matching.on, matching.matchingLabels.isEmpty, matching.include.isEmpty { return many }
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
