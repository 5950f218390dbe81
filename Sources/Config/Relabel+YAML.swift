internal import Foundation
package import Model
internal import Yams

extension RelabelConfig: YAMLStruct {
    init() { self.init(sourceLabels: []) }

    static var yamlTypeName: String { "relabel.Config" }

    static var yamlFields: [YAMLField<RelabelConfig>] {
        [
            YAMLField("source_labels", \.sourceLabels),
            YAMLField("separator", \.separator, omitEmpty: false),
            YAMLField("regex", \.regex),
            YAMLField("modulus", \.modulus),
            YAMLField("target_label", \.targetLabel),
            YAMLField("replacement", \.replacement, omitEmpty: false),
            YAMLField("action", \.action),
        ]
    }

    static func decodeNull(line: Int) throws(ConfigError) -> RelabelConfig {
        throw .invalid("empty or null relabeling rule", line: line)
    }

    mutating func validate(line: Int) throws(ConfigError) {
        for name in sourceLabels where !NameValidationScheme.utf8.isValidLabelName(name) {
            throw .invalid("\"\(name)\" is not a valid label name", line: line)
        }
        do {
            _ = try RE2Regex(anchored: regex)
        } catch {
            guard case .invalidRegex(_, let reason) = error else { throw .invalid(error.description, line: line) }
            throw .invalid(RelabelConfig.goRegexMessage(re2Reason: reason), line: line)
        }
        try validate(scheme: .utf8, line: line)
    }

    /// Prometheus's checks (`Model`'s `RelabelConfig.validate`) as a `ConfigError` with the line.
    func validate(scheme: NameValidationScheme, line: Int) throws(ConfigError) {
        do {
            try validate(scheme: scheme)
        } catch {
            guard case .invalidRelabelConfig(_, let reason) = error else { throw .invalid(error.description, line: line) }
            throw .invalid(reason, line: line)
        }
    }

    /// RE2's error codes in Go's `regexp/syntax` wording, so messages read as Prometheus's do.
    private static let goRegexErrors: [String: String] = [
        "missing )": "missing closing )", "missing ]": "missing closing ]",
        "no argument for repetition operator": "missing argument to repetition operator",
        "bad repetition operator": "invalid nested repetition operator",
        "bad repetition count": "invalid repeat count", "bad character class": "invalid character class",
        "bad character class range": "invalid character class range", "bad escape sequence": "invalid escape sequence",
        "bad named capture group": "invalid named capture", "duplicate capture group name": "duplicate capture group name",
        "trailing \\": "trailing backslash at end of expression", "invalid UTF-8": "invalid UTF-8",
        "pattern too large - compile failed": "expression too large",
    ]

    /// `error parsing regexp: <Go's text>: `<argument>`` from RE2's `<code>: <argument>`.
    static func goRegexMessage(re2Reason: String) -> String {
        guard let separator = re2Reason.range(of: ": ") else { return "error parsing regexp: \(re2Reason)" }
        let code = String(re2Reason[..<separator.lowerBound])
        let argument = re2Reason[separator.upperBound...]
        return "error parsing regexp: \(goRegexErrors[code] ?? code): `\(argument)`"
    }
}

extension RelabelConfig.Action: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> RelabelConfig.Action {
        let text = try String.decode(node)
        if text.isEmpty { throw .invalid("relabel action cannot be empty", line: node.line) }
        guard let action = RelabelConfig.Action(rawValue: text.lowercased()) else {
            throw .invalid("unknown relabel action \"\(text)\"", line: node.line)
        }
        return action
    }
    func encode() -> Node? { .plain(rawValue) }
}

extension Labels: YAMLCodable {
    static func decode(_ node: Node) throws(ConfigError) -> Labels {
        if node.isNull { return Labels() }
        var pairs: [Label] = []
        for (key, value) in try YAMLMappingEntries.of(node, expected: "model.LabelSet") {
            let name = try String.decode(key)
            guard !name.isEmpty else { throw .invalid("\"\" is not a valid label name", line: key.line) }
            pairs.append(Label(name: name, value: try String.decode(value)))
        }
        return Labels(pairs)
    }
    func encode() -> Node? {
        .mapping(.init(map { (Node.plain($0.name), Node.plain($0.value)) }))
    }
    var isYAMLEmpty: Bool { isEmpty }
}
