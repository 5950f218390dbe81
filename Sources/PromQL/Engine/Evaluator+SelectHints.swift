import TSDB

/// What `SelectHints` need to know of a node enclosing a selector (upstream's
/// `extractFuncFromPath`/`extractGroupsFromPath` read the same from the parser's path).
enum SelectionAncestor: Sendable {
    /// An aggregation: its operator and grouping.
    case aggregate(op: String, grouping: [String], by: Bool)
    /// A function call.
    case call(String)
    /// A binary operation: the function search stops there.
    case binary
    /// Anything else (parentheses, unary minus, subqueries, the range selector itself).
    case other

    /// The ancestor `expr` is to the nodes below it; `nil` for a vector selector, which
    /// encloses nothing the engine evaluates (upstream's path ends at its parent).
    init?(_ expr: Expr) {
        switch expr {
        case .vectorSelector: return nil
        case .aggregate(let node): self = .aggregate(op: node.op.spelling ?? "", grouping: node.grouping, by: !node.without)
        case .call(let node): self = .call(node.function.name)
        case .binary: self = .binary
        default: self = .other
        }
    }
}

extension Evaluator {
    /// The hints of a selection made now, under `ancestors`, as upstream's `populateSeries`
    /// fills them: the step (of the innermost subquery, else the query's; 0 for an instant
    /// query), the range of a range selector, the innermost function or aggregation unless a
    /// binary operator comes first, and the grouping of an aggregation directly around it.
    func selectHints(range: Int64) -> SelectHints {
        var function = ""
        search: for ancestor in ancestors.reversed() {
            switch ancestor {
            case .aggregate(let op, _, _): function = op; break search
            case .call(let name): function = name; break search
            case .binary: break search
            case .other: continue
            }
        }
        var hints = SelectHints(step: hintStep, range: range, function: function)
        if case .aggregate(_, let grouping, let by) = ancestors.last {
            hints.grouping = grouping
            hints.by = by
        }
        return hints
    }
}
