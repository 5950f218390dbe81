package import Model

/// The type of value an expression evaluates to (upstream's `ValueType`).
package enum ValueType: String, Sendable, Equatable {
    /// No value (an unknown function).
    case none
    /// An instant vector.
    case vector
    /// A float.
    case scalar
    /// A range vector.
    case matrix
    /// A string.
    case string

    /// The name used in error messages (upstream's `DocumentedType`).
    package var documentedName: String {
        switch self {
        case .vector: "instant vector"
        case .matrix: "range vector"
        default: rawValue
        }
    }
}

/// Which end of the query range an `@ start()` / `@ end()` refers to.
package enum AtPreprocessor: Sendable, Equatable {
    /// `@ start()`.
    case start
    /// `@ end()`.
    case end
}

/// A number literal; `isDuration` when written as a duration (`5m`), so it prints back as one.
package struct NumberLiteral: Sendable, Equatable {
    /// The value (seconds for a duration).
    package var value: Double
    /// Written as a duration, so it prints as one.
    package var isDuration = false
    /// Where the literal is, sign included.
    package var range: PositionRange
}

/// A string literal, unquoted.
package struct StringLiteral: Sendable, Equatable {
    /// The unquoted value.
    package var value: String
    /// Where the literal is, quotes included.
    package var range: PositionRange
}

/// `name{matchers}` with its modifiers. Offsets are nanoseconds, timestamps milliseconds.
package struct VectorSelector: Sendable, Equatable {
    /// The metric name written before the braces, or "".
    package var name: String
    /// All matchers, including `__name__="name"` last when `name` is set.
    package var matchers: [Matcher]
    /// `offset` as written (nanoseconds, negative allowed).
    package var originalOffset: Int64 = 0
    /// `offset` as a duration expression.
    package var originalOffsetExpr: DurationExpr?
    /// `@ <timestamp>` in milliseconds.
    package var timestamp: Int64?
    /// `@ start()` / `@ end()`.
    package var startOrEnd: AtPreprocessor?
    /// `anchored` modifier (extended range selectors).
    package var anchored = false
    /// `smoothed` modifier (extended range selectors).
    package var smoothed = false
    /// Set for `info()`'s second argument, which may match the empty string.
    package var bypassEmptyMatcherCheck = false
    /// Where the selector is, modifiers included.
    package var range: PositionRange
}

/// `selector[range]`.
package struct MatrixSelector: Sendable, Equatable {
    /// The selector the range applies to.
    package var vectorSelector: VectorSelector
    /// The range in nanoseconds (0 when `rangeExpr` is set).
    package var rangeNanoseconds: Int64
    /// The range as a duration expression.
    package var rangeExpr: DurationExpr?
    /// End of the last modifier or `]`.
    package var endPosition: Int
}

/// `expr[range:step]`.
package struct SubqueryExpr: Sendable, Equatable {
    /// The instant-vector expression evaluated at each step.
    package var expr: Expr
    /// The range in nanoseconds (0 when `rangeExpr` is set).
    package var rangeNanoseconds: Int64
    /// The range as a duration expression.
    package var rangeExpr: DurationExpr?
    /// The step in nanoseconds; 0 means "the default step".
    package var stepNanoseconds: Int64
    /// The step as a duration expression.
    package var stepExpr: DurationExpr?
    /// `offset` as written, in nanoseconds.
    package var originalOffset: Int64 = 0
    /// `offset` as a duration expression.
    package var originalOffsetExpr: DurationExpr?
    /// `@ <timestamp>` in milliseconds.
    package var timestamp: Int64?
    /// `@ start()` / `@ end()`.
    package var startOrEnd: AtPreprocessor?
    /// End of the last modifier or `]`.
    package var endPosition: Int
}

/// `( expr )`.
package struct ParenExpr: Sendable, Equatable {
    /// The expression inside.
    package var expr: Expr
    /// Where the parentheses are.
    package var range: PositionRange
}

/// `-expr` or `+expr` on something other than a number literal.
package struct UnaryExpr: Sendable, Equatable {
    /// `.add` or `.sub`.
    package var op: TokenKind
    /// The operand.
    package var expr: Expr
    /// Where the sign is.
    package var startPosition: Int
}

/// Cardinality of a vector match.
package enum VectorMatchCardinality: String, Sendable, Equatable {
    /// Each series matches at most one on the other side.
    case oneToOne = "one-to-one"
    /// `group_left`.
    case manyToOne = "many-to-one"
    /// `group_right`.
    case oneToMany = "one-to-many"
    /// Set operators.
    case manyToMany = "many-to-many"
}

/// `on`/`ignoring`, `group_left`/`group_right` and `fill` modifiers of a binary operation.
package struct VectorMatching: Sendable, Equatable {
    /// One-to-one unless `group_left`/`group_right`, many-to-many for set operators.
    package var cardinality: VectorMatchCardinality = .oneToOne
    /// Labels listed in `on(...)`/`ignoring(...)`.
    package var matchingLabels: [String] = []
    /// `on` (true) or `ignoring` (false, also when no clause was written).
    package var on = false
    /// Labels listed in `group_left(...)`/`group_right(...)`.
    package var include: [String] = []
    /// `fill_left(v)` / `fill(v)`.
    package var fillLeft: Double?
    /// `fill_right(v)` / `fill(v)`.
    package var fillRight: Double?
}

