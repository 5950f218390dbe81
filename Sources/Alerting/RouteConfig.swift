internal import Config
package import Model
internal import Yams

/// A `route` node of `alertmanager.yml` as written (Alertmanager's `config.Route`); unset
/// timings stay `nil` so `Route` can inherit them from the parent.
package struct RouteConfig: Sendable, Equatable {
    /// `receiver`; empty inherits the parent's.
    package var receiver = ""
    /// `group_by` as written, except `...`.
    package var groupBy: [String] = []
    /// Whether `group_by` is `['...']`: group by all labels.
    package var groupByAll = false
    /// Deprecated `match`: label name to exact value.
    package var match: [String: String] = [:]
    /// Deprecated `match_re`: label name to anchored regular expression.
    package var matchRE: [String: String] = [:]
    /// `matchers`, in either matcher syntax.
    package var matchers: [Matcher] = []
    /// `mute_time_intervals` names.
    package var muteTimeIntervals: [String] = []
    /// `active_time_intervals` names.
    package var activeTimeIntervals: [String] = []
    /// `continue`: keep matching siblings after this route matched.
    package var `continue` = false
    /// `routes`: child routes, tried in order.
    package var routes: [RouteConfig] = []
    /// `group_wait`, `group_interval`, `repeat_interval`; `nil` inherits.
    package var groupWait: Duration?
    package var groupInterval: Duration?
    package var repeatInterval: Duration?
    /// The line of the route in the file.
    package var line = 0

    /// Every matcher of the route: `match`, `match_re` and `matchers` together.
    package var allMatchers: [Matcher] {
        var result: [Matcher] = []
        for name in match.keys.sorted() {
            if let matcher = try? Matcher(.equal, name, match[name] ?? "") { result.append(matcher) }
        }
        for name in matchRE.keys.sorted() {
            if let matcher = try? Matcher(.regexMatch, name, matchRE[name] ?? "") { result.append(matcher) }
        }
        return result + matchers
    }

    static func decode(_ node: Node) throws(ConfigError) -> RouteConfig {
        var map = try YAMLMapping(node, type: "config.plain")
        var route = RouteConfig()
        route.line = map.line
        route.receiver = try map.string("receiver")
        let groupBy = try map.strings("group_by")
        route.match = try map.stringMap("match")
        route.matchRE = try map.stringMap("match_re")
        if let matchers = map.take("matchers") { route.matchers = try decodeMatchers(matchers) }
        route.muteTimeIntervals = try map.strings("mute_time_intervals")
        route.activeTimeIntervals = try map.strings("active_time_intervals")
        route.continue = try map.bool("continue", default: false)
        route.routes = try map.list("routes", RouteConfig.decode)
        route.groupWait = try map.duration("group_wait")
        route.groupInterval = try map.duration("group_interval")
        route.repeatInterval = try map.duration("repeat_interval")
        try map.finish()

        try checkLegacyNames(route.match.keys, line: map.line)
        try checkRegexps(route.matchRE, line: map.line)
        for name in groupBy {
            if name == "..." {
                route.groupByAll = true
            } else {
                guard NameValidationScheme.utf8.isValidLabelName(name) else {
                    throw map.invalid("invalid label name \"\(name)\" in group_by list")
                }
                route.groupBy.append(name)
            }
        }
        if route.groupByAll && !route.groupBy.isEmpty {
            throw map.invalid("cannot have wildcard group_by (`...`) and other labels at the same time")
        }
        var seen: Set<String> = []
        for name in route.groupBy where !seen.insert(name).inserted {
            throw map.invalid("duplicated label \"\(name)\" in group_by")
        }
        if route.groupInterval == .zero { throw map.invalid("group_interval cannot be zero") }
        if route.repeatInterval == .zero { throw map.invalid("repeat_interval cannot be zero") }
        return route
    }

    /// `matchers:` and `source_matchers:`/`target_matchers:`: a list of matcher strings.
    static func decodeMatchers(_ node: Node) throws(ConfigError) -> [Matcher] {
        var result: [Matcher] = []
        for text in try StrictYAML.strings(node) {
            do {
                result.append(contentsOf: try MatcherSyntax.parse(text))
            } catch {
                throw .invalid(error.description, line: StrictYAML.line(node))
            }
        }
        return result
    }

    /// Keys of deprecated `match` maps must be legacy label names (`model.LabelNameRE`).
    static func checkLegacyNames(_ names: some Sequence<String>, line: Int) throws(ConfigError) {
        for name in names.sorted() where !NameValidationScheme.legacy.isValidLabelName(name) {
            throw .invalid("invalid label name \"\(name)\"", line: line)
        }
    }

    /// Values of deprecated `match_re` maps must compile.
    static func checkRegexps(_ map: [String: String], line: Int) throws(ConfigError) {
        try checkLegacyNames(map.keys, line: line)
        for name in map.keys.sorted() {
            do {
                _ = try Matcher(.regexMatch, name, map[name] ?? "")
            } catch {
                throw .invalid(error.description, line: line)
            }
        }
    }
}
