package import Model
package import Template

/// One element of an instant-vector result, as a rule receives it from the engine.
package struct RuleResultSample: Sendable, Equatable {
    /// The series labels (`__name__` included when the expression keeps it).
    package var labels: Labels
    /// The value.
    package var value: Double

    /// An element with `labels` and `value`.
    package init(labels: Labels, value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// What a rule makes of its expression's result, without storage or clocks: recording rules'
/// series (`rules/recording.go`) and alerting rules' alert candidates (`rules/alerting.go`).
package enum RuleOutput {
    /// The series a recording rule writes: each element renamed to `record`, with the rule's
    /// labels (group labels under rule labels) set on top, an empty value removing the label.
    /// - Parameter limit: the group's `limit`; 0 is none.
    /// - Throws: `RulesError.evaluation` when two series end up with the same labels, or there
    ///   are more than `limit`, with upstream's messages.
    package static func recordedSeries(
        _ result: [RuleResultSample], record: String, labels ruleLabels: [String: String], limit: Int = 0
    ) throws(RulesError) -> [RuleResultSample] {
        var output: [RuleResultSample] = []
        output.reserveCapacity(result.count)
        var seen: Set<Labels> = []
        for sample in result {
            var builder = LabelsBuilder(sample.labels)
            builder.set(Labels.metricNameLabel, record)
            for (name, value) in ruleLabels { builder.set(name, value) }
            let labels = builder.labels()
            guard seen.insert(labels).inserted else {
                throw .evaluation(rule: record, message: "vector contains metrics with the same labelset after applying rule labels")
            }
            output.append(RuleResultSample(labels: labels, value: sample.value))
        }
        if limit > 0 && output.count > limit {
            throw .evaluation(rule: record, message: "exceeded limit of \(limit) with \(output.count) series")
        }
        return output
    }

    /// The alert candidates of an alerting rule: each element without `__name__`, with the rule's
    /// labels expanded as templates against it and set on top, `alertname` set, and the
    /// annotations expanded. A template that fails expands to `<error expanding template: …>`, as
    /// upstream, so one bad annotation does not lose the alert.
    /// - Parameters:
    ///   - templates: the rule's labels (a label whose expansion is empty is removed) and
    ///     annotations (an empty expansion is kept), parsed.
    ///   - context: external URL, evaluation time and query function for the templates.
    package static func alertCandidates(
        _ result: [RuleResultSample], alertName: String, templates: AlertRuleTemplates,
        externalLabels: Labels, context: PrometheusTemplateContext
    ) -> [AlertingRuleState.Candidate] {
        let functions = PrometheusTemplateFunctions.functions(context)
        return result.map { sample in
            func expand(_ template: ParsedAlertTemplate) -> String {
                template.expandOrDescribeError(
                    labels: sample.labels, externalLabels: externalLabels, value: sample.value,
                    externalURL: context.externalURL, functions: functions)
            }
            var builder = LabelsBuilder(sample.labels)
            builder.set(Labels.metricNameLabel, "")
            for (name, template) in templates.labels { builder.set(name, expand(template)) }
            builder.set("alertname", alertName)
            let expandedAnnotations = Annotations(templates.annotations.mapValues(expand))
            return AlertingRuleState.Candidate(labels: builder.labels(), annotations: expandedAnnotations, value: sample.value)
        }
    }
}
