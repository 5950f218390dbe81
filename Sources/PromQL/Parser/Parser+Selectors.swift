import Model

extension Parser {
    // MARK: - Vector selectors

    /// `name`, `name{...}` or `{...}`; the name matcher goes last, as upstream's `assembleVectorSelector`.
    mutating func parseSelector(name: Token?) throws(SyntaxStop) -> VectorSelector {
        var matchers: [Matcher] = []
        var range = name?.range ?? token.range
        if token.kind == .leftBrace {
            let open = try advance()
            matchers = try parseLabelMatchers()
            range = PositionRange(start: name?.position ?? open.position, end: lastClosing)
        }
        if let name {
            if let matcher = try? Matcher(.equal, "__name__", name.text) { matchers.append(matcher) }
        }
        return VectorSelector(name: name?.text ?? "", matchers: matchers, range: range)
    }

    private static func matchType(_ kind: TokenKind) -> MatchType? {
        switch kind {
        case .assign: .equal
        case .neq: .notEqual
        case .eqlRegex: .regexMatch
        case .neqRegex: .regexNoMatch
        default: nil
        }
    }

    /// The list after `{` up to and including `}`.
    mutating func parseLabelMatchers() throws(SyntaxStop) -> [Matcher] {
        var matchers: [Matcher] = []
        while token.kind != .rightBrace {
            let label = token
            let name: String
            switch token.kind {
            case .identifier:
                try advance()
                name = label.text
                guard Parser.matchType(token.kind) != nil else {
                    throw unexpected("label matching", expected: "label matching operator")
                }
            case .string:
                try advance()
                name = unquote(label)
            default:
                throw unexpected("label matching", expected: "identifier or \"}\"")
            }
            if let type = Parser.matchType(token.kind) {
                try advance()
                guard token.kind == .string else { throw unexpected("label matching", expected: "string") }
                let valueToken = try advance()
                let value = unquote(valueToken)
                do {
                    matchers.append(try Matcher(type, name, value))
                } catch {
                    addError(error.description, PositionRange(start: label.position, end: valueToken.range.end))
                }
            } else if let matcher = try? Matcher(.equal, "__name__", name) {
                matchers.append(matcher)
            }
            if token.kind == .comma {
                try advance()
                continue
            }
            if token.kind != .rightBrace { throw unexpected("label matching", expected: "\",\" or \"}\"") }
        }
        try advance()
        return matchers
    }

    // MARK: - Postfix modifiers

    /// `[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed`: they bind tighter than
    /// every operator, so they attach to the operand just parsed.
    mutating func parsePostfix(_ start: Expr) throws(SyntaxStop) -> Expr {
        var expr = start
        var wrapped = 0
        defer { ascend(wrapped) }
        while true {
            switch token.kind {
            case .leftBracket:
                wrapped += 1
                try descend()
                expr = try parseRangeOrSubquery(expr)
            case .offset:
                try advance()
                let offset = try parseOffsetDuration()
                if case .number(let literal) = offset {
                    expr = setOffset(expr, nanoseconds: NumberParsing.nanoseconds(fromSeconds: literal.value), expr: nil)
                } else if case .duration(let duration) = offset {
                    expr = setOffset(expr, nanoseconds: 0, expr: duration)
                }
            case .at:
                try advance()
                expr = try parseAt(expr)
            case .anchored, .smoothed:
                let anchored = try advance().kind == .anchored
                expr = setExtended(expr, anchored: anchored)
            default:
                return expr
            }
        }
    }

    private mutating func parseRangeOrSubquery(_ expr: Expr) throws(SyntaxStop) -> Expr {
        let open = try advance()
        guard Parser.startsDuration(token.kind) else {
            throw unexpected("subquery or range selector", expected: "number, duration, step(), or range()")
        }
        bracketContext = ("subquery or range selector", "number, duration, step(), or range()")
        let range = try parsePositiveDuration()
        bracketContext = nil
        if token.kind == .rightBracket {
            let close = try advance()
            guard case .vectorSelector(let selector) = expr else {
                addError("ranges only allowed for vector selectors", PositionRange(start: open.position, end: close.range.end))
                return expr
            }
            let problem = selector.originalOffset != 0 || selector.originalOffsetExpr != nil
                ? "no offset modifiers allowed before range"
                : selector.timestamp != nil ? "no @ modifiers allowed before range" : nil
            if let problem { addError(problem, PositionRange(start: open.position, end: close.range.end)) }
            let (nanoseconds, rangeExpr) = Parser.split(range)
            return .matrixSelector(MatrixSelector(vectorSelector: selector, rangeNanoseconds: nanoseconds,
                                                  rangeExpr: rangeExpr, endPosition: lastClosing))
        }
        guard token.kind == .colon else { throw unexpected("subquery or range", expected: "\":\" or \"]\"") }
        try advance()
        var step: Expr?
        if token.kind != .rightBracket {
            guard Parser.startsDuration(token.kind) else {
                throw unexpected("subquery selector", expected: "number, duration, step(), range(), or \"]\"")
            }
            bracketContext = ("subquery selector", "number, duration, step(), range(), or \"]\"")
            step = try parsePositiveDuration()
            bracketContext = nil
            guard token.kind == .rightBracket else { throw unexpected("subquery selector", expected: "\"]\"") }
        }
        let close = try advance()
        let (rangeNanoseconds, rangeExpr) = Parser.split(range)
        let (stepNanoseconds, stepExpr) = step.map(Parser.split) ?? (0, nil)
        return .subquery(SubqueryExpr(expr: expr, rangeNanoseconds: rangeNanoseconds, rangeExpr: rangeExpr,
                                      stepNanoseconds: stepNanoseconds, stepExpr: stepExpr,
                                      endPosition: close.range.end))
    }