/// `lhs op rhs`. `matching` is nil when an operand is a scalar.
package struct BinaryExpr: Sendable, Equatable {
    /// The operator.
    package var op: TokenKind
    /// The left operand.
    package var lhs: Expr
    /// The right operand.
    package var rhs: Expr
    /// Vector matching; nil when either side is a scalar.
    package var matching: VectorMatching?
    /// The `bool` modifier of a comparison.
    package var returnBool = false
}

/// `op by (labels) (param, expr)`.
package struct AggregateExpr: Sendable, Equatable {
    /// The aggregator (`.sum`, `.topk`, ...).
    package var op: TokenKind
    /// The aggregated vector.
    package var expr: Expr
    /// The parameter of `topk`, `quantile`, `count_values`, ...
    package var param: Expr?
    /// Labels of `by (...)` / `without (...)`.
    package var grouping: [String]
    /// Whether `grouping` lists labels to drop.
    package var without: Bool
    /// Where the aggregation is.
    package var range: PositionRange
}

/// A function call.
package struct Call: Sendable, Equatable {
    /// The called function.
    package var function: PromQLFunction
    /// The arguments.
    package var args: [Expr]
    /// Where the call is.
    package var range: PositionRange
}

/// Arithmetic on durations inside `[...]` and after `offset` (`step()`, `range()`,
/// `min_of`, `max_of`, `+ - * / % ^`, unary minus).
package struct DurationExpr: Sendable, Equatable {
    /// An arithmetic operator, `.step`, `.range`, `.minOf` or `.maxOf`.
    package var op: TokenKind
    /// The left operand (nil for unary operators and `step()`/`range()`).
    package var lhs: Expr?
    /// The right operand.
    package var rhs: Expr?
    /// Written inside parentheses.
    package var wrapped = false
    /// Where a unary operator or `step()`/`range()` starts.
    package var startPosition = 0
    /// Where `step()`/`range()`/`min_of(...)` ends.
    package var endPosition = 0

    /// Upstream's `DurationExpr.PositionRange`.
    package var range: PositionRange {
        switch (lhs, rhs) {
        case (nil, nil): PositionRange(start: startPosition, end: endPosition)
        case (let lhs?, nil): PositionRange(start: startPosition, end: lhs.range.end)
        case (nil, let rhs?): PositionRange(start: startPosition, end: rhs.range.end)
        case (let lhs?, let rhs?): PositionRange(start: lhs.range.start, end: rhs.range.end)
        }
    }
}

/// A PromQL expression.
package indirect enum Expr: Sendable, Equatable {
    // One case per node type of upstream's `ast.go` (`StepInvariantExpr` belongs to the engine).
    case number(NumberLiteral)
    case string(StringLiteral)
    case vectorSelector(VectorSelector)
    case matrixSelector(MatrixSelector)
    case subquery(SubqueryExpr)
    case paren(ParenExpr)
    case unary(UnaryExpr)
    case binary(BinaryExpr)
    case aggregate(AggregateExpr)
    case call(Call)
    case duration(DurationExpr)

    /// What the expression evaluates to.
    package var type: ValueType {
        switch self {
        case .number, .duration: .scalar
        case .string: .string
        case .vectorSelector, .aggregate: .vector
        case .matrixSelector, .subquery: .matrix
        case .paren(let paren): paren.expr.type
        case .unary(let unary): unary.expr.type
        case .binary(let binary):
            binary.lhs.type == .scalar && binary.rhs.type == .scalar ? .scalar : .vector
        case .call(let call): call.function.returnType
        }
    }

    /// Where the expression is in the query.
    package var range: PositionRange {
        switch self {
        case .number(let node): node.range
        case .string(let node): node.range
        case .vectorSelector(let node): node.range
        case .matrixSelector(let node): PositionRange(start: node.vectorSelector.range.start, end: node.endPosition)
        case .subquery(let node): PositionRange(start: node.expr.range.start, end: node.endPosition)
        case .paren(let node): node.range
        case .unary(let node): PositionRange(start: node.startPosition, end: node.expr.range.end)
        case .binary(let node): PositionRange(start: node.lhs.range.start, end: node.rhs.range.end)
        case .aggregate(let node): node.range
        case .call(let node): node.range
        case .duration(let node): node.range
        }
    }

    /// The direct children, in upstream's `Children` order.
    package var children: [Expr] {
        switch self {
        case .number, .string, .vectorSelector, .duration: []
        case .matrixSelector(let node): [.vectorSelector(node.vectorSelector)]
        case .subquery(let node): [node.expr]
        case .paren(let node): [node.expr]
        case .unary(let node): [node.expr]
        case .binary(let node): [node.lhs, node.rhs]
        case .aggregate(let node): node.param.map { [node.expr, $0] } ?? [node.expr]
        case .call(let node): node.args
        }
    }
}
