internal import Config
package import Model
internal import Yams

/// An `inhibit_rules` entry: alerts matching the target matchers are muted while an alert
/// matching the source matchers fires with the same values of the `equal` labels.
package struct InhibitRule: Sendable, Equatable {
    /// `name` (optional).
    package var name = ""
    /// `source_matchers` together with the deprecated `source_match`/`source_match_re`.
    package var sourceMatchers: [Matcher] = []
    /// `target_matchers` together with the deprecated `target_match`/`target_match_re`.
    package var targetMatchers: [Matcher] = []
    /// `equal`: labels whose values must be the same in source and target.
    package var equal: [String] = []

    static func decode(_ node: Node) throws(ConfigError) -> InhibitRule {
        var map = try YAMLMapping(node, type: "config.plain")
        var rule = InhibitRule()
        rule.name = try map.string("name")
        let sourceMatch = try map.stringMap("source_match")
        let sourceMatchRE = try map.stringMap("source_match_re")
        let sourceMatchers = try map.take("source_matchers").map(RouteConfig.decodeMatchers) ?? []
        let targetMatch = try map.stringMap("target_match")
        let targetMatchRE = try map.stringMap("target_match_re")
        let targetMatchers = try map.take("target_matchers").map(RouteConfig.decodeMatchers) ?? []
        rule.equal = try map.strings("equal")
        try map.finish()

        try RouteConfig.checkLegacyNames(sourceMatch.keys, line: map.line)
        try RouteConfig.checkLegacyNames(targetMatch.keys, line: map.line)
        try RouteConfig.checkRegexps(sourceMatchRE, line: map.line)
        try RouteConfig.checkRegexps(targetMatchRE, line: map.line)
        for name in rule.equal where !NameValidationScheme.utf8.isValidLabelName(name) {
            throw map.invalid("invalid label name \"\(name)\" in equal list")
        }
        rule.sourceMatchers = combined(sourceMatch, sourceMatchRE, sourceMatchers)
        rule.targetMatchers = combined(targetMatch, targetMatchRE, targetMatchers)
        return rule
    }

    private static func combined(_ match: [String: String], _ matchRE: [String: String], _ matchers: [Matcher]) -> [Matcher] {
        var route = RouteConfig()
        route.match = match
        route.matchRE = matchRE
        route.matchers = matchers
        return route.allMatchers
    }
}