    private static func split(_ duration: Expr) -> (Int64, DurationExpr?) {
        switch duration {
        case .number(let literal): (NumberParsing.nanoseconds(fromSeconds: literal.value), nil)
        case .duration(let expr): (0, expr)
        default: (0, nil)
        }
    }

    private mutating func setOffset(_ expr: Expr, nanoseconds: Int64, expr offsetExpr: DurationExpr?) -> Expr {
        func apply(_ offset: inout Int64, _ existing: inout DurationExpr?) {
            if offset != 0 || existing != nil {
                addError("offset may not be set multiple times", expr.range)
            } else if let offsetExpr {
                existing = offsetExpr
            } else {
                offset = nanoseconds
            }
        }
        switch expr {
        case .vectorSelector(var node):
            apply(&node.originalOffset, &node.originalOffsetExpr)
            node.range.end = lastClosing
            return .vectorSelector(node)
        case .matrixSelector(var node):
            apply(&node.vectorSelector.originalOffset, &node.vectorSelector.originalOffsetExpr)
            node.endPosition = lastClosing
            return .matrixSelector(node)
        case .subquery(var node):
            apply(&node.originalOffset, &node.originalOffsetExpr)
            node.endPosition = lastClosing
            return .subquery(node)
        default:
            addError("offset modifier must be preceded by an instant vector selector or range vector selector or a subquery", expr.range)
            return expr
        }
    }

    private mutating func parseAt(_ expr: Expr) throws(SyntaxStop) -> Expr {
        var timestamp: Int64?
        var preprocessor: AtPreprocessor?
        switch token.kind {
        case .start, .end:
            preprocessor = token.kind == .start ? .start : .end
            try advance()
            guard token.kind == .leftParen else { throw unexpected("@", expected: "timestamp") }
            try advance()
            guard token.kind == .rightParen else { throw unexpected("@", expected: "timestamp") }
            try advance()
        case .add, .sub, .number, .duration:
            var negate = false
            if token.kind == .add || token.kind == .sub {
                negate = try advance().kind == .sub
                guard token.kind == .number || token.kind == .duration else { throw unexpected("@", expected: "timestamp") }
            }
            let literal = try parseNumberLiteral()
            let seconds = negate ? -literal.value : literal.value
            if !seconds.isFinite || seconds >= 9.223372036854775807e18 || seconds <= -9.223372036854775808e18 {
                addError("timestamp out of bounds for @ modifier: \(Printer.goFixed(seconds))", expr.range)
            }
            timestamp = NumberParsing.saturatingInt64((seconds * 1000).rounded())
        default:
            throw unexpected("@", expected: "timestamp")
        }
        func apply(_ existingTimestamp: inout Int64?, _ existingPreprocessor: inout AtPreprocessor?) -> Bool {
            if existingTimestamp != nil || existingPreprocessor != nil {
                addError("@ <timestamp> may not be set multiple times", expr.range)
                return false
            }
            existingTimestamp = timestamp
            existingPreprocessor = preprocessor
            return true
        }
        switch expr {
        case .vectorSelector(var node):
            if apply(&node.timestamp, &node.startOrEnd) { node.range.end = lastClosing }
            return .vectorSelector(node)
        case .matrixSelector(var node):
            if apply(&node.vectorSelector.timestamp, &node.vectorSelector.startOrEnd) { node.endPosition = lastClosing }
            return .matrixSelector(node)
        case .subquery(var node):
            if apply(&node.timestamp, &node.startOrEnd) { node.endPosition = lastClosing }
            return .subquery(node)
        default:
            addError("@ modifier must be preceded by an instant vector selector or range vector selector or a subquery", expr.range)
            return expr
        }
    }

    private mutating func setExtended(_ expr: Expr, anchored: Bool) -> Expr {
        let name = anchored ? "anchored" : "smoothed"
        guard options.extendedRangeSelectors else {
            addError("\(name) modifier is experimental and not enabled", expr.range)
            return expr
        }
        func apply(_ selector: inout VectorSelector) {
            if anchored { selector.anchored = true } else { selector.smoothed = true }
            if selector.anchored, selector.smoothed {
                addError("anchored and smoothed modifiers cannot be used together", expr.range)
            }
        }
        switch expr {
        case .vectorSelector(var node):
            apply(&node)
            return .vectorSelector(node)
        case .matrixSelector(var node):
            apply(&node.vectorSelector)
            return .matrixSelector(node)
        case .subquery:
            addError("\(name) modifier is not supported for subqueries", expr.range)
        default:
            addError("\(name) modifier not implemented", expr.range)
        }
        return expr
    }
}
