/// The multi-line form of `/api/v1/format_query`, as upstream's `prettier.go` (`Prettify`):
/// a node whose one-line form is longer than the limit is split, its children indented by two
/// spaces per level.
extension Expr {
    /// The expression formatted for humans.
    /// - Parameter maxLineLength: upstream's `maxCharactersPerLine` (100); one-line forms longer
    ///   than this many bytes are split.
    package func formatted(maxLineLength: Int = 100) -> String {
        pretty(level: 0, limit: maxLineLength)
    }

    private static func indent(_ level: Int) -> String { String(repeating: "  ", count: level) }

    private func pretty(level: Int, limit: Int) -> String {
        let oneLine = description
        let split = oneLine.utf8.count > limit
        let indent = Expr.indent(level)
        switch self {
        case .aggregate(let node):
            guard split else { return indent + oneLine }
            var out = indent + (node.op.spelling ?? "")
            if node.without {
                out += " without (" + Printer.labelList(node.grouping) + ") "
            } else if !node.grouping.isEmpty {
                out += " by (" + Printer.labelList(node.grouping) + ") "
            }
            out += "(\n"
            if let param = node.param { out += param.pretty(level: level + 1, limit: limit) + ",\n" }
            return out + node.expr.pretty(level: level + 1, limit: limit) + "\n" + indent + ")"
        case .binary(let node):
            guard split else { return indent + oneLine }
            // Upstream puts no indentation before a split binary expression's first operand line
            // beyond the operand's own.
            return node.lhs.pretty(level: level + 1, limit: limit) + "\n" + indent + (node.op.spelling ?? "")
                + (node.returnBool ? " bool" : "") + Printer.matching(node) + "\n"
                + node.rhs.pretty(level: level + 1, limit: limit)
        case .call(let node):
            guard split else { return indent + oneLine }
            let args = node.args.map { $0.pretty(level: level + 1, limit: limit) }.joined(separator: ",\n")
            return indent + node.function.name + "(\n" + args + "\n" + indent + ")"
        case .paren(let node):
            guard split else { return indent + oneLine }
            return indent + "(\n" + node.expr.pretty(level: level + 1, limit: limit) + "\n" + indent + ")"
        case .subquery(let node):
            // Upstream does not indent an unsplit subquery.
            guard split else { return oneLine }
            let inner = node.expr.description
            let suffix = String(oneLine.utf8.dropFirst(inner.utf8.count)) ?? ""
            return node.expr.pretty(level: level, limit: limit) + suffix
        case .unary(let node):
            let child = node.expr.pretty(level: level, limit: limit)
            return indent + (node.op.spelling ?? "") + child.trimmingSpaces()
        case .duration:
            return oneLine
        case .number, .string, .vectorSelector, .matrixSelector:
            return indent + oneLine
        }
    }
}

extension String {
    /// Go's `strings.TrimSpace` for the ASCII whitespace the pretty printer produces.
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
