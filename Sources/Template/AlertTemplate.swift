package import Model

/// Expands alerting-rule annotations and labels as Prometheus does (`rules/alerting.go`): the
/// text gets a prelude binding `$labels`, `$externalLabels`, `$externalURL` and `$value`, is
/// parsed as template `__alert_NAME` with `missingkey=zero` and Prometheus's functions, and runs
/// against the alert's data.
package enum AlertTemplate {
    /// The definitions Prometheus prepends to every alert template. Columns in error messages
    /// on the first line count them, as in Prometheus.
    package static let prelude =
        "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    /// The Go type Prometheus's `AlertTemplateData` returns, as error messages name it.
    static let dataTypeName =
        "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }"

    /// The data an alert template sees (`.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`).
    package static func data(labels: Labels, externalLabels: Labels, externalURL: String, value: Double) -> TemplateValue {
        .record(TemplateRecord(typeName: dataTypeName, fields: [
            ("Labels", labelMap(labels)),
            ("ExternalLabels", labelMap(externalLabels)),
            ("ExternalURL", .string(externalURL)),
            ("Value", .float(value)),
        ], interfaceFields: ["Value"]))
    }

    private static func labelMap(_ labels: Labels) -> TemplateValue {
        var entries: [String: String] = [:]
        for label in labels { entries[label.name] = label.value }
        return .stringMap(entries)
    }

    /// Prometheus's `Expander.Expand`: parse `text` as template `name` with `missingkey=zero`
    /// and run it on `data`.
    /// - Throws: `TemplateError.expansion(templateName:parsing:_)`.
    package static func expand(
        _ text: String, name: String, data: TemplateValue, context: PrometheusTemplateContext,
        limits: TemplateLimits = TemplateLimits()
    ) throws(TemplateError) -> String {
        var template = TextTemplate(name: name, functions: PrometheusTemplateFunctions.functions(context), missingKey: .zero)
        do {
            try template.parse(text)
        } catch {
            throw .expansion(templateName: name, parsing: true, error)
        }
        do {
            return try template.execute(data, limits: limits)
        } catch {
            throw .expansion(templateName: name, parsing: false, error)
        }
    }
}
