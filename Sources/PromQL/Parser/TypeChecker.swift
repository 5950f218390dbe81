import Model

/// Upstream's `checkAST`: the type rules applied after a successful parse.
struct TypeChecker {
    let query: String
    private let bytes: [UInt8]
    var errors: [ParseIssue] = []

    init(query: String) {
        self.query = query
        bytes = Array(query.utf8)
    }

    private mutating func fail(_ message: String, _ range: PositionRange) {
        errors.append(ParseIssue(message: message, range: range))
    }

    private mutating func expectType(_ expr: Expr, _ want: ValueType, _ context: String) {
        let type = check(expr)
        if type != want {
            fail("expected type \(want.documentedName) in \(context), got \(type.documentedName)", expr.range)
        }
    }

    /// The operator's range between the operands, as upstream computes it for messages.
    private func operatorRange(_ node: BinaryExpr) -> PositionRange {
        var start = node.lhs.range.end
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 || bytes[start] == 0x0A || bytes[start] == 0x0D {
            start += 1
        }
        var end = node.rhs.range.start - 1
        while end > start, end < bytes.count, bytes[end] == 0x20 || bytes[end] == 0x09 || bytes[end] == 0x0A || bytes[end] == 0x0D {
            end -= 1
        }
        return PositionRange(start: start, end: max(end, start))
    }

    @discardableResult
    mutating func check(_ expr: Expr, bypassEmptyMatcherCheck: Bool = false) -> ValueType {
        let type = expr.type
        switch expr {
        case .aggregate(let node):
            expectType(node.expr, .vector, "aggregation expression")
            if let param = node.param {
                switch node.op {
                case .topk, .bottomk, .quantile, .limitk, .limitRatio: expectType(param, .scalar, "aggregation parameter")
                case .countValues: expectType(param, .string, "aggregation parameter")
                default: break
                }
            }
        case .binary(let node):
            checkBinary(node, expr)
        case .call(let node):
            checkCall(node, expr)
        case .paren(let node):
            check(node.expr)
        case .unary(let node):
            let operand = check(node.expr)
            if operand != .scalar, operand != .vector {
                fail("unary expression only allowed on expressions of type scalar or instant vector, got \(GoQuote.quote(operand.documentedName))", expr.range)
            }
        case .subquery(let node):
            let inner = check(node.expr)
            if inner != .vector {
                fail("subquery is only allowed on instant vector, got \(inner.rawValue) instead", expr.range)
            }
        case .matrixSelector(let node):
            check(.vectorSelector(node.vectorSelector))
        case .vectorSelector(let node):
            if !node.name.isEmpty {
                for matcher in node.matchers.dropLast() where matcher.name == "__name__" {
                    fail("metric name must not be set twice: \(GoQuote.quote(node.name)) or \(GoQuote.quote(matcher.value))", expr.range)
                }
            } else if !bypassEmptyMatcherCheck, !node.bypassEmptyMatcherCheck,
                      !node.matchers.contains(where: { !$0.matchesEmpty }) {
                fail("vector selector must contain at least one non-empty matcher", expr.range)
            }
        case .number, .string, .duration:
            break
        }
        return type
    }

