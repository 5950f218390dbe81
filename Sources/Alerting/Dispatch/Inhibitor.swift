internal import Model

/// Inhibition (upstream's `inhibit.Inhibitor`): an alert matching a rule's target matchers is
/// muted while an unresolved alert matching its source matchers has the same values of the
/// `equal` labels, unless that source alert matches the target matchers too and so does the
/// muted one (an alert matching both sides does not inhibit itself or its peers).
package struct Inhibitor: Sendable {
    /// The rules.
    package let rules: [InhibitRule]
    /// Per rule, the alerts matching its source matchers, by fingerprint.
    private var sources: [[Fingerprint: AlertmanagerAlert]]

    /// An inhibitor of `rules` with no alerts seen yet.
    package init(rules: [InhibitRule]) {
        self.rules = rules
        sources = Array(repeating: [:], count: rules.count)
    }

    /// Takes the latest version of `alert`.
    package mutating func observe(_ alert: AlertmanagerAlert) {
        for (index, rule) in rules.enumerated() {
            sources[index][alert.fingerprint] = Self.matches(rule.sourceMatchers, alert.labels) ? alert : nil
        }
    }

    /// Forgets an alert the store dropped.
    package mutating func forget(_ fingerprint: Fingerprint) {
        for index in sources.indices { sources[index][fingerprint] = nil }
    }

    /// The fingerprints of the alerts that inhibit `labels` at `nowMs` (empty: not inhibited);
    /// the first rule that mutes decides, as upstream.
    package func inhibitors(of labels: [String: String], nowMs: Int64) -> [Fingerprint] {
        for (index, rule) in rules.enumerated() where Self.matches(rule.targetMatchers, labels) {
            let twoSided = Self.matches(rule.sourceMatchers, labels)
            let found = sources[index].values.filter { source in
                !source.isResolved(at: nowMs)
                    && rule.equal.allSatisfy { (source.labels[$0] ?? "").hasSameUTF8(as: labels[$0] ?? "") }
                    && !(twoSided && Self.matches(rule.targetMatchers, source.labels))
            }
            if let first = found.map(\.fingerprint).min() { return [first] }
        }
        return []
    }

    private static func matches(_ matchers: [Matcher], _ labels: [String: String]) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }
}
