internal import Config
internal import Yams

extension RuleFile {
    /// Reads a rule file strictly, as Prometheus's `rulefmt.Parse` does with yaml.v3 and known
    /// fields: unknown keys and values of the wrong kind are all collected into one
    /// `.unmarshal` error; text that is not YAML, or a duration that does not parse, stops at once.
    /// An empty document is a file with no groups.
    /// - Parameter ignoreUnknownFields: accept keys the schema does not have (promtool's
    ///   `--ignore-unknown-fields`, for files extended with custom metadata).
    /// - Throws: `RulesError.decoding` or `.unmarshal`.
    package static func decode(yaml text: String, ignoreUnknownFields: Bool = false) throws(RulesError) -> RuleFile {
        let root: Node?
        do {
            root = try StrictYAML.compose(text)
        } catch {
            throw .decoding(error)
        }
        guard let root else { return RuleFile() }
        var reader = RuleFileReader(ignoreUnknownFields: ignoreUnknownFields)
        let file = try reader.file(root)
        if !reader.problems.isEmpty { throw .unmarshal(reader.problems) }
        return file
    }
}

/// Walks the node tree, keeping every schema problem instead of stopping at the first, as
/// yaml.v3 does with its `TypeError` list.
private struct RuleFileReader {
    let ignoreUnknownFields: Bool
    var problems: [ConfigError] = []

    mutating func file(_ node: Node) throws(RulesError) -> RuleFile {
        var file = RuleFile()
        for (key, keyLine, value) in entries(node, type: "rulefmt.RuleGroups") {
            switch key {
            case "groups":
                for item in sequence(value, type: "[]rulefmt.RuleGroup") { file.groups.append(try group(item)) }
            default: unknown(key, line: keyLine, type: "rulefmt.RuleGroups")
            }
        }
        return file
    }

    mutating func group(_ node: Node) throws(RulesError) -> RuleGroup {
        var group = RuleGroup()
        group.position = position(node)
        for (key, keyLine, value) in entries(node, type: "rulefmt.RuleGroup") {
            switch key {
            case "name": group.name = string(value)
            case "interval": group.interval = try duration(value)
            case "query_offset": group.queryOffset = StrictYAML.isNull(value) ? nil : try duration(value)
            case "limit": group.limit = int(value)
            case "labels": group.labels = stringMap(value)
            case "rules": for item in sequence(value, type: "[]rulefmt.Rule") { group.rules.append(try rule(item)) }
            default: unknown(key, line: keyLine, type: "rulefmt.RuleGroup")
            }
        }
        return group
    }

    mutating func rule(_ node: Node) throws(RulesError) -> Rule {
        var rule = Rule()
        for (key, keyLine, value) in entries(node, type: "rulefmt.Rule") {
            switch key {
            case "record":
                rule.record = string(value)
                rule.recordPosition = position(value)
            case "alert":
                rule.alert = string(value)
                rule.alertPosition = position(value)
            case "expr":
                rule.expr = string(value)
                rule.exprPosition = position(value)
            case "for": rule.holdDuration = try duration(value)
            case "keep_firing_for": rule.keepFiringFor = try duration(value)
            case "labels": rule.labels = stringMap(value)
            case "annotations": rule.annotations = stringMap(value)
            default: unknown(key, line: keyLine, type: "rulefmt.Rule")
            }
        }
        return rule
    }

    // MARK: Scalars and collections

    /// The entries of a mapping by key text; a repeated key is reported as yaml.v3 does.
    mutating func entries(_ node: Node, type: String) -> [(key: String, keyLine: Int, value: Node)] {
        if StrictYAML.isNull(node) { return [] }
        let pairs: [(key: Node, value: Node)]
        do {
            pairs = try StrictYAML.entries(node, type: type)
        } catch {
            problems.append(error)
            return []
        }
        var seen: [String: Int] = [:]
        var result: [(key: String, keyLine: Int, value: Node)] = []
        for (keyNode, value) in pairs {
            let key = keyNode.scalar?.string ?? StrictYAML.goDescription(keyNode)
            if let first = seen[key] {
                problems.append(.invalid("mapping key \(goQuoted(key)) already defined at line \(first)", line: StrictYAML.line(keyNode)))
                continue
            }
            seen[key] = StrictYAML.line(keyNode)
            result.append((key, StrictYAML.line(keyNode), value))
        }
        return result
    }

    mutating func sequence(_ node: Node, type: String) -> [Node] {
        if StrictYAML.isNull(node) { return [] }
        guard case .sequence(let items) = node else {
            problems.append(.typeMismatch(found: StrictYAML.goDescription(node), expected: type, line: StrictYAML.line(node)))
            return []
        }
        return Array(items)
    }

    mutating func unknown(_ key: String, line: Int, type: String) {
        if ignoreUnknownFields { return }
        problems.append(.unknownField(key, type: type, line: line))
    }

    mutating func string(_ node: Node) -> String {
        do {
            return try StrictYAML.string(node)
        } catch {
            problems.append(error)
            return ""
        }
    }

    mutating func int(_ node: Node) -> Int {
        do {
            return try StrictYAML.int(node)
        } catch {
            problems.append(error)
            return 0
        }
    }

    /// A duration; one that does not parse stops decoding, as model.Duration's unmarshaler does.
    func duration(_ node: Node) throws(RulesError) -> Duration {
        do {
            return try StrictYAML.duration(node)
        } catch {
            throw .decoding(error)
        }
    }

    mutating func stringMap(_ node: Node) -> [String: String] {
        var result: [String: String] = [:]
        for (key, _, value) in entries(node, type: "map[string]string") { result[key] = string(value) }
        return result
    }

    func position(_ node: Node) -> SourcePosition {
        guard let mark = node.mark else { return .absent }
        return SourcePosition(line: mark.line, column: mark.column)
    }
}
