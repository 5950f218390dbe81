internal import Model

/// Inhibition (upstream's `inhibit.Inhibitor`): an alert matching a rule's target matchers is
/// muted while an unresolved alert matching its source matchers has the same values of the
/// `equal` labels, unless that source alert matches the target matchers too and so does the
/// muted one (an alert matching both sides does not inhibit itself or its peers).
package struct Inhibitor: Sendable {
    /// The rules.
    package let rules: [InhibitRule]
    /// Per rule, the alerts matching its source matchers, by the values of the rule's `equal`
    /// labels (so finding an inhibitor looks at the alerts that can inhibit, not at all), and the
    /// key each alert is filed under.
    private var sources: [[String: [Fingerprint: AlertmanagerAlert]]]
    private var keys: [[Fingerprint: String]]

    /// An inhibitor of `rules` with no alerts seen yet.
    package init(rules: [InhibitRule]) {
        self.rules = rules
        sources = Array(repeating: [:], count: rules.count)
        keys = Array(repeating: [:], count: rules.count)
    }

    /// Takes the latest version of `alert`.
    package mutating func observe(_ alert: AlertmanagerAlert) {
        for (index, rule) in rules.enumerated() {
            remove(alert.fingerprint, rule: index)
            guard Self.matches(rule.sourceMatchers, alert.labels) else { continue }
            let key = Self.key(rule, alert.labels)
            sources[index][key, default: [:]][alert.fingerprint] = alert
            keys[index][alert.fingerprint] = key
        }
    }

    /// Forgets an alert the store dropped.
    package mutating func forget(_ fingerprint: Fingerprint) {
        for index in rules.indices { remove(fingerprint, rule: index) }
    }

    private mutating func remove(_ fingerprint: Fingerprint, rule index: Int) {
        guard let key = keys[index].removeValue(forKey: fingerprint) else { return }
        sources[index][key]?[fingerprint] = nil
        if sources[index][key]?.isEmpty == true { sources[index][key] = nil }
    }

    /// The values of the rule's `equal` labels (absent as empty), joined by 0xFF, which no UTF-8 holds.
    private static func key(_ rule: InhibitRule, _ labels: [String: String]) -> String {
        rule.equal.map { labels[$0] ?? "" }.joined(separator: "\u{FF}")
    }

    /// The fingerprints of the alerts that inhibit `labels` at `nowMs` (empty: not inhibited);
    /// the first rule that mutes decides, as upstream.
    package func inhibitors(of labels: [String: String], nowMs: Int64) -> [Fingerprint] {
        for (index, rule) in rules.enumerated() where Self.matches(rule.targetMatchers, labels) {
            guard let candidates = sources[index][Self.key(rule, labels)] else { continue }
            let twoSided = Self.matches(rule.sourceMatchers, labels)
            var found: Fingerprint?
            for source in candidates.values where !source.isResolved(at: nowMs) {
                if twoSided && Self.matches(rule.targetMatchers, source.labels) { continue }
                if found.map({ source.fingerprint < $0 }) ?? true { found = source.fingerprint }
            }
            if let found { return [found] }
        }
        return []
    }

    private static func matches(_ matchers: [Matcher], _ labels: [String: String]) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }
}
