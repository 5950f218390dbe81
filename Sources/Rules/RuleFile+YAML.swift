internal import Config
internal import Yams
import Model

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
        if !reader.yaml.problems.isEmpty { throw .unmarshal(reader.yaml.problems) }
        return file
    }
}

/// Walks the node tree, keeping every schema problem instead of stopping at the first, as
/// yaml.v3 does with its `TypeError` list.
private struct RuleFileReader {
    var yaml: StrictYAMLCollector

    init(ignoreUnknownFields: Bool) {
        yaml = StrictYAMLCollector(ignoreUnknownFields: ignoreUnknownFields, repeatedKey: { key, firstLine in
            "mapping key \(GoQuote.quote(key)) already defined at line \(firstLine)"
        })
    }

    mutating func file(_ node: Node) throws(RulesError) -> RuleFile {
        var file = RuleFile()
        for (key, keyLine, value) in yaml.entries(node, type: "rulefmt.RuleGroups") {
            switch key {
            case "groups":
                for item in yaml.sequence(value, type: "[]rulefmt.RuleGroup") { file.groups.append(try group(item)) }
            default: yaml.unknown(key, line: keyLine, type: "rulefmt.RuleGroups")
            }
        }
        return file
    }

    mutating func group(_ node: Node) throws(RulesError) -> RuleGroup {
        var group = RuleGroup()
        group.position = position(node)
        for (key, keyLine, value) in yaml.entries(node, type: "rulefmt.RuleGroup") {
            switch key {
            case "name": group.name = yaml.string(value)
            case "interval": group.interval = try yaml.duration(value)
            case "query_offset": group.queryOffset = StrictYAML.isNull(value) ? nil : try yaml.duration(value)
            case "limit": group.limit = yaml.int(value)
            case "labels": group.labels = yaml.stringMap(value)
            case "rules": for item in yaml.sequence(value, type: "[]rulefmt.Rule") { group.rules.append(try rule(item)) }
            default: yaml.unknown(key, line: keyLine, type: "rulefmt.RuleGroup")
            }
        }
        return group
    }

    mutating func rule(_ node: Node) throws(RulesError) -> Rule {
        var rule = Rule()
        for (key, keyLine, value) in yaml.entries(node, type: "rulefmt.Rule") {
            switch key {
            case "record":
                rule.record = yaml.string(value)
                rule.recordPosition = position(value)
            case "alert":
                rule.alert = yaml.string(value)
                rule.alertPosition = position(value)
            case "expr":
                rule.expr = yaml.string(value)
                rule.exprPosition = position(value)
            case "for": rule.holdDuration = try yaml.duration(value)
            case "keep_firing_for": rule.keepFiringFor = try yaml.duration(value)
            case "labels": rule.labels = yaml.stringMap(value)
            case "annotations": rule.annotations = yaml.stringMap(value)
            default: yaml.unknown(key, line: keyLine, type: "rulefmt.Rule")
            }
        }
        return rule
    }

    func position(_ node: Node) -> SourcePosition {
        guard let mark = node.mark else { return .absent }
        return SourcePosition(line: mark.line, column: mark.column)
    }
}
