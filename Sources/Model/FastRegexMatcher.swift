/// Matches label values against an anchored RE2 expression, skipping RE2 for the shapes that
/// dominate real selectors, as Prometheus's `FastRegexMatcher` (`model/labels/regexp.go`).
package struct FastRegexMatcher: Sendable {
    /// The strategy chosen for the expression when it was compiled.
    enum Strategy: Sendable {
        /// `.*`: everything matches.
        case any
        /// `.+`: every non-empty string matches.
        case nonEmpty
        /// No meta characters: equality.
        case literal(String)
        /// `a|b|c` of literals: set membership.
        case alternatives(Set<String>)
        /// Anything else: RE2.
        case re2
    }

    let strategy: Strategy
    /// The compiled expression (always compiled, so invalid syntax is always refused).
    let re2: RE2Regex

    /// Compiles `pattern` anchored at both ends (`^(?s:pattern)$`).
    package init(_ pattern: String) throws(ModelError) {
        re2 = try RE2Regex(anchored: pattern)
        strategy = FastRegexMatcher.strategy(for: pattern)
    }

    /// Whether all of `value` matches.
    package func matches(_ value: String) -> Bool {
        switch strategy {
        case .any: true
        case .nonEmpty: !value.isEmpty
        case .literal(let literal): value == literal
        case .alternatives(let set): set.contains(value)
        case .re2: re2.matchesWhole(value)
        }
    }

    /// The finite set of values that match, when the expression is a literal or `a|b|c`.
    package var literalAlternatives: [String]? {
        switch strategy {
        case .literal(let literal): [literal]
        case .alternatives(let set): set.sorted()
        case .any, .nonEmpty, .re2: nil
        }
    }

    static func strategy(for pattern: String) -> Strategy {
        if pattern == ".*" { return .any }
        if pattern == ".+" { return .nonEmpty }
        let metaCharacters = Set("\\.+*?()|[]{}^$")
        if !pattern.contains(where: metaCharacters.contains) { return .literal(pattern) }
        let parts = pattern.split(separator: "|", omittingEmptySubsequences: false)
        if parts.count > 1, parts.allSatisfy({ !$0.contains(where: metaCharacters.contains) }) {
            return .alternatives(Set(parts.map(String.init)))
        }
        return .re2
    }
}
