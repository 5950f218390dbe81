import Model
import Synchronization

/// The head's inverted index: for every label name and value, the sorted references of the
/// series carrying that pair (upstream's `index.MemPostings`), plus the list of all series.
final class MemPostings: Sendable {
    private struct State {
        var byName: [String: [String: [SeriesRef]]] = [:]
        var all: [SeriesRef] = []
    }

    private let state = Mutex(State())

    /// Indexes a new series.
    func add(_ ref: SeriesRef, _ labels: Labels) {
        state.withLock { state in
            for label in labels {
                Postings.insert(ref, into: &state.byName[label.name, default: [:]][label.value, default: []])
            }
            Postings.insert(ref, into: &state.all)
        }
    }

    /// Runs `body` on the index under its lock (for maintenance such as deletion).
    func withState<R>(_ body: (inout [String: [String: [SeriesRef]]], inout [SeriesRef]) -> R) -> R {
        state.withLock { body(&$0.byName, &$0.all) }
    }

    /// The series matching every matcher, sorted by reference (upstream's
    /// `PostingsForMatchers` in `tsdb/querier.go`).
    ///
    /// A matcher that rejects the empty string (`job="api"`, `job=~"a.+"`, `job!=""`) selects
    /// the series whose value for its label it accepts. A matcher that accepts the empty
    /// string (`job!="api"`, `job=~"|a"`, `job=""`) also accepts series without the label, so
    /// it instead removes the series whose value it rejects. With only removing matchers the
    /// result starts from all series. Exact values (`=`, or regexes such as `a|b` through
    /// `Matcher.setMatches`) are looked up, not scanned.
    ///
    /// A matcher that scans values (`device!=""`, `path=~"/var.*"`) often accepts most of them,
    /// and the union of their lists is then far longer than what the query selects: once exact
    /// lookups have chosen candidates, each accepted value's list is intersected with those
    /// instead (a series has one value per label, so the pieces only need merging).
    func postings(for matchers: [Matcher]) -> [SeriesRef] {
        state.withLock { state in
            var include = [[SeriesRef]]()
            var scanning = [(values: [String: [SeriesRef]], matcher: Matcher)]()
            var exclude = [[SeriesRef]]()
            for matcher in matchers {
                let values = state.byName[matcher.name] ?? [:]
                if matcher.matchesEmpty {
                    exclude.append(Self.union(values, accepted: { !matcher.matches($0) }, lookup: Self.rejectedLiterals(matcher)))
                } else if let lookup = matcher.setMatches {
                    include.append(Postings.union(lookup.compactMap { values[$0] }))
                } else {
                    scanning.append((values, matcher))
                }
            }
            var result: [SeriesRef]? = include.isEmpty ? nil : Postings.intersect(include)
            for (values, matcher) in scanning {
                let lists = values.compactMap { matcher.matches($0.key) ? $0.value : nil }
                if let candidates = result {
                    result = Postings.union(lists.map { Postings.intersect([candidates, $0]) })
                } else {
                    result = Postings.union(lists)
                }
            }
            var selected = result ?? state.all
            for list in exclude { selected = Postings.subtract(selected, list) }
            return selected
        }
    }

    /// The literal values an empty-accepting matcher rejects, when finite: `!=v` rejects `v`,
    /// and `!~a|b` rejects `a` and `b`.
    private static func rejectedLiterals(_ matcher: Matcher) -> [String]? {
        switch matcher.type {
        case .notEqual: [matcher.value]
        case .regexNoMatch: (try? Matcher(.regexMatch, matcher.name, matcher.value))?.setMatches
        case .equal, .regexMatch: nil
        }
    }

    private static func union(_ values: [String: [SeriesRef]], accepted: (String) -> Bool, lookup: [String]?)
        -> [SeriesRef]
    {
        if let lookup {
            return Postings.union(lookup.compactMap { values[$0] })
        }
        return Postings.union(values.compactMap { accepted($0.key) ? $0.value : nil })
    }

    /// All label names, sorted.
    func labelNames() -> [String] {
        state.withLock { $0.byName.keys.sorted() }
    }

    /// All values of `name`, sorted.
    func labelValues(_ name: String) -> [String] {
        state.withLock { ($0.byName[name]?.keys).map { $0.sorted() } ?? [] }
    }
}