    private mutating func checkBinary(_ node: BinaryExpr, _ expr: Expr) {
        let lhsType = check(node.lhs)
        let rhsType = check(node.rhs)
        if node.returnBool, !node.op.isComparison {
            fail("bool modifier can only be used on comparison operators", operatorRange(node))
        }
        if node.op.isComparison, !node.returnBool, lhsType == .scalar, rhsType == .scalar {
            fail("comparisons between scalars must use BOOL modifier", operatorRange(node))
        }
        var matching = node.matching ?? VectorMatching()
        if node.op.isSetOperator, matching.cardinality == .oneToOne { matching.cardinality = .manyToMany }
        if matching.on {
            for label in matching.matchingLabels where matching.include.contains(label) {
                fail("label \(GoQuote.quote(label)) must not occur in ON and GROUP clause at once", operatorRange(node))
            }
        }
        if lhsType != .scalar, lhsType != .vector {
            fail("binary expression must contain only scalar and instant vector types", node.lhs.range)
        }
        if rhsType != .scalar, rhsType != .vector {
            fail("binary expression must contain only scalar and instant vector types", node.rhs.range)
        }
        let hasFill = matching.fillLeft != nil || matching.fillRight != nil
        if lhsType != .vector || rhsType != .vector {
            if !matching.matchingLabels.isEmpty {
                fail("vector matching only allowed between instant vectors", expr.range)
            }
            if hasFill { fail("filling in missing series only allowed between instant vectors", expr.range) }
        } else if node.op.isSetOperator {
            if matching.cardinality == .oneToMany || matching.cardinality == .manyToOne {
                fail("no grouping allowed for \(GoQuote.quote(node.op.spelling ?? "")) operation", expr.range)
            }
            if matching.cardinality != .manyToMany {
                fail("set operations must always be many-to-many", expr.range)
            }
            if hasFill { fail("filling in missing series not allowed for set operators", expr.range) }
        }
        if lhsType == .scalar || rhsType == .scalar, node.op.isSetOperator {
            fail("set operator \(GoQuote.quote(node.op.spelling ?? "")) not allowed in binary scalar expression", expr.range)
        }
    }

    private mutating func checkCall(_ node: Call, _ expr: Expr) {
        let function = node.function
        let declared = function.argumentTypes.count
        if function.variadic == 0 {
            if declared != node.args.count {
                fail("expected \(declared) argument(s) in call to \(GoQuote.quote(function.name)), got \(node.args.count)", expr.range)
            }
        } else {
            let required = declared - 1
            if required > node.args.count {
                fail("expected at least \(required) argument(s) in call to \(GoQuote.quote(function.name)), got \(node.args.count)", expr.range)
            } else if function.variadic > 0, required + function.variadic < node.args.count {
                fail("expected at most \(required + function.variadic) argument(s) in call to \(GoQuote.quote(function.name)), got \(node.args.count)", expr.range)
            }
        }
        if function.name == "info", node.args.count > 1 {
            let second = node.args[1]
            if second.type != .vector {
                fail("expected type instant vector in call to function \"info\", got \(second.type.documentedName)", expr.range)
            }
            if case .vectorSelector(let selector) = second {
                if !selector.name.isEmpty {
                    fail("expected label selectors only, got vector selector instead", second.range)
                }
            } else {
                fail("expected label selectors only", second.range)
            }
        }
        for (index, arg) in node.args.enumerated() {
            var slot = index
            if slot >= declared {
                if function.variadic == 0 || declared == 0 { break }
                slot = declared - 1
            }
            let bypass = function.name == "info" && index == 1
            let type = check(arg, bypassEmptyMatcherCheck: bypass)
            if type != function.argumentTypes[slot] {
                fail("expected type \(function.argumentTypes[slot].documentedName) in call to function \(GoQuote.quote(function.name)), got \(type.documentedName)", arg.range)
            }
        }
    }
}

extension TypeChecker {
    /// What upstream's `checkAST` writes back into the tree: set operators match many-to-many,
    /// and operations with a scalar side carry no vector matching.
    static func normalized(_ expr: Expr) -> Expr {
        switch expr {
        case .number, .string, .vectorSelector, .matrixSelector, .duration:
            return expr
        case .subquery(var node):
            node.expr = normalized(node.expr)
            return .subquery(node)
        case .paren(var node):
            node.expr = normalized(node.expr)
            return .paren(node)
        case .unary(var node):
            node.expr = normalized(node.expr)
            return .unary(node)
        case .aggregate(var node):
            node.expr = normalized(node.expr)
            node.param = node.param.map(normalized)
            return .aggregate(node)
        case .call(var node):
            node.args = node.args.map(normalized)
            return .call(node)
        case .binary(var node):
            node.lhs = normalized(node.lhs)
            node.rhs = normalized(node.rhs)
            if node.lhs.type != .vector || node.rhs.type != .vector {
                node.matching = nil
            } else if node.op.isSetOperator, node.matching?.cardinality == .oneToOne {
                node.matching?.cardinality = .manyToMany
            }
            return .binary(node)
        }
    }
}
