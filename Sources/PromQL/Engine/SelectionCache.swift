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
        /// Whether only each series' newest sample was kept.
        var lastOnly: Bool
    }

    /// A linear regression over each series of a cached selection, at one time: the mixin
    /// predicts the same `[6h]` windows 4 h and 24 h ahead in two rules.
    struct RegressionKey: Hashable {
        var selection: Key
        var end: Int64, range: Int64
        var interceptTime: Int64
    }

    /// A series window's least-squares line; `nil` for a window of fewer than two samples.
    typealias Regression = (slope: Double, intercept: Double)?

    /// Per shared selector, the index of the last expression reading it.
    private let lastUse: [[Matcher]: Int]
    private let entries = Mutex<[Key: [SeriesData]]>([:])
    private let regressions = Mutex<[RegressionKey: [Regression]]>([:])
    /// The label table of every query using the cache: cached series carry IDs in it.
    /// Unsynchronised: the queries of one group evaluation run one after another, and so do
    /// the group's evaluations, which hand it on.
    nonisolated(unsafe) let table: LabelTable
    /// How many sets `table` may hold before the next evaluation starts a new one: twice what
    /// it held after its first evaluation (and 1,024 more), so series that come and go do not
    /// grow it without bound. `nil` during the table's first evaluation.
    private let tableLimit: Int?

    /// A cache for the evaluations of `expressions` (one rule group's, in order), taking over
    /// the label table of the group's previous evaluation (`previous`) while it is within its
    /// bound.
    package init(sharedBy expressions: [Expr], after previous: SelectionCache? = nil) {
        if let previous, previous.table.count <= previous.tableLimit ?? .max {
            table = previous.table
            tableLimit = previous.tableLimit ?? 2 * previous.table.count + 1024
        } else {
            table = LabelTable()
            tableLimit = nil
        }
        var seen = Set<[Matcher]>()
        var lastUse: [[Matcher]: Int] = [:]
        for (index, expression) in expressions.enumerated() {
            for matchers in expression.selectorMatchers where !seen.insert(matchers).inserted {
                lastUse[matchers] = index
            }
        }
        self.lastUse = lastUse
    }

    /// Whether selections with `matchers` are kept.
    func caches(_ matchers: [Matcher]) -> Bool { lastUse[matchers] != nil }

    /// Drops what only expressions up to `index` read, once they have run: the decoded windows
    /// of a `[6h]` selector need not outlive their last rule (the group's peak memory).
    package func finished(expression index: Int) {
        func keeps(_ key: Key) -> Bool { (lastUse[key.matchers] ?? index) > index }
        entries.withLock { entries in entries = entries.filter { keeps($0.key) } }
        regressions.withLock { regressions in regressions = regressions.filter { keeps($0.key.selection) } }
    }

    /// The samples loaded for `key`, if any.
    func lookup(_ key: Key) -> [SeriesData]? {
        entries.withLock { $0[key] }
    }

    /// Keeps the samples loaded for `key`.
    func store(_ data: [SeriesData], for key: Key) {
        entries.withLock { $0[key] = data }
    }

    /// The regressions computed for `key`, one per series of its selection, if any.
    func lookup(_ key: RegressionKey) -> [Regression]? {
        regressions.withLock { $0[key] }
    }

    /// Keeps the regressions computed for `key`.
    func store(_ values: [Regression], for key: RegressionKey) {
        regressions.withLock { $0[key] = values }
    }

    /// Drops every entry whose selector could match a series named one of `metricNames`, and
    /// what was derived from it.
    package func invalidate(metricNames: Set<String>) {
        guard !metricNames.isEmpty else { return }
        func keeps(_ key: Key) -> Bool {
            guard let name = key.matchers.first(where: { $0.name == Labels.metricNameLabel && $0.type == .equal })?.value
            else { return false }
            return !metricNames.contains(name)
        }
        entries.withLock { entries in entries = entries.filter { keeps($0.key) } }
        regressions.withLock { regressions in regressions = regressions.filter { keeps($0.key.selection) } }
    }
}
