package import Model
package import PromQL

/// A rule ready to evaluate: as written, with its expression parsed.
package struct LoadedRule: Sendable, Equatable {
    /// The rule as written.
    package var rule: Rule
    /// `expr`, parsed and type-checked.
    package var expression: Expr
    /// An alerting rule's templates (group labels included), parsed; `nil` for a recording rule.
    package var alertTemplates: AlertRuleTemplates?

    /// `rule` of `group`, with its expression parsed.
    /// - Throws: the parse error of `expr`.
    package init(rule: Rule, in group: RuleGroup, options: ParserOptions) throws(PromQLError) {
        self.rule = rule
        expression = try rule.parsedExpression(options: options)
        alertTemplates = rule.alert.isEmpty
            ? nil : AlertRuleTemplates(alertName: rule.alert, labels: group.labels(of: rule), annotations: rule.annotations)
    }
}

/// A group ready to schedule: its file, its rules, and the interval and offset it runs with
/// once the global defaults are applied (upstream's `Manager.LoadGroups`).
package struct LoadedRuleGroup: Sendable, Equatable {
    /// The file the group came from.
    package var file: String
    /// The group as written (name, limit, labels).
    package var group: RuleGroup
    /// `interval`, else `global.evaluation_interval`.
    package var interval: Duration
    /// `query_offset`, else `global.rule_query_offset`.
    package var queryOffset: Duration
    /// The rules in evaluation order.
    package var rules: [LoadedRule]

    /// Identifies the group across reloads: file and name, as upstream's `GroupKey`.
    package var key: String { file + ";" + group.name }
}

/// Loads the rule files a config names, all or nothing, as the rule manager does on start-up
/// and reload.
package enum RuleGroupLoader {
    /// Reads, validates and parses every file.
    /// - Parameters:
    ///   - files: the rule files (globs already expanded), in order.
    ///   - evaluationInterval: `global.evaluation_interval`, for groups without `interval`.
    ///   - queryOffset: `global.rule_query_offset`, for groups without `query_offset`.
    /// - Returns: the groups of all files, in file order.
    /// - Throws: `RulesError.several` with every error of every file, when any file is invalid.
    package static func load(
        files: [String], evaluationInterval: Duration, queryOffset: Duration,
        scheme: NameValidationScheme = .utf8, parserOptions: ParserOptions = ParserOptions()
    ) throws(RulesError) -> [LoadedRuleGroup] {
        var groups: [LoadedRuleGroup] = []
        var errors: [RulesError] = []
        for file in files {
            let report = RulesCheck.check(file: file, scheme: scheme, parserOptions: parserOptions, lint: .init(duplicateRules: false))
            guard report.isValid, let ruleFile = report.file else {
                errors += report.errors
                continue
            }
            for group in ruleFile.groups {
                var rules: [LoadedRule] = []
                for rule in group.rules {
                    do {
                        rules.append(try LoadedRule(rule: rule, in: group, options: parserOptions))
                    } catch {
                        preconditionFailure("BUG: a validated rule's expression does not parse: \(error)")
                    }
                }
                groups.append(LoadedRuleGroup(
                    file: file, group: group,
                    // As upstream, an `interval` of 0 means "not set".
                    interval: group.interval.flatMap { $0 == .zero ? nil : $0 } ?? evaluationInterval,
                    queryOffset: group.queryOffset ?? queryOffset, rules: rules))
            }
        }
        if !errors.isEmpty { throw .several(errors) }
        return groups
    }
}
