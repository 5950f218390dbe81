extension Parser {
    /// Whether a token can start a duration expression.
    static func startsDuration(_ kind: TokenKind) -> Bool {
        switch kind {
        case .number, .duration, .add, .sub, .leftParen, .step, .range, .maxOf, .minOf: true
        default: false
        }
    }

    private static func durationPrecedence(_ kind: TokenKind) -> Int? {
        switch kind {
        case .add, .sub: 4
        case .mul, .div, .mod: 5
        case .pow: 6
        default: nil
        }
    }

    private mutating func requireDurationExpressions(_ range: PositionRange) {
        if !options.durationExpressions { addError("experimental duration expression is not enabled", range) }
    }

    private static func outOfRange(_ seconds: Double) -> Bool {
        seconds > 9.223372036854775807e9 || seconds < -9.223372036854775808e9
    }

    /// `positive_duration_expr`: a range or step, which must be > 0 when it is a literal.
    mutating func parsePositiveDuration() throws(SyntaxStop) -> Expr {
        let expr = try parseDuration(minPrecedence: 0)
        if case .number(let literal) = expr, literal.value <= 0 {
            addError("duration must be greater than 0", literal.range)
            return .number(NumberLiteral(value: 0, range: literal.range))
        }
        return expr
    }

    /// `duration_expr` with `+ - * / % ^` (`^` right-associative) and unary signs binding like `*`.
    mutating func parseDuration(minPrecedence: Int) throws(SyntaxStop) -> Expr {
        try descend()
        var chain = 0
        defer { ascend(1 + chain) }
        var lhs = try parseDurationOperand()
        while let precedence = Parser.durationPrecedence(token.kind), precedence >= minPrecedence {
            chain += 1
            try descend()
            let op = try advance()
            let rhs = try parseDuration(minPrecedence: op.kind == .pow ? precedence : precedence + 1)
            requireDurationExpressions(lhs.range)
            if op.kind == .div || op.kind == .mod, case .number(let literal) = rhs, literal.value == 0 {
                addError(op.kind == .div ? "division by zero" : "modulo by zero", op.range)
                lhs = .number(NumberLiteral(value: 0, range: PositionRange(start: 0, end: 0)))
                continue
            }
            lhs = .duration(DurationExpr(op: op.kind, lhs: lhs, rhs: rhs))
        }
        return lhs
    }

    private mutating func parseDurationOperand() throws(SyntaxStop) -> Expr {
        switch token.kind {
        case .number, .duration:
            let literal = try parseNumberLiteral()
            if Parser.outOfRange(literal.value) {
                addError("duration out of range", literal.range)
                return .number(NumberLiteral(value: 0, range: PositionRange(start: 0, end: 0)))
            }
            return .number(literal)
        case .add, .sub:
            let op = try advance()
            let operand = try parseDuration(minPrecedence: 6)
            return applyUnary(op, to: operand, wrapped: false)
        case .step, .range, .maxOf, .minOf:
            return try parseDurationFunction()
        case .leftParen:
            return try parseParenDuration()
        default:
            throw unexpected()
        }
    }

    private mutating func parseDurationFunction() throws(SyntaxStop) -> Expr {
        let name = try advance()
        _ = try expect(.leftParen)
        var node = DurationExpr(op: name.kind, startPosition: name.position)
        if name.kind == .maxOf || name.kind == .minOf {
            node.lhs = try parseDuration(minPrecedence: 0)
            _ = try expect(.comma)
            node.rhs = try parseDuration(minPrecedence: 0)
        }
        let close = try expect(.rightParen)
        node.endPosition = close.range.end
        requireDurationExpressions(PositionRange(start: name.position, end: close.range.end))
        return .duration(node)
    }

    private mutating func parseParenDuration() throws(SyntaxStop) -> Expr {
        try advance()
        let inner = try parseDuration(minPrecedence: 0)
        _ = try expect(.rightParen)
        requireDurationExpressions(inner.range)
        if case .duration(var node) = inner {
            node.wrapped = true
            return .duration(node)
        }
        return inner
    }

    /// Upstream's `applyUnaryOpToDurationExpr`.
    private mutating func applyUnary(_ op: Token, to operand: Expr, wrapped: Bool) -> Expr {
        switch operand {
        case .duration(var node):
            if wrapped { node.wrapped = true }
            if op.kind == .sub {
                return .duration(DurationExpr(op: .sub, rhs: .duration(node), startPosition: op.position))
            }
            return .duration(node)
        case .number(var literal):
            if op.kind == .sub { literal.value = -literal.value }
            if Parser.outOfRange(literal.value) {
                addError("duration out of range", op.range)
                return .number(NumberLiteral(value: 0, range: PositionRange(start: 0, end: 0)))
            }
            literal.range.start = op.position
            return .number(literal)
        default:
            addError("expected number literal or duration expression", op.range)
            return .number(NumberLiteral(value: 0, range: PositionRange(start: 0, end: 0)))
        }
    }

    /// `offset_duration_expr`: a literal, `step()`, `range()`, `min_of`/`max_of` or a
    /// parenthesised duration expression, optionally signed. Arithmetic after it belongs to the
    /// enclosing expression (`foo offset 5s - 8` is `(foo offset 5s) - 8`).
    mutating func parseOffsetDuration() throws(SyntaxStop) -> Expr {
        var sign: Token?
        if token.kind == .add || token.kind == .sub { sign = try advance() }
        let operand: Expr
        switch token.kind {
        case .number, .duration:
            var literal = try parseNumberLiteral()
            if let sign {
                if sign.kind == .sub { literal.value = -literal.value }
                literal.range.start = sign.position
            }
            if Parser.outOfRange(literal.value) {
                addError("duration out of range", sign?.range ?? literal.range)
                return .number(NumberLiteral(value: 0, range: PositionRange(start: 0, end: 0)))
            }
            return .number(literal)
        case .step, .range, .maxOf, .minOf:
            operand = try parseDurationFunction()
        case .leftParen:
            operand = try parseParenDuration()
            if let sign { return applyUnary(sign, to: operand, wrapped: true) }
            return operand
        default:
            throw unexpected("offset", expected: "number, duration, step(), or range()")
        }
        guard let sign else { return operand }
        var node = DurationExpr(op: sign.kind, rhs: operand, startPosition: sign.position)
        if case .duration(var inner) = operand, inner.op == .maxOf || inner.op == .minOf, let second = inner.rhs {
            // Upstream's signed `min_of`/`max_of` rule ends both nodes at the second argument,
            // not at `)` (generated_parser.y uses `$6` there); positions match it.
            inner.endPosition = second.range.end
            node.rhs = .duration(inner)
            node.endPosition = second.range.end
        }
        requireDurationExpressions(node.range)
        return .duration(node)
    }
}
