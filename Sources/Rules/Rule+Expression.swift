package import PromQL

extension Rule {
    /// The rule's `expr`, parsed and type-checked.
    /// - Throws: `PromQLError.parse` with upstream's message and position.
    package func parsedExpression(options: ParserOptions = ParserOptions()) throws(PromQLError) -> Expr {
        try PromQLParser.parse(expr, options: options)
    }

    /// Why an expression of `type` cannot be a rule's result, or `nil` when it can: a rule's
    /// result must be an instant vector or a scalar. Prometheus loads such a rule and fails each
    /// evaluation with this message (`rules/manager.go`'s `EngineQueryFunc`); the evaluator
    /// reports it the same way.
    package static func resultTypeProblem(_ type: ValueType) -> String? {
        switch type {
        case .vector, .scalar: nil
        case .matrix, .string, .none: "rule result is not a vector or scalar"
        }
    }
}
