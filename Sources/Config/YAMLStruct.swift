internal import Model
internal import Yams

/// One key of a config section: how to read it into the section and how to write it back.
/// Declaring each key once keeps decoding (strict) and serializing (for the status API) in step.
struct YAMLField<Root> {
    let key: String
    /// Reads the value node; the key node is passed for errors about the key itself.
    let decode: (inout Root, _ value: Node, _ key: Node) throws(ConfigError) -> Void
    let encode: (Root) -> Node?

    /// A key stored at `path`. `omitEmpty` mirrors Go's `omitempty` when writing; an empty value
    /// is still written when the section's default is not empty (`filter_external_labels: false`),
    /// so what is written reads back the same.
    init<Value: YAMLCodable>(_ key: String, _ path: WritableKeyPath<Root, Value>, omitEmpty: Bool = true) {
        self.key = key
        decode = { (root: inout Root, node: Node, _: Node) throws(ConfigError) in
            root[keyPath: path] = try Value.decode(node)
        }
        var defaultIsEmpty = true
        if let sectionType = Root.self as? any YAMLStruct.Type, let section = sectionType.decodingStart as? Root {
            defaultIsEmpty = section[keyPath: path].isYAMLEmpty
        }
        let omit = omitEmpty && defaultIsEmpty
        encode = { root in
            let value = root[keyPath: path]
            return omit && value.isYAMLEmpty ? nil : value.encode()
        }
    }

    /// A key that is read by a custom closure and never written (aliases, refused keys).
    init(_ key: String, decodeOnly: @escaping (inout Root, _ value: Node, _ key: Node) throws(ConfigError) -> Void) {
        self.key = key
        decode = decodeOnly
        encode = { _ in nil }
    }

    init(
        key: String, decode: @escaping (inout Root, Node, Node) throws(ConfigError) -> Void, encode: @escaping (Root) -> Node?
    ) {
        self.key = key
        self.decode = decode
        self.encode = encode
    }

    /// A list of relabel rules; a null entry is refused with `nullMessage`, which names the list
    /// as Prometheus's messages do ("empty or null target relabeling rule in scrape config").
    static func relabelRules(_ key: String, _ path: WritableKeyPath<Root, [RelabelConfig]>, nullMessage: String) -> YAMLField<Root> {
        let plain = YAMLField(key, path)
        return YAMLField(
            key: key,
            decode: { (root: inout Root, node: Node, _: Node) throws(ConfigError) in
                if case .sequence(let items) = node, let empty = items.first(where: { $0.isNull }) {
                    throw .invalid(nullMessage, line: empty.line)
                }
                try plain.decode(&root, node, node)
            },
            encode: plain.encode
        )
    }

    /// A key whose value is one of an enumeration's raw values; anything else is refused with
    /// a message listing them ("<section>.<key> must be "a" or "b", got "c"").
    static func oneOf<Value: RawRepresentable & CaseIterable>(
        _ key: String, _ path: WritableKeyPath<Root, Value>, section: String
    ) -> YAMLField<Root> where Value.RawValue == String {
        YAMLField(
            key: key,
            decode: { (root: inout Root, node: Node, _: Node) throws(ConfigError) in
                let text = try String.decode(node)
                guard let value = Value(rawValue: text) else {
                    let allowed = Value.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
                    throw .invalid("\(section).\(key) must be \(allowed), got \"\(text)\"", line: node.line)
                }
                root[keyPath: path] = value
            },
            encode: { .plain($0[keyPath: path].rawValue) })
    }

    /// This field with `prefix` put before the message of the `.invalid` errors its value throws.
    func prefixingErrors(_ prefix: String) -> YAMLField<Root> {
        let decode = self.decode
        return YAMLField(
            key: key,
            decode: { (root: inout Root, node: Node, key: Node) throws(ConfigError) in
                do throws(ConfigError) {
                    try decode(&root, node, key)
                } catch {
                    guard case .invalid(let message, let line) = error else { throw error }
                    throw ConfigError.invalid(prefix + message, line: line)
                }
            },
            encode: encode
        )
    }

    /// The keys of the struct at `path`, inlined into this section (Go's `yaml:",inline"`).
    static func inline<Inner: YAMLStruct>(_ path: WritableKeyPath<Root, Inner>) -> [YAMLField<Root>] {
        Inner.yamlFields.map { field in
            YAMLField(
                key: field.key,
                decode: { (root: inout Root, node: Node, key: Node) throws(ConfigError) in
                    try field.decode(&root[keyPath: path], node, key)
                },
                encode: { root in field.encode(root[keyPath: path]) }
            )
        }
    }
}

/// A config section: a YAML mapping with a fixed set of keys, Prometheus's defaults, and checks.
protocol YAMLStruct: YAMLCodable, Equatable {
    /// The section with Prometheus's defaults, before any key is read.
    init()
    /// The Go type name used in "field x not found in type T" errors (`config.ScrapeConfig`).
    static var yamlTypeName: String { get }
    /// Every key the section accepts.
    static var yamlFields: [YAMLField<Self>] { get }
    /// Checks the section once all keys are read (and fills dependent defaults).
    /// - Parameter line: the line of the section, for errors.
    mutating func validate(line: Int) throws(ConfigError)
    /// The value for `key: null` or `key:` with nothing; the defaults unless overridden.
    static func decodeNull(line: Int) throws(ConfigError) -> Self
    /// The value keys are read into; `init()` unless "not given" must be told from a default.
    static var decodingStart: Self { get }
}

extension YAMLStruct {
    mutating func validate(line: Int) throws(ConfigError) {}

    static func decodeNull(line: Int) throws(ConfigError) -> Self { Self() }

    static var decodingStart: Self { Self() }

    static func decode(_ node: Node) throws(ConfigError) -> Self {
        if node.isNull { return try decodeNull(line: node.line) }
        let entries = try YAMLMappingEntries.of(node, expected: yamlTypeName)
        var fieldsByKey: [String: YAMLField<Self>] = [:]
        for field in yamlFields { fieldsByKey[field.key] = field }
        var value = decodingStart
        for (keyNode, valueNode) in entries {
            guard let key = keyNode.scalarText, let field = fieldsByKey[key] else {
                throw .unknownField(keyNode.scalarText ?? keyNode.goDescription, type: yamlTypeName, line: keyNode.line)
            }
            try field.decode(&value, valueNode, keyNode)
        }
        try value.validate(line: node.line)
        return value
    }

    func encode() -> Node? {
        var pairs: [(Node, Node)] = []
        for field in Self.yamlFields {
            if let node = field.encode(self) { pairs.append((.plain(field.key), node)) }
        }
        return .mapping(.init(pairs))
    }

    /// A section is left out, like Go's `omitempty`, when it is all defaults.
    var isYAMLEmpty: Bool { self == Self() }
}
