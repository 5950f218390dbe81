package import Model

/// The routing tree flattened for dispatch: each node with its resolved settings, its key
/// (upstream's `Route.Key`: the parent's key, `/`, then the node's sorted matchers in braces)
/// and its children's indices. Node 0 is the root.
package struct RouteTree: Sendable {
    /// One node.
    package struct Node: Sendable {
        package var route: Route
        package var key: String
        package var children: [Int]
    }

    /// The nodes, root first.
    package private(set) var nodes: [Node] = []

    /// Flattens `root`.
    package init(_ root: Route) {
        add(root, parentKey: nil)
    }

    @discardableResult
    private mutating func add(_ route: Route, parentKey: String?) -> Int {
        let own = "{" + route.matchers.sorted(by: Self.matcherOrder).map(\.description).joined(separator: ",") + "}"
        let key = parentKey.map { $0 + "/" + own } ?? own
        let index = nodes.count
        nodes.append(Node(route: route, key: key, children: []))
        for child in route.routes {
            let childIndex = add(child, parentKey: key)
            nodes[index].children.append(childIndex)
        }
        return index
    }

    /// Go's `labels.Matchers` order: name, value, then type.
    private static func matcherOrder(_ a: Matcher, _ b: Matcher) -> Bool {
        if !a.name.hasSameUTF8(as: b.name) { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
        if !a.value.hasSameUTF8(as: b.value) { return a.value.utf8.lexicographicallyPrecedes(b.value.utf8) }
        let order = MatchType.allCases
        return (order.firstIndex(of: a.type) ?? 0) < (order.firstIndex(of: b.type) ?? 0)
    }

    /// The indices of the nodes `labels` is routed to, as `Route.match` finds them.
    package func match(_ labels: [String: String]) -> [Int] {
        match(labels, at: 0)
    }

    private func match(_ labels: [String: String], at index: Int) -> [Int] {
        let node = nodes[index]
        guard node.route.matchesOwn(labels) else { return [] }
        var matched: [Int] = []
        for child in node.children {
            let found = match(labels, at: child)
            matched += found
            if !found.isEmpty && !nodes[child].route.continue { break }
        }
        return matched.isEmpty ? [index] : matched
    }

    /// The labels of `labels` that the node groups by.
    package func groupLabels(_ labels: [String: String], node index: Int) -> [String: String] {
        let route = nodes[index].route
        if route.groupByAll { return labels }
        var result: [String: String] = [:]
        for name in route.groupBy { if let value = labels[name] { result[name] = value } }
        return result
    }
}

/// Go's `model.LabelSet.String`: `{a="1", b="2"}` in name order, values quoted.
package enum LabelSetText {
    package static func format(_ labels: [String: String]) -> String {
        let names = labels.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return "{" + names.map { "\($0)=\((labels[$0] ?? "").quotedForPromQL)" }.joined(separator: ", ") + "}"
    }
}
