/// How a `Matcher` compares a label value.
package enum MatchType: String, Sendable, CaseIterable {
    /// `=`: the value equals the matcher's value.
    case equal = "="
    /// `!=`: the value differs from the matcher's value.
    case notEqual = "!="
    /// `=~`: the whole value matches the regular expression.
    case regexMatch = "=~"
    /// `!~`: the whole value does not match the regular expression.
    case regexNoMatch = "!~"
}

/// A label matcher as in PromQL selectors: `name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`.
///
/// Regular expressions have RE2 (Go) syntax and are anchored at both ends, as in Prometheus.
/// An absent label matches as the empty string.
package struct Matcher: Sendable {
    /// The comparison.
    package let type: MatchType
    /// The label name.
    package let name: String
    /// The literal value or the regular expression, as written.
    package let value: String
    private let regex: FastRegexMatcher?

    /// Creates a matcher; throws if a regex does not compile.
    package init(_ type: MatchType, _ name: String, _ value: String) throws(ModelError) {
        self.type = type
        self.name = name
        self.value = value
        switch type {
        case .equal, .notEqual: regex = nil
        case .regexMatch, .regexNoMatch: regex = try FastRegexMatcher(value)
        }
    }

    /// Whether a label value (the empty string for an absent label) satisfies the matcher.
    package func matches(_ labelValue: String) -> Bool {
        switch type {
        case .equal: labelValue.hasSameUTF8(as: value)
        case .notEqual: !labelValue.hasSameUTF8(as: value)
        case .regexMatch: regex?.matches(labelValue) ?? false
        case .regexNoMatch: !(regex?.matches(labelValue) ?? false)
        }
    }

    /// Whether the matcher accepts the empty string, i.e. series without the label.
    package var matchesEmpty: Bool { matches("") }

    /// The literal values the matcher accepts when it accepts a finite set (`=`, or a regex
    /// such as `a|b|c`), else `nil`. Lets an index look values up instead of scanning them.
    package var setMatches: [String]? {
        switch type {
        case .equal: [value]
        case .regexMatch: regex?.literalAlternatives
        case .notEqual, .regexNoMatch: nil
        }
    }
}

extension Matcher: Equatable {
    package static func == (lhs: Matcher, rhs: Matcher) -> Bool {
        lhs.type == rhs.type && lhs.name == rhs.name && lhs.value == rhs.value
    }
}

extension Matcher: Hashable {
    package func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(name)
        hasher.combine(value)
    }
}

extension Matcher: CustomStringConvertible {
    /// The matcher as PromQL writes it: `job=~"api|web"`.
    package var description: String { "\(name)\(type.rawValue)\(value.quotedForPromQL)" }
}
