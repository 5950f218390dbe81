package import Model

extension Expr {
    /// Visits the tree depth-first, parents before children, in upstream's `Inspect` order.
    /// - Parameter visit: gets each node and its ancestors (root first); returning `false` skips
    ///   the node's children.
    package func walk(_ visit: (Expr, [Expr]) -> Bool) {
        var path: [Expr] = []
        walk(path: &path, visit)
    }

    private func walk(path: inout [Expr], _ visit: (Expr, [Expr]) -> Bool) {
        guard visit(self, path) else { return }
        path.append(self)
        for child in children { child.walk(path: &path, visit) }
        path.removeLast()
    }

    /// The matchers of every vector selector, in tree order (upstream's `ExtractSelectors`), as
    /// `/api/v1/series`-style consumers and federation need them.
    package var selectorMatchers: [[Matcher]] {
        var out: [[Matcher]] = []
        walk { node, _ in
            if case .vectorSelector(let selector) = node { out.append(selector.matchers) }
            return true
        }
        return out
    }
}
