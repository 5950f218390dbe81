package import Model
package import PromQL
internal import Template

extension RuleFile {
    /// Every semantic problem with the file, in the order `rulefmt.RuleGroups.Validate` finds
    /// them: per group its name, then its labels, then each rule's problems. Empty when the
    /// file is valid.
    ///
    /// Expressions are parsed and type-checked; as in Prometheus, the *result* type is not
    /// checked here (a range-vector expression loads and fails at evaluation), so what
    /// `promtool check rules` accepts, this accepts.
    /// - Parameters:
    ///   - scheme: which names are valid; Prometheus 3 defaults to UTF-8.
    ///   - parserOptions: the PromQL features enabled (`--enable-feature`).
    package func validate(scheme: NameValidationScheme = .utf8, parserOptions: ParserOptions = ParserOptions()) -> [RulesError] {
        var errors: [RulesError] = []
        var seen: Set<String> = []
        let templateFunctions = PrometheusTemplateFunctions.functions(PrometheusTemplateContext())
        for group in groups {
            if group.name.isEmpty {
                errors.append(.group(message: "Groupname must not be empty", position: group.position))
            }
            if !seen.insert(group.name).inserted {
                errors.append(.group(message: "groupname: \(GoQuote.quote(group.name)) is repeated in the same file", position: group.position))
            }
            for name in group.labels.keys.sorted() where !scheme.isValidLabelName(name) || name == Labels.metricNameLabel {
                errors.append(.group(message: "invalid label name: \(name)", position: nil))
            }
            for (index, rule) in group.rules.enumerated() {
                for (message, position, alternate) in rule.problems(scheme: scheme, parserOptions: parserOptions, templateFunctions: templateFunctions) {
                    errors.append(.rule(group: group.name, index: index + 1, name: rule.name, position: position, alternate: alternate, message: message))
                }
            }
        }
        return errors
    }
}

extension Rule {
    /// The rule's problems as `rulefmt.Rule.Validate` lists them: message, position, and the
    /// second position for `record`/`alert` conflicts. Map keys are visited sorted (Go visits
    /// them in random order).
    func problems(
        scheme: NameValidationScheme, parserOptions: ParserOptions, templateFunctions: [String: TemplateFunction]
    ) -> [(String, SourcePosition?, SourcePosition?)] {
        var problems: [(String, SourcePosition?, SourcePosition?)] = []
        if !record.isEmpty && !alert.isEmpty {
            problems.append(("only one of 'record' and 'alert' must be set", recordPosition, alertPosition))
        }
        if record.isEmpty && alert.isEmpty {
            problems.append(("one of 'record' or 'alert' must be set", recordPosition, alertPosition))
        }
        if expr.isEmpty {
            problems.append(("field 'expr' must be set in rule", exprPosition, nil))
        } else {
            do {
                _ = try PromQLParser.parse(expr, options: parserOptions)
            } catch {
                problems.append(("could not parse expression: \(error)", exprPosition, nil))
            }
        }
        if !record.isEmpty {
            if !annotations.isEmpty {
                problems.append(("invalid field 'annotations' in recording rule", recordPosition, nil))
            }
            if holdDuration != .zero {
                problems.append(("invalid field 'for' in recording rule", recordPosition, nil))
            }
            if keepFiringFor != .zero {
                problems.append(("invalid field 'keep_firing_for' in recording rule", recordPosition, nil))
            }
            if !scheme.isValidMetricName(record) {
                problems.append(("invalid recording rule name: \(record)", recordPosition, nil))
            }
            // A valid UTF-8 name, but almost always a PromQL selector put in the wrong field.
            if record.contains("{") || record.contains("}") {
                problems.append(("braces present in the recording rule name; should it be in expr?: \(record)", recordPosition, nil))
            }
        }
        for name in labels.keys.sorted() where !scheme.isValidLabelName(name) || name == Labels.metricNameLabel {
            problems.append(("invalid label name: \(name)", nil, nil))
        }
        for name in annotations.keys.sorted() where !scheme.isValidLabelName(name) {
            problems.append(("invalid annotation name: \(name)", nil, nil))
        }
        if isAlerting {
            for (kind, map) in [("label", labels), ("annotation", annotations)] {
                for name in map.keys.sorted() {
                    if let error = templateParseError(map[name] ?? "", functions: templateFunctions) {
                        problems.append(("\(kind) \(GoQuote.quote(name)): \(error)", nil, nil))
                    }
                }
            }
        }
        return problems
    }

    /// Parses `text` as Prometheus's template expander's `ParseTest` does (the alert prelude
    /// first, template name `__alert_NAME`); the error, or `nil` when it parses.
    private func templateParseError(_ text: String, functions: [String: TemplateFunction]) -> TemplateError? {
        var template = TextTemplate(name: "__alert_" + alert, functions: functions, missingKey: .zero)
        do {
            try template.parse(AlertTemplate.prelude + text)
            return nil
        } catch {
            return error
        }
    }
}
