import Model
@testable import PromQL

/// Prints our AST in the one-line form that `Fixtures/parse_cases.json` holds for each of
/// upstream's expected Go ASTs (values, positions, modifiers), so the two compare as strings.
enum GoASTForm {
    static func goName(_ kind: TokenKind) -> String {
        switch kind {
        case .add: "ADD"
        case .sub: "SUB"
        case .mul: "MUL"
        case .div: "DIV"
        case .mod: "MOD"
        case .pow: "POW"
        case .eqlc: "EQLC"
        case .neq: "NEQ"
        case .lte: "LTE"
        case .lss: "LSS"
        case .gte: "GTE"
        case .gtr: "GTR"
        case .land: "LAND"
        case .lor: "LOR"
        case .lunless: "LUNLESS"
        case .atan2: "ATAN2"
        case .trimUpper: "TRIM_UPPER"
        case .trimLower: "TRIM_LOWER"
        case .countValues: "COUNT_VALUES"
        case .limitRatio: "LIMIT_RATIO"
        case .maxOf: "MAX_OF"
        case .minOf: "MIN_OF"
        default: (kind.spelling ?? "?").uppercased()
        }
    }

    static func quote(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    /// Python's `repr` of a float for non-integers, the integer otherwise (as the extractor).
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e16 { return String(Int64(value)) }
        return "\(value)"
    }

    static func position(_ range: PositionRange) -> String { "\(range.start)-\(range.end)" }

    static func form(_ duration: DurationExpr?) -> String {
        guard let duration else { return "nil" }
        return form(.duration(duration))
    }

    static func at(_ timestamp: Int64?, _ preprocessor: AtPreprocessor?) -> String {
        let ts = timestamp.map { String($0) } ?? "nil"
        let at = preprocessor.map { $0 == .start ? "START" : "END" } ?? "nil"
        return "ts=\(ts) at=\(at)"
    }

    static func form(_ selector: VectorSelector) -> String {
        let matchers = selector.matchers.map { "\($0.name)\($0.type.rawValue)\(quote($0.value))" }.joined(separator: ",")
        return "Vector(\(quote(selector.name)) [\(matchers)] off=\(selector.originalOffset) offx=\(form(selector.originalOffsetExpr)) "
            + "\(at(selector.timestamp, selector.startOrEnd)) anch=\(selector.anchored) smooth=\(selector.smoothed) "
            + "\(position(selector.range)))"
    }

    static func form(_ expr: Expr?) -> String {
        guard let expr else { return "nil" }
        switch expr {
        case .number(let node):
            return "Number(\(number(node.value)) dur=\(node.isDuration) \(position(node.range)))"
        case .string(let node):
            return "String(\(quote(node.value)) \(position(node.range)))"
        case .vectorSelector(let node):
            return form(node)
        case .matrixSelector(let node):
            return "Matrix(\(form(node.vectorSelector)) range=\(node.rangeNanoseconds) rangex=\(form(node.rangeExpr)) end=\(node.endPosition))"
        case .subquery(let node):
            return "Subquery(\(form(node.expr)) range=\(node.rangeNanoseconds) rangex=\(form(node.rangeExpr)) "
                + "step=\(node.stepNanoseconds) stepx=\(form(node.stepExpr)) off=\(node.originalOffset) "
                + "offx=\(form(node.originalOffsetExpr)) \(at(node.timestamp, node.startOrEnd)) end=\(node.endPosition))"
        case .paren(let node):
            return "Paren(\(form(node.expr)) \(position(node.range)))"
        case .unary(let node):
            return "Unary(\(goName(node.op)) \(form(node.expr)) start=\(node.startPosition))"
        case .binary(let node):
            var matching = "nil"
            if let vm = node.matching {
                let card = switch vm.cardinality {
                case .oneToOne: "CardOneToOne"
                case .manyToOne: "CardManyToOne"
                case .oneToMany: "CardOneToMany"
                case .manyToMany: "CardManyToMany"
                }
                let fill = "\(vm.fillLeft.map(number) ?? "nil")/\(vm.fillRight.map(number) ?? "nil")"
                matching = "VM(\(card) on=\(vm.on) [\(vm.matchingLabels.joined(separator: ","))] "
                    + "inc=[\(vm.include.joined(separator: ","))] fill=\(fill))"
            }
            return "Binary(\(goName(node.op)) \(form(node.lhs)) \(form(node.rhs)) \(matching) bool=\(node.returnBool))"
        case .aggregate(let node):
            return "Aggregate(\(goName(node.op)) \(form(node.expr)) param=\(form(node.param)) "
                + "by=[\(node.grouping.joined(separator: ","))] without=\(node.without) \(position(node.range)))"
        case .call(let node):
            return "Call(\(node.function.name) [\(node.args.map { form($0) }.joined(separator: ", "))] \(position(node.range)))"
        case .duration(let node):
            return "Duration(\(goName(node.op)) \(form(node.lhs)) \(form(node.rhs)) wrapped=\(node.wrapped) "
                + "start=\(node.startPosition) end=\(node.endPosition))"
        }
    }
}
