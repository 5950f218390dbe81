/// One relabeling step, as a `relabel_configs` entry in `prometheus.yml`, with Prometheus's
/// defaults (`model/relabel/relabel.go`): separator `;`, regex `(.*)`, replacement `$1`,
/// action `replace`.
package struct RelabelConfig: Sendable, Equatable {
    /// What the step does.
    package enum Action: String, Sendable, CaseIterable {
        case replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep
        case lowercase, uppercase
    }

    /// Labels whose values are joined with `separator` to form the input of the step.
    package var sourceLabels: [String]
    /// Joins the source label values; `;` by default.
    package var separator: String
    /// The expression the joined value is matched against, anchored at both ends; `(.*)` by default.
    package var regex: String
    /// For `hashmod`: the modulus applied to the hash of the joined value.
    package var modulus: UInt64
    /// The label written by `replace`, `hashmod`, `lowercase`, `uppercase`; compared by `keepequal`/`dropequal`.
    package var targetLabel: String
    /// The value written, with `$1`, `${1}` and `${name}` references to regex groups; `$1` by default.
    package var replacement: String
    /// The action; `replace` by default.
    package var action: Action

    /// Creates a step; every argument defaults as in Prometheus.
    package init(
        sourceLabels: [String] = [],
        separator: String = ";",
        regex: String = "(.*)",
        modulus: UInt64 = 0,
        targetLabel: String = "",
        replacement: String = "$1",
        action: Action = .replace
    ) {
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.regex = regex
        self.modulus = modulus
        self.targetLabel = targetLabel
        self.replacement = replacement
        self.action = action
    }
}
