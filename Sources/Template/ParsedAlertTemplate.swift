package import Model

/// An alert label or annotation template parsed once, when its rule loads, and executed at
/// every evaluation with that evaluation's functions: expanding an alert no longer re-parses
/// its text and rebuilds the function map for each series.
package struct ParsedAlertTemplate: Sendable, Equatable {
    /// The text as written in the rule.
    package let text: String
    /// The alert name the template is named after (`__alert_NAME`).
    package let alertName: String
    /// `nil` for plain text (no `{{`), which expands to itself.
    private let parsed: Result<TextTemplate, TemplateError>?

    /// The function names a template may call; the values are never run.
    private static let parseFunctions = PrometheusTemplateFunctions.functions(PrometheusTemplateContext())

    /// Parses `text` as the alert template of `alertName` (prelude first, as upstream). A parse
    /// error is kept and reported at expansion, as Prometheus reports it in the annotation.
    package init(_ text: String, alertName: String) {
        self.text = text
        self.alertName = alertName
        guard text.contains("{{") else {
            parsed = nil
            return
        }
        let name = "__alert_" + alertName
        var template = TextTemplate(name: name, functions: Self.parseFunctions, missingKey: .zero)
        do {
            try template.parse(AlertTemplate.prelude + text)
            parsed = .success(template)
        } catch {
            parsed = .failure(.expansion(templateName: name, parsing: true, error))
        }
    }

    /// Expands the template for one alert.
    /// - Parameter functions: `PrometheusTemplateFunctions.functions(context)` for this
    ///   evaluation, built once and shared by every alert of it.
    /// - Throws: `TemplateError.expansion` wrapping the parse or execution error.
    package func expand(
        labels: Labels, externalLabels: Labels, value: Double, externalURL: String,
        functions: [String: TemplateFunction], limits: TemplateLimits = TemplateLimits()
    ) throws(TemplateError) -> String {
        guard let parsed else { return text }
        let template = try parsed.get().binding(functions)
        let data = AlertTemplate.data(labels: labels, externalLabels: externalLabels, externalURL: externalURL, value: value)
        do {
            return try template.execute(data, limits: limits)
        } catch {
            throw .expansion(templateName: template.name, parsing: false, error)
        }
    }

    /// What Prometheus stores in an annotation or label: the expansion, or
    /// `<error expanding template: …>` when it fails.
    package func expandOrDescribeError(
        labels: Labels, externalLabels: Labels, value: Double, externalURL: String,
        functions: [String: TemplateFunction], limits: TemplateLimits = TemplateLimits()
    ) -> String {
        do {
            return try expand(labels: labels, externalLabels: externalLabels, value: value, externalURL: externalURL, functions: functions, limits: limits)
        } catch {
            return "<error expanding template: \(error)>"
        }
    }

    package static func == (lhs: ParsedAlertTemplate, rhs: ParsedAlertTemplate) -> Bool {
        lhs.text == rhs.text && lhs.alertName == rhs.alertName
    }
}
