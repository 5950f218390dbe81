package import Model
package import Template

/// An alerting rule's label and annotation templates, parsed when the rule loads so that each
/// evaluation only executes them.
package struct AlertRuleTemplates: Sendable, Equatable {
    /// The rule's labels (group labels under rule labels), by name.
    package let labels: [String: ParsedAlertTemplate]
    /// The rule's annotations, by name.
    package let annotations: [String: ParsedAlertTemplate]

    /// Parses the templates of alerting rule `alertName`.
    /// - Parameters:
    ///   - labels: the labels the rule applies (`RuleGroup.labels(of:)`), unexpanded.
    ///   - annotations: the rule's annotations, unexpanded.
    package init(alertName: String, labels: [String: String], annotations: [String: String]) {
        self.labels = labels.mapValues { ParsedAlertTemplate($0, alertName: alertName) }
        self.annotations = annotations.mapValues { ParsedAlertTemplate($0, alertName: alertName) }
    }
}
