internal import Config
internal import Yams

/// Reads a YAML node tree strictly for a Go schema, keeping every schema problem (unknown keys,
/// values of the wrong kind, repeated keys) instead of stopping at the first, as Go's yaml
/// decoders list them under `yaml: unmarshal errors:`. Rule files and rule-test files use it.
struct StrictYAMLCollector {
    /// Accept keys the schema does not have.
    let ignoreUnknownFields: Bool
    /// The message for a key repeated in one mapping, given the key and the line of its first use
    /// (yaml.v2 and yaml.v3 word it differently).
    let repeatedKey: (_ key: String, _ firstLine: Int) -> String
    /// The problems found so far, in document order.
    var problems: [ConfigError] = []

    /// The entries of a mapping by key text; a repeated key is reported with `repeatedKey`.
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
                problems.append(.invalid(repeatedKey(key, first), line: StrictYAML.line(keyNode)))
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

    mutating func double(_ node: Node) -> Double {
        do {
            return try StrictYAML.double(node)
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
}
