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

    /// Prometheus's checks (`model/relabel/relabel.go` `Config.Validate`) under a name validation
    /// scheme: the keys each action needs, and valid label names where names are written.
    /// - Throws: `ConfigError.invalid` with Prometheus's message.
    package func validate(scheme: NameValidationScheme, line: Int) throws(ConfigError) {
        let defaults = RelabelConfig()
        if modulus == 0 && action == .hashmod {
            throw .invalid("relabel configuration for hashmod requires non-zero modulus", line: line)
        }
        let needsTarget: Set<Action> = [.replace, .hashmod, .lowercase, .uppercase, .keepequal, .dropequal]
        if needsTarget.contains(action) && targetLabel.isEmpty {
            throw .invalid("relabel configuration for \(action.rawValue) action requires 'target_label' value", line: line)
        }
        let usesVariables = targetLabel.contains("$")
        func validWithVariables(_ value: String) -> Bool {
            scheme == .utf8 ? scheme.isValidLabelName(value) : RelabelConfig.isLegacyTemplate(value)
        }
        if action == .replace {
            let valid = usesVariables ? validWithVariables(targetLabel) : scheme.isValidLabelName(targetLabel)
            if !valid { throw .invalid("\"\(targetLabel)\" is invalid 'target_label' for replace action", line: line) }
        }
        let targetOnly: Set<Action> = [.lowercase, .uppercase, .keepequal, .dropequal]
        if targetOnly.contains(action) {
            if !scheme.isValidLabelName(targetLabel) {
                throw .invalid("\"\(targetLabel)\" is invalid 'target_label' for \(action.rawValue) action", line: line)
            }
            if replacement != defaults.replacement {
                throw .invalid("'replacement' can not be set for \(action.rawValue) action", line: line)
            }
        }
        if action == .labelmap && !validWithVariables(replacement) {
            throw .invalid("\"\(replacement)\" is invalid 'replacement' for labelmap action", line: line)
        }
        if action == .hashmod && !scheme.isValidLabelName(targetLabel) {
            throw .invalid("\"\(targetLabel)\" is invalid 'target_label' for hashmod action", line: line)
        }
        if action == .keepequal || action == .dropequal {
            if regex != defaults.regex || modulus != 0 || separator != defaults.separator || replacement != defaults.replacement {
                throw .invalid("\(action.rawValue) action requires only 'source_labels' and `target_label`, and no other fields", line: line)
            }
        }
        if action == .labeldrop || action == .labelkeep {
            if !sourceLabels.isEmpty || !targetLabel.isEmpty || modulus != 0 || separator != defaults.separator
                || replacement != defaults.replacement
            {
                throw .invalid("\(action.rawValue) action requires only 'regex', and no other fields", line: line)
            }
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

    /// Whether `value` is a legacy label name in which `$name`/`${name}` references may stand for
    /// characters (Prometheus's `relabelTargetLegacy`).
    private static func isLegacyTemplate(_ value: String) -> Bool {
        var bytes = Substring(value).utf8[...]
        guard !bytes.isEmpty else { return false }
        func isWord(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
        }
        var first = true
        while let byte = bytes.first {
            if byte == UInt8(ascii: "$") {
                bytes = bytes.dropFirst()
                if bytes.first == UInt8(ascii: "{") {
                    let name = bytes.dropFirst().prefix(while: isWord)
                    guard !name.isEmpty, bytes.dropFirst(1 + name.count).first == UInt8(ascii: "}") else { return false }
                    bytes = bytes.dropFirst(2 + name.count)
                } else {
                    let name = bytes.prefix(while: isWord)
                    guard !name.isEmpty else { return false }
                    bytes = bytes.dropFirst(name.count)
                }
            } else {
                let isDigit = byte >= 0x30 && byte <= 0x39
                guard isWord(byte), !(first && isDigit) else { return false }
                bytes = bytes.dropFirst()
            }
            first = false
        }
        return true
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
