package import Model

/// The type of value an expression evaluates to (upstream's `ValueType`).
package enum ValueType: String, Sendable, Equatable {
    case none, vector, scalar, matrix, string

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
    case start, end
}

/// A number literal; `isDuration` when written as a duration (`5m`), so it prints back as one.
package struct NumberLiteral: Sendable, Equatable {
    package var value: Double
    package var isDuration = false
    package var range: PositionRange
}

/// A string literal, unquoted.
package struct StringLiteral: Sendable, Equatable {
    package var value: String
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
    package var range: PositionRange
}

/// `selector[range]`.
package struct MatrixSelector: Sendable, Equatable {
    package var vectorSelector: VectorSelector
    /// The range in nanoseconds (0 when `rangeExpr` is set).
    package var rangeNanoseconds: Int64
    package var rangeExpr: DurationExpr?
    package var endPosition: Int
}

/// `expr[range:step]`.
package struct SubqueryExpr: Sendable, Equatable {
    package var expr: Expr
    package var rangeNanoseconds: Int64
    package var rangeExpr: DurationExpr?
    /// The step in nanoseconds; 0 means "the default step".
    package var stepNanoseconds: Int64
    package var stepExpr: DurationExpr?
    package var originalOffset: Int64 = 0
    package var originalOffsetExpr: DurationExpr?
    package var timestamp: Int64?
    package var startOrEnd: AtPreprocessor?
    package var endPosition: Int
}

/// `( expr )`.
package struct ParenExpr: Sendable, Equatable {
    package var expr: Expr
    package var range: PositionRange
}

/// `-expr` or `+expr` on something other than a number literal.
package struct UnaryExpr: Sendable, Equatable {
    package var op: TokenKind
    package var expr: Expr
    package var startPosition: Int
}

/// Cardinality of a vector match.
package enum VectorMatchCardinality: String, Sendable, Equatable {
    case oneToOne = "one-to-one", manyToOne = "many-to-one", oneToMany = "one-to-many"
    case manyToMany = "many-to-many"
}

/// `on`/`ignoring`, `group_left`/`group_right` and `fill` modifiers of a binary operation.
package struct VectorMatching: Sendable, Equatable {
    package var cardinality: VectorMatchCardinality = .oneToOne
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
    package var op: TokenKind
    package var lhs: Expr
    package var rhs: Expr
    package var matching: VectorMatching?
    package var returnBool = false
}

/// `op by (labels) (param, expr)`.
package struct AggregateExpr: Sendable, Equatable {
    package var op: TokenKind
    package var expr: Expr
    package var param: Expr?
    package var grouping: [String]
    package var without: Bool
    package var range: PositionRange
}

/// A function call.
package struct Call: Sendable, Equatable {
    package var function: PromQLFunction
    package var args: [Expr]
    package var range: PositionRange
}

/// Arithmetic on durations inside `[...]` and after `offset` (`step()`, `range()`,
/// `min_of`, `max_of`, `+ - * / % ^`, unary minus).
package struct DurationExpr: Sendable, Equatable {
    package var op: TokenKind
    package var lhs: Expr?
    package var rhs: Expr?
    /// Written inside parentheses.
    package var wrapped = false
    package var startPosition = 0
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
