import Synchronization
package import Model

/// Decoded selector data shared by the queries of one rule-group evaluation.
///
/// The rules of a group run at one timestamp, and rule files often repeat a selector
/// (the node_exporter mixin reads `node_filesystem_avail_bytes{…}[6h]` in two alerts). A
/// selector whose matchers occur more than once among the group's expressions is decoded
/// once per evaluation; each later use of it at the same time range takes the decoded samples.
///
/// A rule's output is visible to the rules after it: after appending, the group calls
/// `invalidate(metricNames:)` with the names it wrote, which drops every entry that could
/// select them (those whose selector does not pin `__name__` to another name). Other writers
/// (scrapes) are not tracked: all rules of one evaluation see storage as the first reader of a
/// shared selector saw it, which is one of the orders Prometheus's per-rule queriers can see.
package final class SelectionCache: Sendable {
    struct Key: Hashable {
        var matchers: [Matcher]
        var mint: Int64, maxt: Int64
        var keepStale: Bool
    }

    private let shared: Set<[Matcher]>
    private let entries = Mutex<[Key: [SeriesData]]>([:])

    /// A cache for the evaluations of `expressions` (one rule group's, in order).
    package init(sharedBy expressions: [Expr]) {
        var seen = Set<[Matcher]>(), repeated = Set<[Matcher]>()
        for expression in expressions {
            for matchers in expression.selectorMatchers where !seen.insert(matchers).inserted {
                repeated.insert(matchers)
            }
        }
        shared = repeated
    }

    /// Whether selections with `matchers` are kept.
    func caches(_ matchers: [Matcher]) -> Bool { shared.contains(matchers) }

    /// The samples loaded for `key`, if any.
    func lookup(_ key: Key) -> [SeriesData]? {
        entries.withLock { $0[key] }
    }

    /// Keeps the samples loaded for `key`.
    func store(_ data: [SeriesData], for key: Key) {
        entries.withLock { $0[key] = data }
    }

    /// Drops every entry whose selector could match a series named one of `metricNames`.
    package func invalidate(metricNames: Set<String>) {
        guard !metricNames.isEmpty else { return }
        entries.withLock { entries in
            entries = entries.filter { key, _ in
                guard let name = key.matchers.first(where: { $0.name == Labels.metricNameLabel && $0.type == .equal })?.value
                else { return false }
                return !metricNames.contains(name)
            }
        }
    }
}
