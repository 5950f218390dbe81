package import Config
internal import Foundation
internal import Model
internal import Yams

/// An `alertmanager.yml` (Alertmanager 0.27+), decoded strictly, with Alertmanager's defaults
/// filled in and its checks applied (`config/config.go` `Config.UnmarshalYAML`).
package struct AlertmanagerConfig: Sendable, Equatable {
    /// `global`.
    package var global = AlertmanagerGlobalConfig()
    /// `route`: the root of the routing tree as written.
    package var route = RouteConfig()
    /// `inhibit_rules`.
    package var inhibitRules: [InhibitRule] = []
    /// `receivers`, with global settings applied.
    package var receivers: [Receiver] = []
    /// `templates`: file globs, relative to the config file's directory once loaded.
    package var templates: [String] = []
    /// Deprecated `mute_time_intervals`.
    package var muteTimeIntervals: [NamedTimeInterval] = []
    /// `time_intervals`.
    package var timeIntervals: [NamedTimeInterval] = []
    /// The file's text as loaded (for `/api/v2/status`, secrets hidden by `redactedYAML`).
    package var original = ""

    /// The resolved routing tree.
    package var routingTree: Route { Route(route) }

    /// Parses the text of an `alertmanager.yml`.
    /// - Throws: `ConfigError` with the line of the offending node; Alertmanager's message for
    ///   checks that concern the file as a whole.
    package static func parse(_ text: String) throws(ConfigError) -> AlertmanagerConfig {
        guard let root = try StrictYAML.compose(text), !StrictYAML.isNull(root) else {
            throw .invalid("no route provided in config", line: 0)
        }
        var map = try YAMLMapping(root, type: "config.plain")
        var config = AlertmanagerConfig()
        // `global:` left empty keeps the defaults, as Alertmanager restores them.
        if let node = map.take("global"), !StrictYAML.isNull(node) {
            config.global = try AlertmanagerGlobalConfig.decode(node)
        }
        let route = try map.take("route").flatMap { (node: Node) throws(ConfigError) -> RouteConfig? in
            StrictYAML.isNull(node) ? nil : try RouteConfig.decode(node)
        }
        config.inhibitRules = try map.list("inhibit_rules", InhibitRule.decode)
        config.receivers = try map.list("receivers", Receiver.decode)
        config.templates = try map.strings("templates")
        config.muteTimeIntervals = try map.list("mute_time_intervals") { (node: Node) throws(ConfigError) in
            try NamedTimeInterval.decode(node, deprecated: true)
        }
        config.timeIntervals = try map.list("time_intervals") { (node: Node) throws(ConfigError) in
            try NamedTimeInterval.decode(node, deprecated: false)
        }
        try map.finish()

        var names: Set<String> = []
        for index in config.receivers.indices {
            let name = config.receivers[index].name
            guard !names.contains(name) else { throw .invalid("notification config name \"\(name)\" is not unique", line: 0) }
            try config.receivers[index].applyGlobal(config.global)
            names.insert(name)
        }
        guard let route else { throw .invalid("no routes provided", line: 0) }
        config.route = route
        guard !route.receiver.isEmpty else { throw .invalid("root route must specify a default receiver", line: route.line) }
        guard route.match.isEmpty, route.matchRE.isEmpty, route.matchers.isEmpty else {
            throw .invalid("root route must not have any matchers", line: route.line)
        }
        guard !route.continue else { throw .invalid("cannot have continue in root route", line: route.line) }
        guard route.muteTimeIntervals.isEmpty else { throw .invalid("root route must not have any mute time intervals", line: route.line) }
        guard route.activeTimeIntervals.isEmpty else {
            throw .invalid("root route must not have any active time intervals", line: route.line)
        }
        try checkReceivers(route, names)
        var intervalNames: Set<String> = []
        for interval in config.muteTimeIntervals where !intervalNames.insert(interval.name).inserted {
            throw .invalid("mute time interval \"\(interval.name)\" is not unique", line: 0)
        }
        for interval in config.timeIntervals where !intervalNames.insert(interval.name).inserted {
            throw .invalid("time interval \"\(interval.name)\" is not unique", line: 0)
        }
        try checkTimeIntervals(route, intervalNames)
        return config
    }

    /// Reads and parses the file at `path`; relative template globs become relative to its directory.
    /// - Throws: `ConfigError.unreadable`, or `.inFile` wrapping the reason.
    package static func load(file path: String) throws(ConfigError) -> AlertmanagerConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        var config: AlertmanagerConfig
        do {
            config = try parse(text)
        } catch {
            throw .inFile(path: path, error)
        }
        config.original = text
        let directory = (path as NSString).deletingLastPathComponent
        config.templates = config.templates.map { glob in
            glob.hasPrefix("/") || directory.isEmpty ? glob : (directory as NSString).appendingPathComponent(glob)
        }
        return config
    }

    /// Every receiver a route names must exist (children first, as Alertmanager reports).
    private static func checkReceivers(_ route: RouteConfig, _ names: Set<String>) throws(ConfigError) {
        for child in route.routes { try checkReceivers(child, names) }
        if !route.receiver.isEmpty && !names.contains(route.receiver) {
            throw .invalid("undefined receiver \"\(route.receiver)\" used in route", line: route.line)
        }
    }

    /// Every time interval a route names must exist.
    private static func checkTimeIntervals(_ route: RouteConfig, _ names: Set<String>) throws(ConfigError) {
        for child in route.routes { try checkTimeIntervals(child, names) }
        for name in route.activeTimeIntervals + route.muteTimeIntervals where !names.contains(name) {
            throw .invalid("undefined time interval \"\(name)\" used in route", line: route.line)
        }
    }

    /// Routes whose `repeat_interval` is shorter than their `group_interval`: Alertmanager accepts
    /// them, but the repeat then happens only every group interval. Reported as warnings.
    package var warnings: [String] {
        var result: [String] = []
        func visit(_ route: Route, _ config: RouteConfig) {
            if route.repeatInterval < route.groupInterval {
                result.append(
                    "line \(config.line): repeat_interval \(route.repeatInterval.prometheusString) is less than group_interval \(route.groupInterval.prometheusString); notifications repeat only every group_interval")
            }
            for (child, childConfig) in zip(route.routes, config.routes) { visit(child, childConfig) }
        }
        visit(routingTree, route)
        return result
    }
}
